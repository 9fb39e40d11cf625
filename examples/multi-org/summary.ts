/**
 * The per-organisation stack output of the multi-org example, as a pure function so that it can
 * be read without Pulumi and reused by anything that has a BillingConfig's live values (the demo
 * prints the same summary from its state).
 *
 * Payment data is deliberately absent: it is a secret output, and a summary that touched it would
 * become secret as a whole.
 */

/** The live values of one BillingConfig that the summary reads. */
export interface SummaryInput {
  orgId: number;
  billingConfigId: number | null;
  vatin: string | null;
  invoiceIssuerInfo: string | null;
  chargingModel: { id: number } | null;
  paymentTerm: { id: number } | null;
  vatRate: { id: number } | null;
  restoreOnDelete: boolean;
}

/** One line per organisation: reference ids only, since emnify does not document their names. */
export interface OrgSummary {
  orgId: number;
  billingConfigId: number | null;
  vatin: string | null;
  invoiceIssuerInfo: string | null;
  chargingModelId: number | null;
  paymentTermId: number | null;
  vatRateId: number | null;
  restoreOnDelete: boolean;
}

export function summarise(live: SummaryInput): OrgSummary {
  return {
    orgId: live.orgId,
    billingConfigId: live.billingConfigId ?? null,
    vatin: live.vatin ?? null,
    invoiceIssuerInfo: live.invoiceIssuerInfo ?? null,
    chargingModelId: live.chargingModel?.id ?? null,
    paymentTermId: live.paymentTerm?.id ?? null,
    vatRateId: live.vatRate?.id ?? null,
    restoreOnDelete: live.restoreOnDelete === true,
  };
}
