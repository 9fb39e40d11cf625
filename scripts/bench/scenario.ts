/**
 * The benchmark's organisations: what the emulator holds at the start, what the program declares in
 * each phase, and the minimum number of API calls each phase needs, worked out from the seed alone
 * (not from the provider's code), so that "calls made = minimum" is a real check.
 *
 * Minimum calls per resource (billingConfigProvider.ts states the same contract):
 *   create: 1 GET when the organisation already holds every declared value, else GET + PATCH + GET;
 *   unchanged run: 0; update: PATCH + GET when a declared value changed; refresh: 1 GET;
 *   delete: 0 (release), or 1 PATCH with restoreOnDelete when there is an original to put back.
 * Authentication is counted separately.
 */
import type { ApiBillingConfig, SeedOrganisation } from "pulumi-emnify/emulator";
import { FIELDS } from "../../provider/billing/fields";
import { FIRST_ORG_ID, benchDeclaration } from "./declarations";

const REFERENCE_API_NAMES: ReadonlySet<string> = new Set(FIELDS.filter((f) => f.kind === "reference").map((f) => f.apiName));
const NULLABLE_API_NAMES: ReadonlySet<string> = new Set(FIELDS.filter((f) => f.kind === "nullableString").map((f) => f.apiName));

export interface BenchDeclaration {
  name: string;
  args: Record<string, unknown>;
}

export interface BenchOrganisation {
  id: number;
  seed: SeedOrganisation;
  /** What the program declares for create (and the unchanged run). */
  declared: BenchDeclaration;
  /** What it declares from the update phase on. */
  updated: BenchDeclaration;
  /** This organisation's share of the scenario's minimum (the sums over a shard's organisations are the shard's). */
  minimum: BenchScenario["minimum"];
}

export interface BenchScenario {
  organisations: BenchOrganisation[];
  minimum: { create: number; unchanged: number; update: number; refresh: number; delete: number };
  counts: { differing: number; matching: number; updated: number; restoring: number };
}

/** The API's view of declared args (snake_case, references as { id }), field by field from the table. */
function asApi(args: Record<string, unknown>): ApiBillingConfig {
  const api: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = args[field.name];
    if (value !== undefined) api[field.apiName] = field.kind === "reference" ? { id: (value as { id: number }).id } : value;
  }
  return api;
}

/** Four in five organisations start out different from the declaration (in one to three fields). */
function seedConfig(i: number, args: Record<string, unknown>): ApiBillingConfig {
  const declared = asApi(args);
  const base: ApiBillingConfig = { id: 50_000 + i, invoice_issuer_info: null, payment_data: {}, ...declared };
  if (i % 5 === 4) return base; // already as declared: adopting costs one GET
  const differs: ApiBillingConfig = { ...base, vatin: `DE${100_000_000 + i}` };
  if (i % 2 === 0) differs.charging_model = { id: 0 };
  if (i % 3 === 1) differs.payment_term = { id: ((i % 4) + 1) % 4 };
  return differs;
}

function sameReference(a: unknown, b: unknown): boolean {
  const idOf = (v: unknown) => (v === null || v === undefined ? null : (v as { id: number }).id);
  return idOf(a) === idOf(b);
}

/** Whether the seeded config already holds every declared value (an independent comparison). */
function matches(seed: ApiBillingConfig, args: Record<string, unknown>): boolean {
  const declared = asApi(args);
  return (Object.keys(declared) as (keyof ApiBillingConfig)[]).every((key) => {
    const want = declared[key];
    const have = seed[key];
    if (REFERENCE_API_NAMES.has(key)) return sameReference(want, have);
    return JSON.stringify(want) === JSON.stringify(have ?? null);
  });
}

/** Whether a release with restoreOnDelete has anything to PATCH back (see mapping.restoreBody). */
function restoresSomething(seed: ApiBillingConfig, args: Record<string, unknown>): boolean {
  if (args.restoreOnDelete !== true) return false;
  const declared = asApi(args);
  // A nullable field (invoice_issuer_info) can be set back to null; every other one needs a value to put back.
  return (Object.keys(declared) as (keyof ApiBillingConfig)[]).some(
    (key) => NULLABLE_API_NAMES.has(key) || (seed[key] !== null && seed[key] !== undefined),
  );
}

/**
 * `originalsRecords`: whether a `restoreOnDelete` organisation gets a record of originals
 * (`BillingOriginals`, the dynamic resource's way: one more GET on the first up). The provider
 * plugin keeps the originals in the resource's own state and has no record.
 */
export function buildScenario(
  count: number,
  firstOrgId: number = FIRST_ORG_ID,
  { originalsRecords = true }: { originalsRecords?: boolean } = {},
): BenchScenario {
  const organisations: BenchOrganisation[] = [];
  const minimum = { create: 0, unchanged: 0, update: 0, refresh: 0, delete: 0 };
  const counts = { differing: 0, matching: 0, updated: 0, restoring: 0 };
  for (let i = 0; i < count; i++) {
    const id = firstOrgId + i;
    const { name, args: declaredArgs } = benchDeclaration(i, firstOrgId);
    const args: Record<string, unknown> = { ...declaredArgs };
    const billingConfig = seedConfig(i, args);
    const changes = i % 10 === 7; // one in ten is changed in the update phase
    const updatedArgs = changes ? { ...args, vatin: `DE${400_000_000 + i}` } : args;
    const own = { create: 0, unchanged: 0, update: 0, refresh: 0, delete: 0 };
    organisations.push({
      id,
      seed: { id, name: `Customer ${id}`, billingConfig },
      declared: { name, args },
      updated: { name, args: updatedArgs },
      minimum: own,
    });

    if (matches(billingConfig, args)) {
      own.create += 1;
      counts.matching += 1;
    } else {
      own.create += 3;
      counts.differing += 1;
    }
    // restoreOnDelete: the organisation's record (BillingOriginals) costs one GET before the adoption.
    if (originalsRecords && args.restoreOnDelete === true) own.create += 1;
    if (changes) {
      own.update += 2;
      counts.updated += 1;
    }
    own.refresh += 1;
    if (restoresSomething(billingConfig, updatedArgs)) {
      own.delete += 1;
      counts.restoring += 1;
    }
    for (const key of Object.keys(minimum) as (keyof typeof minimum)[]) minimum[key] += own[key];
  }
  return { organisations, minimum, counts };
}
