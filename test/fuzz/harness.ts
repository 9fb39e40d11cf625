/**
 * Shared machinery of the property-based tests in test/fuzz (fast-check).
 *
 * Environment:
 * - FUZZ_RUNS: a MULTIPLIER applied to every property's default number of cases (default 1).
 *   The default run already has 19 properties and 11,060 cases (about 5 s on a 2-core machine);
 *   `FUZZ_RUNS=20` runs twenty times as many, `FUZZ_RUNS=0.1` is a quick smoke run. Any positive
 *   number is accepted; each property runs at least one case.
 *   Fuzz tests only: `npx mocha --no-config 'dist/test/fuzz/**\/*.test.js'` (without --no-config,
 *   .mocharc.json's spec adds every other test file).
 * - FUZZ_SEED: the 32-bit integer seed every property starts from (default 20240611), so every
 *   run is reproducible. A failing property's message starts with the FUZZ_SEED/FUZZ_RUNS to
 *   re-run it; fast-check's own report after it gives the shrunk counterexample, seed and path.
 *
 * The totals (properties, cases, wall and CPU time) are printed once the suite ends; with
 * FUZZ_TIMINGS=1 also one line per property.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { BillingConfigProvider } from "../../provider/resource/billingConfigProvider";

function readMultiplier(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`FUZZ_RUNS must be a positive number (a multiplier), got ${JSON.stringify(raw)}`);
  return value;
}

function readSeed(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 20240611;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(raw)}`);
  return value | 0;
}

export const FUZZ_MULTIPLIER = readMultiplier(process.env.FUZZ_RUNS);
export const FUZZ_SEED = readSeed(process.env.FUZZ_SEED);

/** Per-test timeout: generous, and growing with the multiplier for long runs. */
export const FUZZ_TIMEOUT_MS = Math.ceil(60_000 * Math.max(1, FUZZ_MULTIPLIER));

export function runsFor(defaultRuns: number): number {
  return Math.max(1, Math.round(defaultRuns * FUZZ_MULTIPLIER));
}

let executed = 0;
const planned: Array<[string, number]> = [];
const timings: Array<{ name: string; runs: number; wallMs: number; cpuMs: number; failed: boolean }> = [];

async function timed(name: string, runs: number, body: () => void | Promise<void>): Promise<void> {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let failed = true;
  try {
    await body();
    failed = false;
  } finally {
    const used = process.cpuUsage(cpu);
    timings.push({ name, runs, wallMs: Number(process.hrtime.bigint() - wall) / 1e6, cpuMs: (used.user + used.system) / 1000, failed });
  }
}

/** Counts one executed case; called at the start of every predicate. */
export function countCase(): void {
  executed += 1;
}

function withReproduction(name: string, numRuns: number, error: unknown): never {
  const header = `property "${name}" failed; reproduce with FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_MULTIPLIER} (seed ${FUZZ_SEED}, ${numRuns} runs)`;
  if (error instanceof Error) {
    error.message = `${header}\n${error.message}`;
    throw error;
  }
  throw new Error(`${header}\n${String(error)}`);
}

/** Checks a property with the suite's seed and run count, timed, its failure saying how to reproduce it. */
async function assertProperty(
  name: string,
  defaultRuns: number,
  check: (params: fc.Parameters<unknown>) => void | Promise<void>,
): Promise<void> {
  const numRuns = runsFor(defaultRuns);
  planned.push([name, numRuns]);
  await timed(name, numRuns, async () => {
    try {
      await check({ seed: FUZZ_SEED, numRuns });
    } catch (error) {
      withReproduction(name, numRuns, error);
    }
  });
}

/** Checks a synchronous property with the suite's seed and run count. */
export function holds<Ts extends [unknown, ...unknown[]]>(name: string, defaultRuns: number, property: fc.IProperty<Ts>): Promise<void> {
  return assertProperty(name, defaultRuns, (params) => fc.assert(property, params as fc.Parameters<Ts>));
}

/** Checks an asynchronous property with the suite's seed and run count. */
export function holdsAsync<Ts extends [unknown, ...unknown[]]>(
  name: string,
  defaultRuns: number,
  property: fc.IAsyncProperty<Ts>,
): Promise<void> {
  return assertProperty(name, defaultRuns, (params) => fc.assert(property, params as fc.Parameters<Ts>));
}

/** The provider for check and diff, which never call the API: any call to it fails the property. */
export function providerWithoutApi(): BillingConfigProvider {
  return new BillingConfigProvider(() => {
    throw new Error("no API in fuzz tests");
  });
}

/** A fuzz suite: the fuzz timeout, and no prototype polluted after any of its properties. */
export function describeFuzz(title: string, body: () => void): void {
  describe(title, function () {
    this.timeout(FUZZ_TIMEOUT_MS);
    afterEach(() => assertNoPrototypePollutionAtAll());
    body();
  });
}

// Registered once (this module is cached), at the root of mocha's suite tree: runs after all files.
after(function reportFuzzTotals() {
  if (planned.length === 0) return;
  const total = planned.reduce((sum, [, n]) => sum + n, 0);
  const wall = timings.reduce((sum, t) => sum + t.wallMs, 0);
  const cpu = timings.reduce((sum, t) => sum + t.cpuMs, 0);
  console.log(
    `      fuzz: ${planned.length} properties, ${total} planned cases, ${executed} executed (shrinking included) ` +
      `in ${(wall / 1000).toFixed(1)} s (${(cpu / 1000).toFixed(1)} s CPU); seed ${FUZZ_SEED}, FUZZ_RUNS=${FUZZ_MULTIPLIER}`,
  );
  if (process.env.FUZZ_TIMINGS) {
    for (const t of timings)
      console.log(
        `        ${t.wallMs.toFixed(0).padStart(6)} ms wall ${t.cpuMs.toFixed(0).padStart(6)} ms cpu ${String(t.runs).padStart(6)} runs ${t.failed ? "FAILED " : ""}${t.name}`,
      );
  }
});

// ---------------------------------------------------------------------------------------------
// Prototype pollution

const GUARDED: ReadonlyArray<[string, object]> = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
  ["Number.prototype", Number.prototype],
  ["Boolean.prototype", Boolean.prototype],
];

function snapshot(target: object): Map<PropertyKey, PropertyDescriptor> {
  return new Map(Reflect.ownKeys(target).map((key) => [key, Object.getOwnPropertyDescriptor(target, key) as PropertyDescriptor]));
}

const SNAPSHOTS = GUARDED.map(([, target]) => snapshot(target));
const KEY_COUNTS = GUARDED.map(([, target]) => Reflect.ownKeys(target).length);
const OBJECT_PROTOTYPE = SNAPSHOTS[0];

function assertUnchanged(label: string, target: object, before: Map<PropertyKey, PropertyDescriptor>): void {
  const keys = Reflect.ownKeys(target);
  for (const key of keys) {
    const now = Object.getOwnPropertyDescriptor(target, key) as PropertyDescriptor;
    const then = before.get(key);
    assert.ok(then !== undefined, `${label} gained the property ${String(key)}`);
    assert.ok(now.value === then.value && now.get === then.get && now.set === then.set, `${label}.${String(key)} was changed`);
  }
  assert.equal(keys.length, before.size, `${label} lost a property`);
}

/**
 * Fails if a built-in prototype was polluted since this module loaded. Called after every case:
 * Object.prototype is compared property by property, the other prototypes by their number of
 * properties; {@link assertNoPrototypePollutionAtAll} compares everything (after every test).
 */
export function assertNoPrototypePollution(): void {
  assertUnchanged("Object.prototype", Object.prototype, OBJECT_PROTOTYPE);
  GUARDED.forEach(([label, target], i) => {
    if (Reflect.ownKeys(target).length !== KEY_COUNTS[i]) assertUnchanged(label, target, SNAPSHOTS[i]);
  });
  assert.equal(Object.getPrototypeOf(Object.prototype), null, "Object.prototype got a prototype");
  assert.equal(Object.getPrototypeOf({}), Object.prototype, "{} no longer inherits from Object.prototype");
}

/** Fails if any property of any guarded built-in prototype was added, removed or changed. */
export function assertNoPrototypePollutionAtAll(): void {
  GUARDED.forEach(([label, target], i) => assertUnchanged(label, target, SNAPSHOTS[i]));
  assertNoPrototypePollution();
}
