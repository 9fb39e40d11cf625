/** Shared by the export tests: seeded organisations, running the built CLI, and the expected values. */
import assert from "node:assert/strict";
import * as path from "node:path";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator, type ApiBillingConfig, type SeedOrganisation } from "pulumi-emnify/emulator";
import { runNodeScript, type ScriptRun } from "../../tools/engine/nodeScript";
import { repoRoot } from "../../tools/repoRoot";

export const CLI = () => path.join(repoRoot(), "dist", "provider", "cli", "main.js");

export type CliRun = ScriptRun;

/** Runs `node dist/provider/cli/main.js ...args` with only the given EMNIFY_* variables set. */
export function runCli(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): Promise<CliRun> {
  return runNodeScript(CLI(), args, { cwd: options.cwd ?? repoRoot(), env });
}

/** The command failed (status 1), wrote nothing to stdout, and said exactly `stderr`. */
export function assertFailedWith(run: CliRun, stderr: string): void {
  assert.deepEqual(run, { status: 1, stdout: "", stderr });
}

/** The environment that points the CLI at an emulator with its demo token. */
export function emulatorEnv(emulator: EmnifyEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return { EMNIFY_API_URL: emulator.url, EMNIFY_APPLICATION_TOKEN: DEMO_APPLICATION_TOKEN, ...extra };
}

const NAMES = [
  "Acme GmbH",
  "Acme GmbH",
  "Müller & Söhne KG",
  "Fleet 42",
  "株式会社テスト",
  "",
  "Nordic Ærø ApS",
  "acme-gmbh",
  "Łódź Logistics",
  "Smart Meters Ltd.",
];

/**
 * `count` organisations from id 1001 with varied settings: shared and unusual references, missing
 * values, VAT ids YAML would misread, multi-line issuer texts, payment data on some, duplicate and
 * unusable names, a prepaid organisation with active inclusive volumes.
 */
export function variedOrganisations(count: number): SeedOrganisation[] {
  const orgs: SeedOrganisation[] = [];
  for (let i = 0; i < count; i++) {
    const id = 1001 + i;
    const billingConfig: ApiBillingConfig = {
      vatin: i % 11 === 5 ? null : i % 6 === 1 ? String(10_000_000_000 + i) : i % 13 === 3 ? "no" : `DE${200_000_000 + i}`,
      invoice_issuer_info: i % 5 === 2 ? `Issuer ${i}\nStreet ${i}` : i % 9 === 4 ? "Reseller: Acme # 1" : null,
      charging_model: i % 10 === 9 ? null : i % 7 === 3 ? { id: 0 } : { id: 1 },
      payment_term: i % 4 === 0 ? { id: 2 } : { id: 1 },
      vat_rate: i % 8 === 6 ? null : { id: i % 3 === 0 ? 2 : 1 },
      payment_data: i % 3 === 1 ? { iban: `DE89370400440532013${String(i).padStart(3, "0")}`, holder: `Customer ${i}` } : {},
    };
    orgs.push({ id, name: NAMES[i % NAMES.length], billingConfig });
  }
  // The prepaid one: adopting it must not try to switch anything (the API would refuse).
  if (count > 12) {
    orgs[12] = {
      ...orgs[12],
      billingConfig: { ...orgs[12].billingConfig, charging_model: { id: 2 } },
      inclusiveVolumes: [{ id: 1, volume: 100 }],
    };
  }
  return orgs;
}

/** What an exported entry must hold for an organisation: exactly its live values, as checked arguments. */
export function expectedArgs(orgId: number, config: ApiBillingConfig, includePaymentData: boolean): Record<string, unknown> {
  const args: Record<string, unknown> = { orgId };
  if (config.vatin !== null && config.vatin !== undefined) args.vatin = config.vatin;
  args.invoiceIssuerInfo = config.invoice_issuer_info ?? null;
  if (config.charging_model) args.chargingModel = { id: config.charging_model.id };
  if (config.payment_term) args.paymentTerm = { id: config.payment_term.id };
  if (config.vat_rate) args.vatRate = { id: config.vat_rate.id };
  if (includePaymentData && config.payment_data && Object.keys(config.payment_data).length > 0) args.paymentData = config.payment_data;
  args.restoreOnDelete = false;
  return args;
}

/** What `--children` says on stderr when the list holds the demo token's own organisation (the emulator's does). */
export const LEFT_OUT_OWN =
  "note: left out organisation 1 (Demo reseller), which the list holds: it is the token's own organisation, " +
  "and --children exports the organisations it manages\n";

export const BILLING_CONFIG_PATH = /^\/api\/v1\/organisation\/\d+\/billing_config$/;
