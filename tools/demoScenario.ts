/**
 * The demo's starting point, derived from examples/multi-org/orgs.yaml so that the two never
 * disagree: the emulator holds every organisation of the file, most of them already as declared
 * (adoption without a change) and every third one differing in a field or two (adoption with a
 * PATCH). Later, one organisation that matched is changed behind Pulumi's back (drift).
 */
import type { OrganisationEntry } from "pulumi-emnify";
import type { ApiBillingConfig, SeedOrganisation } from "pulumi-emnify/emulator";
import { FIELDS } from "../provider/billing/fields";

/** A field a demo difference may touch, and its name in the API. */
type Touchable = "vatin" | "chargingModel" | "paymentTerm" | "vatRate";
const TOUCHABLE: readonly Touchable[] = ["vatin", "chargingModel", "paymentTerm", "vatRate"];
const API_NAME: Record<Touchable, keyof ApiBillingConfig> = {
  vatin: "vatin",
  chargingModel: "charging_model",
  paymentTerm: "payment_term",
  vatRate: "vat_rate",
};

export interface DemoOrganisation {
  entry: OrganisationEntry;
  /** What the emulator holds before the first run. */
  seed: SeedOrganisation;
  /** True when the seed differs from orgs.yaml, so adopting it needs a PATCH. */
  differs: boolean;
}

export interface DemoDrift {
  entry: OrganisationEntry;
  /** The out-of-band change, in the API's shape, as `emu.setBillingConfig` takes it. */
  change: ApiBillingConfig;
}

/** The organisation's declared settings in the API's shape, field by field from the table. */
function declaredConfig(entry: OrganisationEntry): ApiBillingConfig {
  const config: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = entry.args[field.name];
    if (value !== undefined) config[field.apiName] = field.kind === "reference" ? { id: (value as { id: number }).id } : value;
  }
  return config;
}

/** Another value for a field: a VAT id with different last digits, or the other of ids 0 and 1. */
function otherValue(entry: OrganisationEntry, field: Touchable): ApiBillingConfig {
  if (field === "vatin") {
    const vatin = entry.args.vatin ?? "";
    const changed = `${vatin.slice(0, -2)}00`;
    return { vatin: changed === vatin ? `${vatin.slice(0, -2)}99` : changed };
  }
  const id = entry.args[field]?.id;
  // 0 and 1 exist in the emulator's default catalogue for every reference.
  return { [API_NAME[field]]: { id: id === 0 ? 1 : 0 } };
}

/**
 * Changes `count` of the declared fields, starting at a different field for each `variant`, so the
 * differences shown are not all alike.
 */
function changeOf(entry: OrganisationEntry, variant: number, count: number): ApiBillingConfig {
  const declared = TOUCHABLE.filter((field) => entry.args[field] !== undefined);
  const change: ApiBillingConfig = {};
  for (let i = 0; i < Math.min(count, declared.length); i++) {
    Object.assign(change, otherValue(entry, declared[(variant + i) % declared.length]));
  }
  return change;
}

/** The emulator's organisations: every third entry (2nd, 5th, 8th, …) differs from the file. */
export function demoOrganisations(entries: OrganisationEntry[]): DemoOrganisation[] {
  return entries.map((entry, index) => {
    const differs = index % 3 === 1;
    const variant = Math.floor(index / 3);
    const billingConfig = { ...declaredConfig(entry), ...(differs ? changeOf(entry, variant, 1 + (variant % 2)) : {}) };
    return { entry, seed: { id: entry.args.orgId, name: entry.name, billingConfig }, differs };
  });
}

/** The out-of-band change: two fields of the first organisation after the second that matched. */
export function demoDrift(organisations: DemoOrganisation[]): DemoDrift {
  const matching = organisations.filter((o) => !o.differs);
  const target = matching[Math.min(2, matching.length - 1)];
  if (target === undefined) throw new Error("the organisations file lists no organisation to change");
  return { entry: target.entry, change: changeOf(target.entry, 0, 2) };
}

/**
 * The billing-config calls adopting these organisations costs, sorted (organisations run in
 * parallel): "GET id" where the emulator already holds the declared values, else GET, PATCH, GET.
 */
export function adoptionCalls(organisations: DemoOrganisation[]): string[] {
  return organisations
    .flatMap(({ entry, differs }) => {
      const id = entry.args.orgId;
      // restoreOnDelete: the organisation's record (BillingOriginals) is one GET before the adoption.
      const record = entry.args.restoreOnDelete === true ? [`GET ${id}`] : [];
      return [...record, ...(differs ? [`GET ${id}`, `PATCH ${id}`, `GET ${id}`] : [`GET ${id}`])];
    })
    .sort();
}
