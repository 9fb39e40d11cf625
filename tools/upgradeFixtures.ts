/**
 * States written by earlier versions of this package, for the upgrade tests
 * (test/realCli/upgrade.test.ts): which commits they come from, the organisations and resources
 * they were recorded with, and the manifest kept beside them in test/realCli/fixtures/upgrade/.
 * `npm run upgrade-fixtures` (scripts/upgradeFixtures.ts) records them again from the commits.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ApiBillingConfig, SeedOrganisation } from "../provider/emulator";
import { repoRoot } from "./repoRoot";

/** One earlier version whose state is kept. */
export interface UpgradeFixtureSpec {
  /** File name stem and the stack it was recorded in. */
  name: string;
  /** The commit of this repository it was recorded with. */
  commit: string;
  /** What is particular about the state it writes. */
  shape: string;
}

export const UPGRADE_FIXTURES: UpgradeFixtureSpec[] = [
  {
    name: "v46b320c-no-adoption-id",
    commit: "46b320c",
    shape: "the first state shape: serialized __provider, no adoptionId",
  },
  {
    name: "vd72c7b3-adoption-id",
    commit: "d72c7b3",
    shape: "adoptionId appears; serialized __provider; payment data not yet a secret in refresh inputs",
  },
  {
    name: "v51722c6-serialized-provider",
    commit: "51722c6",
    shape: "the last serialized __provider (~2.9 KB of captured code per resource)",
  },
  {
    name: "vaec277e-required-provider",
    commit: "aec277e",
    shape: "__provider as a require() of the installed module, before the provider/ layout move",
  },
];

/** The project every fixture was recorded in (the real-CLI suite's: URNs hold it). */
export const UPGRADE_PROJECT = "emnify-cli-test";
/** The passphrase of the recording stacks (the real-CLI suite's), which the states' secrets need. */
export const UPGRADE_PASSPHRASE = "real-cli-suite-passphrase";
/** Stands for the emulator's URL in the fixture files: each run has an emulator of its own. */
export const ENDPOINT_PLACEHOLDER = "http://emulator.invalid";

/** What the recording program declares (the real-CLI suite's program, `app:resources`). */
export interface UpgradeResource {
  name: string;
  args: Record<string, unknown>;
}

/** The organisations before Pulumi touched them (merged over the emulator's defaults). */
export const UPGRADE_SEED: SeedOrganisation[] = [
  {
    id: 2,
    billingConfig: { id: 902, vatin: "DE000000902", charging_model: { id: 0 }, payment_term: { id: 0 }, invoice_issuer_info: null },
  },
  { id: 3, billingConfig: { id: 903, vatin: "DE000000903", vat_rate: { id: 0 }, payment_data: { iban: "DE00 0000 0903" } } },
  { id: 4, billingConfig: { id: 904, vatin: "DE000000904" } },
];

/** Restored ones with changed values (a destroy must give the seed back), and one left as declared. */
export const UPGRADE_RESOURCES: UpgradeResource[] = [
  {
    name: "restored-two",
    args: { orgId: 2, restoreOnDelete: true, vatin: "DE222222222", chargingModel: { id: 1 }, invoiceIssuerInfo: "Issuer Two" },
  },
  {
    name: "restored-three",
    args: { orgId: 3, restoreOnDelete: true, vatRate: { id: 2 }, paymentTerm: { id: 3 }, paymentData: { iban: "DE33 3333 3333" } },
  },
  { name: "kept-four", args: { orgId: 4, vatin: "DE444444444" } },
];

/** One fixture as recorded: what its test needs besides the state file. */
export interface UpgradeFixtureRecord extends UpgradeFixtureSpec {
  /** The state file, relative to the manifest's directory (`pulumi stack export` output). */
  stateFile: string;
  /** The full commit hash. */
  commitHash: string;
  stack: string;
  project: string;
  /** The application token the stack config held (encrypted in the state); the emulator's only. */
  applicationToken: string;
  passphrase: string;
  /** Each organisation's billing config before the `up` (what restoreOnDelete gives back). */
  before: Record<string, ApiBillingConfig>;
  /** Each organisation's billing config after the `up` (what the API holds when the state is imported). */
  after: Record<string, ApiBillingConfig>;
  resources: UpgradeResource[];
  /** Bytes of the state file and of one resource's `__provider` input. */
  stateBytes: number;
  providerBytes: number;
  recordedWith: { pulumiCli: string };
}

export interface UpgradeManifest {
  /** How to record them again. */
  regenerate: string;
  fixtures: UpgradeFixtureRecord[];
}

export function upgradeFixturesDir(root = repoRoot()): string {
  return path.join(root, "test", "realCli", "fixtures", "upgrade");
}

export function readUpgradeManifest(root = repoRoot()): UpgradeManifest {
  return JSON.parse(fs.readFileSync(path.join(upgradeFixturesDir(root), "manifest.json"), "utf8")) as UpgradeManifest;
}
