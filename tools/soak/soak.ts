/**
 * The fault soak: many organisations, random declarations, seeded random faults on the emulator,
 * and lifecycle operations (create, update, refresh, delete) through Pulumi's own dynamic-provider
 * host and the engine stand-in, each checked against the invariant in ./model.ts by an independent
 * read of what the emulator holds. Used by `npm run soak` (scripts/soak.ts) and, short, by
 * test/soak/soak.test.ts.
 *
 * A round is one engine command (up, refresh or destroy) over the whole stack, with its own fault
 * plan. Faults: 429 with and without Retry-After, 500/502/503, connection resets, timeouts (never
 * answered), slow answers that arrive after the client's timeout (the request IS applied), malformed
 * 2xx bodies, "outages" (one organisation's requests failing until retries run out), expired
 * sessions mid-round, and permanent refusals from random declarations (unknown reference ids, a
 * switch to prepaid that inclusive volumes forbid, organisations that disappear).
 *
 * Seeded: the plan (declarations, fault rules, timings of session expiry) is a function of the seed.
 * Which request a probabilistic fault hits also depends on the order requests arrive in, which
 * concurrency decides, so two runs with one seed are alike but not identical.
 */
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator, type ApiBillingConfig, type FaultRule, type PathRateLimit } from "../../provider/emulator";
import {
  EngineSimulator,
  type OperationResult,
  type ProviderHost,
  type RegisteredResource,
  type StateFile,
  preparePackedProject,
  revealResource,
  runProgramUnderMocks,
  startProviderHost,
} from "../engine";
import { FIELDS as FIELD_TABLE, isNullable } from "../../provider/billing/fields";
import { PROBE_MARKER } from "./hostProbe";
import {
  ApiHistory,
  FIELDS,
  type Field,
  type View,
  agreesOrPredates,
  apiView,
  declaredView,
  differences,
  fieldText,
  isNothing,
  stateView,
  unreadable,
} from "./model";
import { Random } from "./random";
import { BILLING_CONFIG_TYPE } from "../apiCalls";

export interface SoakOptions {
  /** At least this many lifecycle operations (create, update, refresh, delete of one resource). */
  ops: number;
  seed: number;
  /** Organisations in play. */
  orgs: number;
  /** emnify:timeoutSeconds for the provider. */
  timeoutSeconds: number;
  /** emnify:maxAttempts for the provider. */
  maxAttempts: number;
  /** A new provider host (a new `pulumi` command) every this many rounds. */
  roundsPerHost: number;
  /** Progress lines; nothing by default. */
  log?: (line: string) => void;
}

export const SOAK_DEFAULTS: Omit<SoakOptions, "log"> = {
  ops: 1000,
  seed: 1,
  orgs: 40,
  timeoutSeconds: 1,
  maxAttempts: 3,
  roundsPerHost: 8,
};

export type Outcome = "applied" | "failed" | "partial" | "gone";
export type Operation = "create" | "update" | "refresh" | "delete";

export interface SoakReport {
  options: Omit<SoakOptions, "log">;
  rounds: number;
  operations: number;
  byOperation: Record<Operation, Record<Outcome, number>>;
  outcomes: Record<Outcome, number>;
  /** Injected faults that hit a request, by kind, and other answers worth counting. */
  faults: Record<string, number>;
  sessionExpiries: number;
  hosts: number;
  /** Every broken invariant, with round, operation and organisation. */
  violations: string[];
  /** Marker lines from the host probe (unhandled rejections, uncaught exceptions). */
  unhandled: string[];
  /**
   * Longest single provider call, and what the settings allow one operation's own requests (5
   * requests × attempts × timeout plus waits); a call also waits its turn behind other operations'
   * requests, which the per-round watchdog bounds.
   */
  longestCallMs: number;
  callBoundMs: number;
  longestRoundMs: number;
  /** After the faults stop, one `up` and one `destroy` bring everything to the declared state and back. */
  converged: boolean;
  wallMs: number;
  /** A few failure messages, one per distinct shape, to show what users see. */
  sampleErrors: string[];
}

const PROJECT = "soak";
const STACK = "soak";
const FIRST_ORG = 3000;
const billingPath = (orgId: number) => `/api/v1/organisation/${orgId}/billing_config`;
const urnOf = (orgId: number) => `urn:pulumi:${STACK}::${PROJECT}::${BILLING_CONFIG_TYPE}::org-${orgId}`;
const orgOfUrn = (urn: string) => Number(/org-(\d+)$/.exec(urn)?.[1]);

/** The catalogue of the emulator's defaults: charging model 2 is prepaid; 9 and 7 do not exist. */
const PREPAID = 2;

const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const { BillingConfig } = require("pulumi-emnify");
for (const { name, args } of new pulumi.Config("soak").requireObject("billingConfigs")) new BillingConfig(name, args);
`;

type Args = Record<string, unknown>;

function randomVatin(rng: Random): string {
  return rng.weighted([
    [`DE${rng.int(100_000_000, 999_999_999)}`, 6],
    [`ATU${rng.int(10_000_000, 99_999_999)}`, 2],
    [`FR${rng.int(10, 99)}${rng.int(100_000_000, 999_999_999)}`, 1],
    ["X".repeat(64), 0.3],
  ] as const);
}

/**
 * A random declared value per field, some of which the API refuses (charging model 9, payment term
 * 7, prepaid with volumes). A `Record` of every field: a new one fails to compile until it has its own.
 */
const RANDOM_DECLARED: Record<Field, (rng: Random) => unknown> = {
  vatin: randomVatin,
  invoiceIssuerInfo: (rng) => (rng.chance(0.3) ? null : `Issuer ${rng.int(1, 99)}, ${rng.pick(["Berlin", "Wien", "Paris"])}`),
  chargingModel: (rng) => ({
    id: rng.weighted([
      [0, 4],
      [1, 4],
      [PREPAID, 1.2],
      [9, 0.6],
    ] as const),
  }),
  paymentTerm: (rng) => ({
    id: rng.weighted([
      [0, 2],
      [1, 2],
      [2, 2],
      [3, 2],
      [7, 0.4],
    ] as const),
  }),
  vatRate: (rng) => ({ id: rng.int(0, 3) }),
  paymentData: (rng) => ({ method: rng.pick(["sepa", "invoice", "card"]), reference: `R-${rng.int(1000, 9999)}` }),
};

/** What the emulator holds for each field before the soak starts (its API form). */
const RANDOM_SEED: Record<Field, (rng: Random, orgId: number) => unknown> = {
  vatin: (rng) => (rng.chance(0.1) ? null : `DE${rng.int(100_000_000, 999_999_999)}`),
  invoiceIssuerInfo: (rng, orgId) => (rng.chance(0.5) ? null : `Seeded issuer ${orgId}`),
  chargingModel: (rng) => ({ id: rng.int(0, 1) }),
  paymentTerm: (rng) => ({ id: rng.int(0, 3) }),
  vatRate: (rng) => ({ id: rng.int(0, 3) }),
  paymentData: (rng) => (rng.chance(0.5) ? {} : { method: "invoice" }),
};

function randomArgs(rng: Random, orgId: number, previous?: Args): Args {
  const args: Args = previous ? { ...previous } : { orgId };
  const fields: Field[] = previous ? [rng.pick(FIELDS), rng.pick(FIELDS)] : [...FIELDS];
  for (const field of fields) {
    const declare = previous ? rng.chance(0.85) : rng.chance(field === "vatin" ? 0.8 : field === "paymentData" ? 0.3 : 0.5);
    if (!declare) {
      delete args[field];
      continue;
    }
    args[field] = RANDOM_DECLARED[field](rng);
  }
  if (!previous || rng.chance(0.2)) args.restoreOnDelete = rng.chance(0.35);
  return args;
}

function randomSeed(rng: Random, orgId: number): ApiBillingConfig {
  const seed: Record<string, unknown> = { id: 70_000 + orgId };
  for (const field of FIELD_TABLE) seed[field.apiName] = RANDOM_SEED[field.name](rng, orgId);
  return seed;
}

/** Replaces what the API would refuse for good, for the final convergence run. */
function sanitised(args: Args, hasVolumes: boolean): Args {
  const copy = { ...args };
  const cm = (copy.chargingModel as { id: number } | undefined)?.id;
  if (cm === 9 || (cm === PREPAID && hasVolumes)) copy.chargingModel = { id: 1 };
  if ((copy.paymentTerm as { id: number } | undefined)?.id === 7) copy.paymentTerm = { id: 1 };
  return copy;
}

interface FaultPlan {
  /** The kind of the round's guaranteed fault, as ROTATION labels it. */
  guaranteed: string;
  rules: FaultRule[];
  labels: string[];
  retryAfter: boolean;
  expireAtMs?: number;
}

/**
 * Rate limits the provider is not told about, by round (round % 4): none, none, a per-path limit
 * on billing_config like emnify's 10/s on a billing path, and a short-term limit on every path
 * (another job on the same IP). The emulator counts from the start of the round.
 */
const LIMIT_KINDS: { label: string; limits: PathRateLimit[] }[] = [
  { label: "none", limits: [] },
  { label: "none", limits: [] },
  { label: "per-path", limits: [{ path: "/api/v1/organisation/:id/billing_config", requests: 6, windowSeconds: 1 }] },
  { label: "short-term", limits: [{ requests: 10, windowSeconds: 1 }] },
];

/** Every kind of fault, in the order the one-shot "guaranteed" rule rotates through them. */
const ROTATION: { label: string; rule: (retryAfter: boolean, slowMs: number) => FaultRule }[] = [
  { label: "429", rule: (ra) => ({ kind: "status", status: 429, ...(ra ? { retryAfterSeconds: 1 } : {}) }) },
  { label: "500", rule: () => ({ kind: "status", status: 500 }) },
  { label: "502", rule: () => ({ kind: "status", status: 502 }) },
  { label: "503", rule: () => ({ kind: "status", status: 503 }) },
  { label: "reset", rule: () => ({ kind: "reset" }) },
  { label: "timeout", rule: () => ({ kind: "timeout" }) },
  { label: "slow", rule: (_ra, slowMs) => ({ kind: "latency", delayMs: slowMs }) },
  { label: "malformed", rule: () => ({ kind: "malformed" }) },
];

function planFaults(rng: Random, rotation: number, declaredOrgs: number[], maxAttempts: number, slowMs: number): FaultPlan {
  const retryAfter = rng.chance(0.5);
  const intensity = rng.weighted([
    [0, 1],
    [0.015, 2],
    [0.04, 1],
  ] as const);
  const rules: FaultRule[] = [];
  const labels: string[] = [];
  // One guaranteed hit per round (the round's first request), rotating through the kinds, so every
  // kind is exercised; the rotation moves on once the kind has hit a request.
  const guaranteed = ROTATION[rotation % ROTATION.length];
  rules.push({ ...guaranteed.rule(retryAfter, slowMs), times: 1 });
  labels.push(`one ${guaranteed.label}`);
  // Outages: one organisation's GET or PATCH fails until the client's retries run out.
  for (
    let i = rng.weighted([
      [0, 2],
      [1, 2],
      [2, 1],
    ] as const);
    i > 0 && declaredOrgs.length > 0;
    i--
  ) {
    const orgId = rng.pick(declaredOrgs);
    const method = rng.pick(["GET", "PATCH"]);
    const kind = rng.pick(["503", "reset", "timeout"] as const);
    rules.push({
      method,
      path: billingPath(orgId),
      ...(kind === "503" ? { kind: "status", status: 503 } : { kind }),
      times: maxAttempts,
    });
    labels.push(`outage ${method} ${orgId} ${kind}`);
  }
  if (intensity > 0) {
    for (const { label, rule } of ROTATION) {
      const weight = label === "timeout" || label === "slow" ? 0.6 : 1;
      rules.push({ ...rule(retryAfter, slowMs), times: Infinity, probability: intensity * weight });
    }
    labels.push(`random faults at ${(intensity * 100).toFixed(1)}% each`);
  }
  const expireAtMs = rng.chance(0.35) ? rng.int(0, 250) : undefined;
  if (expireAtMs !== undefined) labels.push(`sessions expire after ${expireAtMs} ms`);
  return { guaranteed: guaranteed.label, rules, labels, retryAfter, expireAtMs };
}

/** A provider host that records how long each call took. */
class TimedHost implements ProviderHost {
  longestMs = 0;
  constructor(private readonly inner: ProviderHost) {}
  get cwd() {
    return this.inner.cwd;
  }
  get pid() {
    return this.inner.pid;
  }
  get port() {
    return this.inner.port;
  }
  private async timed<T>(call: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      this.longestMs = Math.max(this.longestMs, performance.now() - t0);
    }
  }
  configure: ProviderHost["configure"] = (config, secretKeys) => this.inner.configure(config, secretKeys);
  check: ProviderHost["check"] = (...a) => this.timed(() => this.inner.check(...a));
  diff: ProviderHost["diff"] = (...a) => this.timed(() => this.inner.diff(...a));
  create: ProviderHost["create"] = (...a) => this.timed(() => this.inner.create(...a));
  read: ProviderHost["read"] = (...a) => this.timed(() => this.inner.read(...a));
  update: ProviderHost["update"] = (...a) => this.timed(() => this.inner.update(...a));
  delete: ProviderHost["delete"] = (...a) => this.timed(() => this.inner.delete(...a));
  output = () => this.inner.output();
  stop = () => this.inner.stop();
}

const emptyOutcomes = (): Record<Outcome, number> => ({ applied: 0, failed: 0, partial: 0, gone: 0 });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class Hang extends Error {}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const rng = new Random(options.seed);
  const timeoutMs = Math.round(options.timeoutSeconds * 1000);
  const slowMs = timeoutMs + 150;

  // Bounds implied by the settings (see the report): an attempt lasts at most timeoutMs; between
  // attempts the client waits at most 0.5 s × 2^i, or a Retry-After (1 s here, which also pauses the
  // pacer), plus 2 s of slack for the pacer's lower rate after 429s; an operation makes at most 3 requests plus one authentication and one renewal.
  const backoffMs = Array.from({ length: options.maxAttempts - 1 }, (_, i) => Math.min(20_000, 500 * 2 ** i) + 2_000).reduce(
    (s, x) => s + x,
    0,
  );
  const requestBoundMs = options.maxAttempts * timeoutMs + backoffMs;
  const callBoundMs = 5 * requestBoundMs;

  const organisations = Array.from({ length: options.orgs }, (_, i) => FIRST_ORG + i);
  const withVolumes = new Set(organisations.filter(() => rng.chance(0.2)));
  const emu = await EmnifyEmulator.start({
    organisations: organisations.map((id) => ({
      id,
      billingConfig: randomSeed(rng, id),
      inclusiveVolumes: withVolumes.has(id) ? [{ id: 1, volume: 100 }] : [],
    })),
    rateLimit: false,
    authRateLimit: false,
    lockout: false,
    seed: options.seed,
    logRequestBodies: false,
  });

  const report: SoakReport = {
    options: {
      ops: options.ops,
      seed: options.seed,
      orgs: options.orgs,
      timeoutSeconds: options.timeoutSeconds,
      maxAttempts: options.maxAttempts,
      roundsPerHost: options.roundsPerHost,
    },
    rounds: 0,
    operations: 0,
    byOperation: { create: emptyOutcomes(), update: emptyOutcomes(), refresh: emptyOutcomes(), delete: emptyOutcomes() },
    outcomes: emptyOutcomes(),
    faults: {},
    sessionExpiries: 0,
    hosts: 0,
    violations: [],
    unhandled: [],
    longestCallMs: 0,
    callBoundMs,
    longestRoundMs: 0,
    converged: false,
    wallMs: 0,
    sampleErrors: [],
  };

  const projectDir = await preparePackedProject();
  const probe = path.join(__dirname, "hostProbe.js");
  const baseConfig: Record<string, string> = {
    "emnify:applicationToken": DEMO_APPLICATION_TOKEN,
    "emnify:endpoint": emu.url,
    "emnify:timeoutSeconds": String(options.timeoutSeconds),
    "emnify:maxAttempts": String(options.maxAttempts),
    // Not binding (the emulator's per-IP limit is off here); the pacer still slows on each 429, and
    // learns the undisclosed limits of some rounds (LIMIT_KINDS).
    "emnify:rateLimit": "100000/1",
  };
  const secretConfigKeys = ["emnify:applicationToken"];

  // One program run gives the resource template (type, secret outputs, __provider); each round's
  // resources are built from it, checked once against a real program run with random declarations.
  const declared = new Map<number, Args>();
  const template = await runProgramUnderMocks({
    projectDir,
    program: { source: PROGRAM, filename: "index.js" },
    config: {
      ...baseConfig,
      "soak:billingConfigs": JSON.stringify([{ name: "org-template", args: { orgId: FIRST_ORG, paymentData: { a: 1 } } }]),
    },
    secretConfigKeys,
    project: PROJECT,
    stack: STACK,
  });
  const providerText = template[0].inputs.__provider!;
  const registered = (orgId: number, args: Args): RegisteredResource => {
    const inputs: Record<string, unknown> = { ...args, __provider: providerText };
    return {
      type: BILLING_CONFIG_TYPE,
      name: `org-${orgId}`,
      urn: urnOf(orgId),
      custom: true,
      inputs: inputs as RegisteredResource["inputs"],
      additionalSecretOutputs: template[0].additionalSecretOutputs,
      ...(args.paymentData !== undefined ? { secretInputKeys: ["paymentData"] } : {}),
      options: {},
    };
  };
  const program = () => [...declared.entries()].sort(([a], [b]) => a - b).map(([orgId, args]) => registered(orgId, args));
  {
    // The synthesized resources are what the program registers: compare once with a real run.
    const sample = organisations.slice(0, 6).map((orgId) => [orgId, randomArgs(rng, orgId)] as const);
    const real = await runProgramUnderMocks({
      projectDir,
      program: { source: PROGRAM, filename: "index.js" },
      config: { ...baseConfig, "soak:billingConfigs": JSON.stringify(sample.map(([orgId, args]) => ({ name: `org-${orgId}`, args }))) },
      secretConfigKeys,
      project: PROJECT,
      stack: STACK,
    });
    const comparable = (r: RegisteredResource | undefined) =>
      r === undefined
        ? "missing"
        : JSON.stringify([
            r.type,
            r.urn,
            r.custom,
            r.additionalSecretOutputs ?? [],
            r.secretInputKeys ?? [],
            Object.entries(r.inputs)
              .filter(([, v]) => v !== undefined)
              .sort(([x], [y]) => x.localeCompare(y)),
          ]);
    for (const [orgId, args] of sample) {
      const mine = registered(orgId, args);
      const theirs = real.find((r) => r.urn === mine.urn);
      if (comparable(mine) !== comparable(theirs)) {
        report.violations.push(
          `the soak's synthesized resource for organisation ${orgId} differs from what the program registers: ${comparable(mine)} vs ${comparable(theirs)}`,
        );
      }
    }
  }

  let host: ProviderHost | undefined;
  let timed: TimedHost | undefined;
  let engine: EngineSimulator | undefined;
  let state: StateFile | undefined;
  let outputSeen = 0;
  const history = new ApiHistory();
  /** Organisations taken away for a while (404s), with the config they come back with and when. */
  const removed = new Map<number, { back: number; config: ApiBillingConfig }>();
  let longestCallMs = 0;

  const startHost = async () => {
    if (engine) state = engine.state();
    if (host) {
      collectProbe();
      longestCallMs = Math.max(longestCallMs, timed?.longestMs ?? 0);
      await host.stop();
    }
    host = await startProviderHost({ cwd: projectDir, project: PROJECT, stack: STACK, env: { NODE_OPTIONS: `--require ${probe}` } });
    report.hosts += 1;
    outputSeen = 0;
    await host.configure(baseConfig, secretConfigKeys);
    timed = new TimedHost(host);
    engine = new EngineSimulator(timed, { project: PROJECT, stack: STACK, state });
  };
  const collectProbe = () => {
    if (!host) return;
    const output = host.output();
    for (const line of output.slice(outputSeen).split("\n")) if (line.includes(PROBE_MARKER)) report.unhandled.push(line.trim());
    outputSeen = output.length;
  };

  const apiSnapshot = (): Map<number, View | undefined> => {
    const snapshot = new Map<number, View | undefined>();
    for (const orgId of organisations) {
      let view: View | undefined;
      try {
        view = apiView(emu.billingConfig(orgId));
      } catch {
        view = undefined; // removed
      }
      snapshot.set(orgId, view);
      if (view) history.remember(orgId, view);
    }
    return snapshot;
  };
  interface Kept {
    outputs: Record<string, unknown>;
    view: View;
    initErrors?: string[];
    json: string;
  }
  const stateSnapshot = (): Map<number, Kept> => {
    const map = new Map<number, Kept>();
    for (const resource of engine!.state().resources) {
      const outputs = revealResource(resource).outputs;
      map.set(orgOfUrn(resource.urn), {
        outputs,
        view: stateView(outputs),
        initErrors: resource.initErrors,
        json: JSON.stringify({ outputs: resource.outputs, initErrors: resource.initErrors, id: resource.id }),
      });
    }
    return map;
  };

  const violation = (round: number, op: string, orgId: number, text: string) => {
    report.violations.push(`round ${round}, ${op} of organisation ${orgId}: ${text}`);
  };
  const sampleShapes = new Set<string>();
  const sample = (message: string) => {
    const shape = message.replace(/\d+/g, "N").slice(0, 90);
    if (!sampleShapes.has(shape) && report.sampleErrors.length < 12) {
      sampleShapes.add(shape);
      report.sampleErrors.push(message);
    }
  };

  /** Checks one step against the invariant; returns its outcome. */
  const judge = (
    round: number,
    step: OperationResult["steps"][number],
    declaredArgs: Args | undefined,
    before: Kept | undefined,
    after: Kept | undefined,
    p: View | undefined,
    a: View | undefined,
  ): Outcome | undefined => {
    const orgId = orgOfUrn(step.urn);
    const op = step.op;
    if (op === "same") {
      if (after && a && (after.initErrors?.length ?? 0) === 0 && differences(after.view, a).length > 0) {
        violation(round, op, orgId, `unchanged resource's state differs from the API in ${differences(after.view, a).join(", ")}`);
      }
      return undefined;
    }
    if (op !== "create" && op !== "update" && op !== "refresh" && op !== "delete") {
      violation(round, op, orgId, `unexpected step ${op}`);
      return undefined;
    }
    const want = declaredArgs ? declaredView(declaredArgs) : {};
    if (step.error === undefined) {
      if (op === "refresh" && step.gone) {
        if (after) violation(round, op, orgId, "reported gone but is still in the state");
        if (a) violation(round, op, orgId, "reported gone but the API still has the organisation");
        return "gone";
      }
      if (op === "delete") {
        if (after) violation(round, op, orgId, "deleted but still in the state");
        if (!a || !p || !before) return "applied";
        const restore = before.outputs.restoreOnDelete === true;
        const managed = (Array.isArray(before.outputs.managedFields) ? before.outputs.managedFields : []) as Field[];
        const original = (before.outputs.adoptedOriginal ?? {}) as Record<string, unknown>;
        for (const field of FIELDS) {
          const origText = fieldText(field, original[field]);
          const restorable = restore && managed.includes(field) && (!isNothing(origText) || isNullable(field));
          const expected = restorable ? origText : p[field];
          if (a[field] !== expected) {
            violation(
              round,
              op,
              orgId,
              `${field} is ${a[field]} after the delete, expected ${expected} (${restorable ? "restored original" : "left as it was"})`,
            );
          }
        }
        return "applied";
      }
      if (!after) {
        violation(round, op, orgId, "succeeded but the resource is not in the state");
        return "applied";
      }
      // (Pulumi's engine clears init errors on a successful refresh too; the engine stand-in keeps
      // them, which only costs one extra, empty update on the next up. So refresh is not held to it.)
      if (op !== "refresh" && after.initErrors?.length) violation(round, op, orgId, "succeeded but the state still carries init errors");
      if (!a) {
        violation(round, op, orgId, "succeeded for an organisation the API does not have");
        return "applied";
      }
      const diff = differences(after.view, a);
      if (diff.length > 0)
        violation(
          round,
          op,
          orgId,
          `state differs from the API in ${diff.map((f) => `${f} (state ${after.view[f as Field]}, API ${a[f as Field]})`).join(", ")}`,
        );
      if (op !== "refresh") {
        for (const [field, value] of Object.entries(want) as [Field, string][]) {
          if (a[field] !== value) violation(round, op, orgId, `${field} declared ${value} but the API holds ${a[field]}`);
        }
      }
      return "applied";
    }

    // An error: readable, and a state that agrees with or conservatively predates the API.
    const problem = unreadable(step.error, orgId);
    if (problem) violation(round, op, orgId, `error is not a readable one-line message (${problem}): ${step.error}`);
    sample(step.error);
    if (step.initErrors?.length) {
      if (op !== "create" && op !== "update") violation(round, op, orgId, "a partial failure outside create/update");
      if (!after) {
        violation(round, op, orgId, "partial failure without a recorded state");
        return "partial";
      }
      for (const text of agreesOrPredates(orgId, after.view, a, want, history)) violation(round, op, orgId, `partial state: ${text}`);
      return "partial";
    }
    if ((before?.json ?? "absent") !== (after?.json ?? "absent")) {
      violation(round, op, orgId, "a failed operation changed the state");
    }
    if (after) {
      for (const text of agreesOrPredates(orgId, after.view, a, want, history))
        violation(round, op, orgId, `state after the failure: ${text}`);
    } else if (op === "create" && a && p && differences(a, p).length > 0) {
      // No state records the change: a later adoption would take the changed values as the originals.
      violation(round, op, orgId, `create failed without recording a state, but the API changed (${differences(a, p).join(", ")})`);
    }
    return "failed";
  };

  const countFaults = (firstIndex: number, retryAfter: boolean, limit: string) => {
    for (const entry of emu.requests.slice(firstIndex)) {
      let kind: string | undefined;
      if (entry.fault === "status")
        kind = entry.status === 429 ? (retryAfter ? "429 with Retry-After" : "429 without Retry-After") : String(entry.status || "status");
      else if (entry.fault === "latency") kind = "slow (answer after the timeout)";
      else if (entry.fault) kind = entry.fault;
      else if (entry.status === 401) kind = "401 (expired session)";
      else if (entry.status === 429 && limit !== "none") kind = `429 from an undisclosed ${limit} limit`;
      else if (entry.status >= 400) kind = `API refused: ${entry.status}`;
      if (kind) report.faults[kind] = (report.faults[kind] ?? 0) + 1;
    }
  };

  try {
    await startHost();
    let round = 0;
    let rotation = 0;
    while (report.operations < options.ops) {
      round += 1;
      if (round > 1 && (round - 1) % options.roundsPerHost === 0) await startHost();
      for (const [orgId, { back, config }] of removed) {
        if (round >= back) {
          // Back exactly as it was, so that no state is made stale by the removal itself.
          emu.seedOrganisation({
            id: orgId,
            billingConfig: config,
            inclusiveVolumes: withVolumes.has(orgId) ? [{ id: 1, volume: 100 }] : [],
          });
          removed.delete(orgId);
        }
      }

      const stateNow = engine!.state().resources.length;
      const command =
        stateNow === 0
          ? "up"
          : rng.weighted([
              ["up", 6],
              ["refresh", 2],
              ["destroy", 1.2],
            ] as const);
      if (command === "up") {
        for (const orgId of organisations) {
          const current = declared.get(orgId);
          if (current === undefined) {
            if (rng.chance(0.45)) declared.set(orgId, randomArgs(rng, orgId));
          } else if (rng.chance(0.15)) declared.delete(orgId);
          else if (rng.chance(0.4)) declared.set(orgId, randomArgs(rng, orgId, current));
        }
      }
      // Now and then an organisation disappears for a round or three: a refresh drops it from the
      // state, an up that declares it fails with 404.
      if (rng.chance(command === "refresh" ? 0.4 : 0.08) && removed.size < 2) {
        const orgId = rng.pick(organisations.filter((o) => !removed.has(o)));
        removed.set(orgId, { back: round + rng.int(1, 3), config: emu.billingConfig(orgId) });
        emu.removeOrganisation(orgId);
      }

      const plan = planFaults(rng, rotation, [...declared.keys()], options.maxAttempts, slowMs);
      const resources = program();
      const p = apiSnapshot();
      const before = stateSnapshot();
      const firstIndex = emu.requests.length;
      for (const rule of plan.rules) emu.injectFault(rule);
      const limitKind = LIMIT_KINDS[round % LIMIT_KINDS.length];
      emu.setPathRateLimits(limitKind.limits);
      let expiry: NodeJS.Timeout | undefined;
      if (plan.expireAtMs !== undefined) {
        expiry = setTimeout(() => {
          emu.expireSessions();
          report.sessionExpiries += 1;
        }, plan.expireAtMs);
      }
      // The watchdog: every attempt ends within the timeout, at most 8 run at once, and each wait
      // between attempts (backoff, Retry-After, the pacer's pause after a 429) is bounded.
      const operationsHere = command === "refresh" || command === "destroy" ? stateNow : resources.length + stateNow;
      const roundBoundMs = Math.ceil((operationsHere * 5 * options.maxAttempts * (timeoutMs + 2_000)) / 8) + callBoundMs + 10_000;
      const t0 = performance.now();
      let watchdog: NodeJS.Timeout | undefined;
      let result: OperationResult;
      try {
        result = await Promise.race([
          command === "up" ? engine!.up(resources) : command === "refresh" ? engine!.refresh() : engine!.destroy(),
          new Promise<never>((_, reject) => {
            watchdog = setTimeout(
              () => reject(new Hang(`round ${round} (${command}) did not finish within ${roundBoundMs} ms`)),
              roundBoundMs,
            );
          }),
        ]);
      } finally {
        clearTimeout(watchdog);
        clearTimeout(expiry);
        emu.clearFaults();
        emu.setPathRateLimits([]);
      }
      const roundMs = performance.now() - t0;
      report.longestRoundMs = Math.max(report.longestRoundMs, roundMs);
      // A slow answer is applied after the client gave up on it: wait until every one has landed.
      const slowOnes = emu.requests.slice(firstIndex).filter((r) => r.fault === "latency");
      if (slowOnes.length > 0) await sleep(Math.max(0, Math.max(...slowOnes.map((r) => r.at)) + slowMs + 50 - Date.now()));
      countFaults(firstIndex, plan.retryAfter, limitKind.label);
      const kindOf = (r: { fault?: string; status: number }) =>
        r.fault === "status" ? String(r.status) : r.fault === "latency" ? "slow" : r.fault;
      if (emu.requests.slice(firstIndex).some((r) => kindOf(r) === plan.guaranteed)) rotation += 1;

      const a = apiSnapshot();
      const after = stateSnapshot();
      const counts = emptyOutcomes();
      for (const step of result.steps) {
        const orgId = orgOfUrn(step.urn);
        const outcome = judge(round, step, declared.get(orgId), before.get(orgId), after.get(orgId), p.get(orgId), a.get(orgId));
        if (outcome === undefined) continue;
        const op = step.op as Operation;
        report.operations += 1;
        report.outcomes[outcome] += 1;
        report.byOperation[op][outcome] += 1;
        counts[outcome] += 1;
      }
      // Every resource not touched with an error this round agrees with the API.
      for (const [orgId, kept] of after) {
        const step = result.steps.find((s) => s.urn === urnOf(orgId));
        const api = a.get(orgId);
        if (step?.error !== undefined || (kept.initErrors?.length ?? 0) > 0 || api === undefined) continue;
        const diff = differences(kept.view, api);
        if (diff.length > 0 && step?.op !== "same")
          violation(round, step?.op ?? "untouched", orgId, `state differs from the API in ${diff.join(", ")}`);
      }
      collectProbe();
      report.rounds = round;
      log(
        `round ${String(round).padStart(3)} ${command.padEnd(7)} ${String(result.steps.length).padStart(3)} steps: ` +
          `${counts.applied} applied, ${counts.failed} failed, ${counts.partial} partial${counts.gone ? `, ${counts.gone} gone` : ""} ` +
          `(${(roundMs / 1000).toFixed(1)} s; ${plan.labels.join("; ")}) — ${report.operations}/${options.ops} operations`,
      );
    }

    // The faults stop: one up with every declaration the API can accept, and one destroy, converge.
    emu.clearFaults();
    for (const [orgId, { config }] of removed)
      emu.seedOrganisation({ id: orgId, billingConfig: config, inclusiveVolumes: withVolumes.has(orgId) ? [{ id: 1, volume: 100 }] : [] });
    removed.clear();
    for (const [orgId, args] of declared) declared.set(orgId, sanitised(args, withVolumes.has(orgId)));
    const up = await engine!.up(program());
    const a = apiSnapshot();
    let converged = up.failed.length === 0;
    for (const [orgId, kept] of stateSnapshot()) {
      const api = a.get(orgId)!;
      const want = declared.get(orgId);
      if (!want) continue;
      const diff = differences(kept.view, api);
      const off = (Object.entries(declaredView(want)) as [Field, string][]).filter(([f, v]) => api[f] !== v);
      if (diff.length > 0 || off.length > 0 || kept.initErrors?.length) {
        converged = false;
        report.violations.push(
          `after the faults stopped, organisation ${orgId} did not converge: state vs API ${diff.join(", ") || "equal"}; declared vs API ${off.map(([f]) => f).join(", ") || "equal"}`,
        );
      }
    }
    if (up.failed.length > 0) report.violations.push(`after the faults stopped, up failed: ${up.failed.map((s) => s.error).join(" | ")}`);
    const down = await engine!.destroy();
    if (down.failed.length > 0 || engine!.state().resources.length > 0) {
      converged = false;
      report.violations.push(`after the faults stopped, destroy failed: ${down.failed.map((s) => s.error).join(" | ")}`);
    }
    report.converged = converged;
    collectProbe();
  } catch (error) {
    if (error instanceof Hang) report.violations.push(`hang: ${error.message}`);
    else throw error;
  } finally {
    report.longestCallMs = Math.max(longestCallMs, timed?.longestMs ?? 0);
    if (host) {
      collectProbe();
      await host.stop();
    }
    await emu.stop();
    report.wallMs = performance.now() - started;
  }
  return report;
}

/** The report as lines of text. */
export function formatSoakReport(report: SoakReport): string[] {
  const o = report.options;
  const lines = [
    `seed ${o.seed}: ${report.operations} lifecycle operations in ${report.rounds} rounds on ${o.orgs} organisations, ${report.hosts} provider host(s), ` +
      `emnify:timeoutSeconds ${o.timeoutSeconds}, emnify:maxAttempts ${o.maxAttempts}, ${(report.wallMs / 1000).toFixed(0)} s`,
    "",
    "operation  applied  failed  partial  gone",
  ];
  for (const op of ["create", "update", "refresh", "delete"] as Operation[]) {
    const c = report.byOperation[op];
    lines.push(
      `${op.padEnd(9)}  ${String(c.applied).padStart(7)}  ${String(c.failed).padStart(6)}  ${String(c.partial).padStart(7)}  ${String(c.gone).padStart(4)}`,
    );
  }
  const t = report.outcomes;
  lines.push(
    `${"all".padEnd(9)}  ${String(t.applied).padStart(7)}  ${String(t.failed).padStart(6)}  ${String(t.partial).padStart(7)}  ${String(t.gone).padStart(4)}`,
  );
  lines.push("", "faults that hit a request, and other answers:");
  for (const [kind, n] of Object.entries(report.faults).sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${kind.padEnd(34)} ${n}`);
  lines.push(`  ${"sessions expired mid-round".padEnd(34)} ${report.sessionExpiries}`);
  lines.push(
    "",
    `longest provider call ${(report.longestCallMs / 1000).toFixed(1)} s (bound from the settings: ${(report.callBoundMs / 1000).toFixed(1)} s); longest round ${(report.longestRoundMs / 1000).toFixed(1)} s`,
    `unhandled rejections / uncaught exceptions in the host: ${report.unhandled.length}`,
    `converged once the faults stopped (up, then destroy): ${report.converged ? "yes" : "NO"}`,
    `invariant violations: ${report.violations.length}`,
  );
  for (const v of report.violations.slice(0, 30)) lines.push(`  ${v}`);
  if (report.sampleErrors.length > 0) {
    lines.push("", "what failures look like (one per kind):");
    for (const e of report.sampleErrors) lines.push(`  ${e}`);
  }
  return lines;
}
