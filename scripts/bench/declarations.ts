// What the benchmark's program declares for organisation number `index` (0, 1, 2, ...). This file
// imports nothing: the real-CLI bench copies it next to the user's program (index.ts) in the
// Pulumi project, so the program derives 1,000 declarations from a count and a first id in stack
// config instead of a 1,000-entry JSON value (the engine stores the whole stack config with the
// dynamic provider in the state). ./scenario.ts reads the same function for the seed and minimums.

/** The organisation id of index 0 unless the stack config says otherwise. */
export const FIRST_ORG_ID = 10_000;

export interface BenchArgs {
  orgId: number;
  vatin: string;
  invoiceIssuerInfo?: string;
  chargingModel: { id: number };
  paymentTerm: { id: number };
  vatRate: { id: number };
  paymentData?: { method: string; mandate: string };
  restoreOnDelete?: boolean;
}

/**
 * Reference ids the emulator's default catalogue knows (charging model 2 is prepaid: avoided).
 * One in three declares the invoice issuer, one in five payment data, one in ten restoreOnDelete.
 */
export function benchDeclaration(index: number, firstOrgId: number = FIRST_ORG_ID): { name: string; args: BenchArgs } {
  const id = firstOrgId + index;
  const args: BenchArgs = {
    orgId: id,
    vatin: `DE${300_000_000 + index}`,
    chargingModel: { id: 1 },
    paymentTerm: { id: index % 4 },
    vatRate: { id: 1 },
  };
  if (index % 3 === 0) args.invoiceIssuerInfo = `Reseller GmbH, billing unit ${index % 7}`;
  if (index % 5 === 0) args.paymentData = { method: "sepa", mandate: `M-${id}` };
  if (index % 10 === 3) args.restoreOnDelete = true;
  return { name: `org-${id}`, args };
}
