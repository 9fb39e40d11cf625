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
  const started = performance.now();
  const soak = await Soak.start(options);
  await soak.checkSynthesizedResources();
  try {
    await soak.startHost();
    while (soak.report.operations < options.ops) await soak.runRound();
    await soak.converge();
  } catch (error) {
    if (error instanceof Hang) soak.report.violations.push(`hang: ${error.message}`);
    else throw error;
  } finally {
    await soak.stop();
    soak.report.wallMs = performance.now() - started;
  }
  return soak.report;
}

function emptyReport(options: SoakOptions, callBoundMs: number): SoakReport {
  return {
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
}

/**
 * Bounds implied by the settings (see the report): an attempt lasts at most timeoutMs; between
 * attempts the client waits at most 0.5 s × 2^i, or a Retry-After (1 s here, which also pauses the
 * pacer), plus 2 s of slack for the pacer's lower rate after 429s; an operation makes at most 3
 * requests plus one authentication and one renewal.
 */
function callBound(options: SoakOptions): number {
  const timeoutMs = Math.round(options.timeoutSeconds * 1000);
  const backoffMs = Array.from({ length: options.maxAttempts - 1 }, (_, i) => Math.min(20_000, 500 * 2 ** i) + 2_000).reduce(
    (s, x) => s + x,
    0,
  );
  return 5 * (options.maxAttempts * timeoutMs + backoffMs);
}

/** A resource's state as the soak keeps it around an operation. */
interface Kept {
  outputs: Record<string, unknown>;
  view: View;
  initErrors?: string[];
  json: string;
}

/** What one step of a round is judged on: the declaration, the state and the API before and after. */
interface StepContext {
  round: number;
  step: OperationResult["steps"][number];
  declaredArgs: Args | undefined;
  before: Kept | undefined;
  after: Kept | undefined;
  p: View | undefined;
  a: View | undefined;
}

type Command = "up" | "refresh" | "destroy";

/** One soak: the emulator, the project, the provider host and engine, and what the rounds found. */
class Soak {
  readonly report: SoakReport;
  private readonly log: (line: string) => void;
  private readonly timeoutMs: number;
  private readonly slowMs: number;
  private readonly declared = new Map<number, Args>();
  private readonly history = new ApiHistory();
  /** Organisations taken away for a while (404s), with the config they come back with and when. */
  private readonly removed = new Map<number, { back: number; config: ApiBillingConfig }>();
  private readonly sampleShapes = new Set<string>();
  private host: ProviderHost | undefined;
  private timed: TimedHost | undefined;
  private engine: EngineSimulator | undefined;
  private state: StateFile | undefined;
  private outputSeen = 0;
  private longestCallMs = 0;
  private round = 0;
  private rotation = 0;

  private constructor(
    private readonly options: SoakOptions,
    private readonly rng: Random,
    private readonly emu: EmnifyEmulator,
    private readonly organisations: number[],
    private readonly withVolumes: Set<number>,
    private readonly projectDir: string,
    private readonly baseConfig: Record<string, string>,
    private readonly template: RegisteredResource,
  ) {
    this.log = options.log ?? (() => undefined);
    this.timeoutMs = Math.round(options.timeoutSeconds * 1000);
    this.slowMs = this.timeoutMs + 150;
    this.report = emptyReport(options, callBound(options));
  }

  /** Seeds the emulator and runs the program once for the resource template (type, secret outputs, __provider). */
  static async start(options: SoakOptions): Promise<Soak> {
    const rng = new Random(options.seed);
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
    const projectDir = await preparePackedProject();
    const baseConfig: Record<string, string> = {
      "emnify:applicationToken": DEMO_APPLICATION_TOKEN,
      "emnify:endpoint": emu.url,
      "emnify:timeoutSeconds": String(options.timeoutSeconds),
      "emnify:maxAttempts": String(options.maxAttempts),
      // Not binding (the emulator's per-IP limit is off here); the pacer still slows on each 429, and
      // learns the undisclosed limits of some rounds (LIMIT_KINDS).
      "emnify:rateLimit": "100000/1",
    };
    const template = await runProgram(projectDir, baseConfig, [
      { name: "org-template", args: { orgId: FIRST_ORG, paymentData: { a: 1 } } },
    ]);
    return new Soak(options, rng, emu, organisations, withVolumes, projectDir, baseConfig, template[0]);
  }

  /** The resource the program registers for a declaration, built from the template. */
  private registered(orgId: number, args: Args): RegisteredResource {
    const inputs: Record<string, unknown> = { ...args, __provider: this.template.inputs.__provider! };
    return {
      type: BILLING_CONFIG_TYPE,
      name: `org-${orgId}`,
      urn: urnOf(orgId),
      custom: true,
      inputs: inputs as RegisteredResource["inputs"],
      additionalSecretOutputs: this.template.additionalSecretOutputs,
      ...(args.paymentData !== undefined ? { secretInputKeys: ["paymentData"] } : {}),
      options: {},
    };
  }

  private program(): RegisteredResource[] {
    return [...this.declared.entries()].sort(([a], [b]) => a - b).map(([orgId, args]) => this.registered(orgId, args));
  }

  /** The synthesized resources are what the program registers: compared once with a real run. */
  async checkSynthesizedResources(): Promise<void> {
    const sample = this.organisations.slice(0, 6).map((orgId) => [orgId, randomArgs(this.rng, orgId)] as const);
    const real = await runProgram(
      this.projectDir,
      this.baseConfig,
      sample.map(([orgId, args]) => ({ name: `org-${orgId}`, args })),
    );
    for (const [orgId, args] of sample) {
      const mine = this.registered(orgId, args);
      const theirs = real.find((r) => r.urn === mine.urn);
      if (comparable(mine) !== comparable(theirs)) {
        this.report.violations.push(
          `the soak's synthesized resource for organisation ${orgId} differs from what the program registers: ${comparable(mine)} vs ${comparable(theirs)}`,
        );
      }
    }
  }

  /** A new provider host (a new `pulumi` command), with the state the last one left. */
  async startHost(): Promise<void> {
    if (this.engine) this.state = this.engine.state();
    if (this.host) {
      this.collectProbe();
      this.longestCallMs = Math.max(this.longestCallMs, this.timed?.longestMs ?? 0);
      await this.host.stop();
    }
    const probe = path.join(__dirname, "hostProbe.js");
    this.host = await startProviderHost({
      cwd: this.projectDir,
      project: PROJECT,
      stack: STACK,
      env: { NODE_OPTIONS: `--require ${probe}` },
    });
    this.report.hosts += 1;
    this.outputSeen = 0;
    await this.host.configure(this.baseConfig, SECRET_CONFIG_KEYS);
    this.timed = new TimedHost(this.host);
    this.engine = new EngineSimulator(this.timed, { project: PROJECT, stack: STACK, state: this.state });
  }

  private collectProbe(): void {
    if (!this.host) return;
    const output = this.host.output();
    for (const line of output.slice(this.outputSeen).split("\n")) if (line.includes(PROBE_MARKER)) this.report.unhandled.push(line.trim());
    this.outputSeen = output.length;
  }

  /** What the API holds for every organisation (undefined: removed), remembered in the history. */
  private apiSnapshot(): Map<number, View | undefined> {
    const snapshot = new Map<number, View | undefined>();
    for (const orgId of this.organisations) {
      let view: View | undefined;
      try {
        view = apiView(this.emu.billingConfig(orgId));
      } catch {
        view = undefined; // removed
      }
      snapshot.set(orgId, view);
      if (view) this.history.remember(orgId, view);
    }
    return snapshot;
  }

  private stateSnapshot(): Map<number, Kept> {
    const map = new Map<number, Kept>();
    for (const resource of this.engine!.state().resources) {
      const outputs = revealResource(resource).outputs;
      map.set(orgOfUrn(resource.urn), {
        outputs,
        view: stateView(outputs),
        initErrors: resource.initErrors,
        json: JSON.stringify({ outputs: resource.outputs, initErrors: resource.initErrors, id: resource.id }),
      });
    }
    return map;
  }

  private violation(round: number, op: string, orgId: number, text: string): void {
    this.report.violations.push(`round ${round}, ${op} of organisation ${orgId}: ${text}`);
  }

  /** Keeps a failure message, one per distinct shape. */
  private sample(message: string): void {
    const shape = message.replace(/\d+/g, "N").slice(0, 90);
    if (!this.sampleShapes.has(shape) && this.report.sampleErrors.length < 12) {
      this.sampleShapes.add(shape);
      this.report.sampleErrors.push(message);
    }
  }

  /** Checks one step against the invariant; returns its outcome. */
  private judge(ctx: StepContext): Outcome | undefined {
    const { round, step, after, a } = ctx;
    const orgId = orgOfUrn(step.urn);
    const op = step.op;
    if (op === "same") {
      if (after && a && (after.initErrors?.length ?? 0) === 0 && differences(after.view, a).length > 0) {
        this.violation(round, op, orgId, `unchanged resource's state differs from the API in ${differences(after.view, a).join(", ")}`);
      }
      return undefined;
    }
    if (op !== "create" && op !== "update" && op !== "refresh" && op !== "delete") {
      this.violation(round, op, orgId, `unexpected step ${op}`);
      return undefined;
    }
    if (step.error !== undefined) return this.judgeFailure(ctx, op, step.error);
    if (op === "refresh" && step.gone) {
      if (after) this.violation(round, op, orgId, "reported gone but is still in the state");
      if (a) this.violation(round, op, orgId, "reported gone but the API still has the organisation");
      return "gone";
    }
    if (op === "delete") return this.judgeDelete(ctx);
    return this.judgeApplied(ctx, op);
  }

  /** A delete without error: restored originals where asked to, the API untouched otherwise. */
  private judgeDelete({ round, step, before, after, p, a }: StepContext): Outcome {
    const orgId = orgOfUrn(step.urn);
    if (after) this.violation(round, "delete", orgId, "deleted but still in the state");
    if (!a || !p || !before) return "applied";
    const restore = before.outputs.restoreOnDelete === true;
    const managed = (Array.isArray(before.outputs.managedFields) ? before.outputs.managedFields : []) as Field[];
    const original = (before.outputs.adoptedOriginal ?? {}) as Record<string, unknown>;
    for (const field of FIELDS) {
      const origText = fieldText(field, original[field]);
      const restorable = restore && managed.includes(field) && (!isNothing(origText) || isNullable(field));
      const expected = restorable ? origText : p[field];
      if (a[field] !== expected) {
        this.violation(
          round,
          "delete",
          orgId,
          `${field} is ${a[field]} after the delete, expected ${expected} (${restorable ? "restored original" : "left as it was"})`,
        );
      }
    }
    return "applied";
  }

  /** A create, update or refresh without error: the state equals the API, which holds what is declared. */
  private judgeApplied({ round, step, declaredArgs, after, a }: StepContext, op: Operation): Outcome {
    const orgId = orgOfUrn(step.urn);
    if (!after) {
      this.violation(round, op, orgId, "succeeded but the resource is not in the state");
      return "applied";
    }
    // (Pulumi's engine clears init errors on a successful refresh too; the engine stand-in keeps
    // them, which only costs one extra, empty update on the next up. So refresh is not held to it.)
    if (op !== "refresh" && after.initErrors?.length) this.violation(round, op, orgId, "succeeded but the state still carries init errors");
    if (!a) {
      this.violation(round, op, orgId, "succeeded for an organisation the API does not have");
      return "applied";
    }
    const diff = differences(after.view, a);
    if (diff.length > 0)
      this.violation(
        round,
        op,
        orgId,
        `state differs from the API in ${diff.map((f) => `${f} (state ${after.view[f as Field]}, API ${a[f as Field]})`).join(", ")}`,
      );
    if (op !== "refresh") {
      const want = declaredArgs ? declaredView(declaredArgs) : {};
      for (const [field, value] of Object.entries(want) as [Field, string][]) {
        if (a[field] !== value) this.violation(round, op, orgId, `${field} declared ${value} but the API holds ${a[field]}`);
      }
    }
    return "applied";
  }

  /** An error: readable, and a state that agrees with or conservatively predates the API. */
  private judgeFailure({ round, step, declaredArgs, before, after, p, a }: StepContext, op: Operation, error: string): Outcome {
    const orgId = orgOfUrn(step.urn);
    const want = declaredArgs ? declaredView(declaredArgs) : {};
    const problem = unreadable(error, orgId);
    if (problem) this.violation(round, op, orgId, `error is not a readable one-line message (${problem}): ${error}`);
    this.sample(error);
    if (step.initErrors?.length) {
      if (op !== "create" && op !== "update") this.violation(round, op, orgId, "a partial failure outside create/update");
      if (!after) {
        this.violation(round, op, orgId, "partial failure without a recorded state");
        return "partial";
      }
      for (const text of agreesOrPredates(orgId, after.view, a, want, this.history))
        this.violation(round, op, orgId, `partial state: ${text}`);
      return "partial";
    }
    if ((before?.json ?? "absent") !== (after?.json ?? "absent")) {
      this.violation(round, op, orgId, "a failed operation changed the state");
    }
    if (after) {
      for (const text of agreesOrPredates(orgId, after.view, a, want, this.history))
        this.violation(round, op, orgId, `state after the failure: ${text}`);
    } else if (op === "create" && a && p && differences(a, p).length > 0) {
      // No state records the change: a later adoption would take the changed values as the originals.
      this.violation(round, op, orgId, `create failed without recording a state, but the API changed (${differences(a, p).join(", ")})`);
    }
    return "failed";
  }

  private countFaults(firstIndex: number, retryAfter: boolean, limit: string): void {
    for (const entry of this.emu.requests.slice(firstIndex)) {
      let kind: string | undefined;
      if (entry.fault === "status")
        kind = entry.status === 429 ? (retryAfter ? "429 with Retry-After" : "429 without Retry-After") : String(entry.status || "status");
      else if (entry.fault === "latency") kind = "slow (answer after the timeout)";
      else if (entry.fault) kind = entry.fault;
      else if (entry.status === 401) kind = "401 (expired session)";
      else if (entry.status === 429 && limit !== "none") kind = `429 from an undisclosed ${limit} limit`;
      else if (entry.status >= 400) kind = `API refused: ${entry.status}`;
      if (kind) this.report.faults[kind] = (this.report.faults[kind] ?? 0) + 1;
    }
  }

  /** One round: an engine command over the whole stack under its own fault plan, every step judged. */
  async runRound(): Promise<void> {
    const round = (this.round += 1);
    if (round > 1 && (round - 1) % this.options.roundsPerHost === 0) await this.startHost();
    this.bringBackRemoved(round);
    const stateNow = this.engine!.state().resources.length;
    const command = this.chooseCommand(stateNow);
    if (command === "up") this.redeclare();
    this.removeOneForAWhile(round, command);
    const plan = planFaults(this.rng, this.rotation, [...this.declared.keys()], this.options.maxAttempts, this.slowMs);
    const resources = this.program();
    const p = this.apiSnapshot();
    const before = this.stateSnapshot();
    const firstIndex = this.emu.requests.length;
    const limitKind = LIMIT_KINDS[round % LIMIT_KINDS.length];
    const operations = command === "refresh" || command === "destroy" ? stateNow : resources.length + stateNow;
    const { result, roundMs } = await this.runUnderFaults(round, command, resources, plan, limitKind, operations);
    this.report.longestRoundMs = Math.max(this.report.longestRoundMs, roundMs);
    await this.waitForSlowAnswers(firstIndex);
    this.countFaults(firstIndex, plan.retryAfter, limitKind.label);
    const kindOf = (r: { fault?: string; status: number }) =>
      r.fault === "status" ? String(r.status) : r.fault === "latency" ? "slow" : r.fault;
    if (this.emu.requests.slice(firstIndex).some((r) => kindOf(r) === plan.guaranteed)) this.rotation += 1;
    const counts = this.judgeRound(round, result, p, before);
    this.collectProbe();
    this.report.rounds = round;
    this.log(
      `round ${String(round).padStart(3)} ${command.padEnd(7)} ${String(result.steps.length).padStart(3)} steps: ` +
        `${counts.applied} applied, ${counts.failed} failed, ${counts.partial} partial${counts.gone ? `, ${counts.gone} gone` : ""} ` +
        `(${(roundMs / 1000).toFixed(1)} s; ${plan.labels.join("; ")}) — ${this.report.operations}/${this.options.ops} operations`,
    );
  }

  /** Back exactly as it was, so that no state is made stale by the removal itself. */
  private bringBackRemoved(round: number): void {
    for (const [orgId, { back, config }] of this.removed) {
      if (round >= back) {
        this.reseed(orgId, config);
        this.removed.delete(orgId);
      }
    }
  }

  private reseed(orgId: number, config: ApiBillingConfig): void {
    this.emu.seedOrganisation({
      id: orgId,
      billingConfig: config,
      inclusiveVolumes: this.withVolumes.has(orgId) ? [{ id: 1, volume: 100 }] : [],
    });
  }

  private chooseCommand(stateNow: number): Command {
    if (stateNow === 0) return "up";
    return this.rng.weighted([
      ["up", 6],
      ["refresh", 2],
      ["destroy", 1.2],
    ] as const);
  }

  /** Before an up: organisations start being declared, stop, or change their declaration. */
  private redeclare(): void {
    for (const orgId of this.organisations) {
      const current = this.declared.get(orgId);
      if (current === undefined) {
        if (this.rng.chance(0.45)) this.declared.set(orgId, randomArgs(this.rng, orgId));
      } else if (this.rng.chance(0.15)) this.declared.delete(orgId);
      else if (this.rng.chance(0.4)) this.declared.set(orgId, randomArgs(this.rng, orgId, current));
    }
  }

  /**
   * Now and then an organisation disappears for a round or three: a refresh drops it from the
   * state, an up that declares it fails with 404.
   */
  private removeOneForAWhile(round: number, command: Command): void {
    if (this.rng.chance(command === "refresh" ? 0.4 : 0.08) && this.removed.size < 2) {
      const orgId = this.rng.pick(this.organisations.filter((o) => !this.removed.has(o)));
      this.removed.set(orgId, { back: round + this.rng.int(1, 3), config: this.emu.billingConfig(orgId) });
      this.emu.removeOrganisation(orgId);
    }
  }

  /**
   * Runs the command with the plan's faults and the round's undisclosed limits, under a watchdog:
   * every attempt ends within the timeout, at most 8 run at once, and each wait between attempts
   * (backoff, Retry-After, the pacer's pause after a 429) is bounded.
   */
  private async runUnderFaults(
    round: number,
    command: Command,
    resources: RegisteredResource[],
    plan: FaultPlan,
    limitKind: (typeof LIMIT_KINDS)[number],
    operations: number,
  ): Promise<{ result: OperationResult; roundMs: number }> {
    const { emu, engine } = this;
    for (const rule of plan.rules) emu.injectFault(rule);
    emu.setPathRateLimits(limitKind.limits);
    let expiry: NodeJS.Timeout | undefined;
    if (plan.expireAtMs !== undefined) {
      expiry = setTimeout(() => {
        emu.expireSessions();
        this.report.sessionExpiries += 1;
      }, plan.expireAtMs);
    }
    const roundBoundMs =
      Math.ceil((operations * 5 * this.options.maxAttempts * (this.timeoutMs + 2_000)) / 8) + this.report.callBoundMs + 10_000;
    const t0 = performance.now();
    let watchdog: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        command === "up" ? engine!.up(resources) : command === "refresh" ? engine!.refresh() : engine!.destroy(),
        new Promise<never>((_, reject) => {
          watchdog = setTimeout(
            () => reject(new Hang(`round ${round} (${command}) did not finish within ${roundBoundMs} ms`)),
            roundBoundMs,
          );
        }),
      ]);
      return { result, roundMs: performance.now() - t0 };
    } finally {
      clearTimeout(watchdog);
      clearTimeout(expiry);
      emu.clearFaults();
      emu.setPathRateLimits([]);
    }
  }

  /** A slow answer is applied after the client gave up on it: waits until every one has landed. */
  private async waitForSlowAnswers(firstIndex: number): Promise<void> {
    const slowOnes = this.emu.requests.slice(firstIndex).filter((r) => r.fault === "latency");
    if (slowOnes.length > 0) await sleep(Math.max(0, Math.max(...slowOnes.map((r) => r.at)) + this.slowMs + 50 - Date.now()));
  }

  /** Judges every step of the round, and every resource the round left alone; counts the outcomes. */
  private judgeRound(
    round: number,
    result: OperationResult,
    p: Map<number, View | undefined>,
    before: Map<number, Kept>,
  ): Record<Outcome, number> {
    const a = this.apiSnapshot();
    const after = this.stateSnapshot();
    const counts = emptyOutcomes();
    for (const step of result.steps) {
      const orgId = orgOfUrn(step.urn);
      const outcome = this.judge({
        round,
        step,
        declaredArgs: this.declared.get(orgId),
        before: before.get(orgId),
        after: after.get(orgId),
        p: p.get(orgId),
        a: a.get(orgId),
      });
      if (outcome === undefined) continue;
      const op = step.op as Operation;
      this.report.operations += 1;
      this.report.outcomes[outcome] += 1;
      this.report.byOperation[op][outcome] += 1;
      counts[outcome] += 1;
    }
    // Every resource not touched with an error this round agrees with the API.
    for (const [orgId, kept] of after) {
      const step = result.steps.find((s) => s.urn === urnOf(orgId));
      const api = a.get(orgId);
      if (step?.error !== undefined || (kept.initErrors?.length ?? 0) > 0 || api === undefined) continue;
      const diff = differences(kept.view, api);
      if (diff.length > 0 && step?.op !== "same")
        this.violation(round, step?.op ?? "untouched", orgId, `state differs from the API in ${diff.join(", ")}`);
    }
    return counts;
  }

  /** The faults stop: one up with every declaration the API can accept, and one destroy, converge. */
  async converge(): Promise<void> {
    this.emu.clearFaults();
    for (const [orgId, { config }] of this.removed) this.reseed(orgId, config);
    this.removed.clear();
    for (const [orgId, args] of this.declared) this.declared.set(orgId, sanitised(args, this.withVolumes.has(orgId)));
    const up = await this.engine!.up(this.program());
    const statesAgree = this.convergedAfterUp();
    let converged = up.failed.length === 0 && statesAgree;
    if (up.failed.length > 0)
      this.report.violations.push(`after the faults stopped, up failed: ${up.failed.map((s) => s.error).join(" | ")}`);
    const down = await this.engine!.destroy();
    if (down.failed.length > 0 || this.engine!.state().resources.length > 0) {
      converged = false;
      this.report.violations.push(`after the faults stopped, destroy failed: ${down.failed.map((s) => s.error).join(" | ")}`);
    }
    this.report.converged = converged;
    this.collectProbe();
  }

  /** After the last up: every declared organisation's state equals the API, which holds what is declared. */
  private convergedAfterUp(): boolean {
    const a = this.apiSnapshot();
    let converged = true;
    for (const [orgId, kept] of this.stateSnapshot()) {
      const api = a.get(orgId)!;
      const want = this.declared.get(orgId);
      if (!want) continue;
      const diff = differences(kept.view, api);
      const off = (Object.entries(declaredView(want)) as [Field, string][]).filter(([f, v]) => api[f] !== v);
      if (diff.length > 0 || off.length > 0 || kept.initErrors?.length) {
        converged = false;
        this.report.violations.push(
          `after the faults stopped, organisation ${orgId} did not converge: state vs API ${diff.join(", ") || "equal"}; declared vs API ${off.map(([f]) => f).join(", ") || "equal"}`,
        );
      }
    }
    return converged;
  }

  async stop(): Promise<void> {
    this.report.longestCallMs = Math.max(this.longestCallMs, this.timed?.longestMs ?? 0);
    if (this.host) {
      this.collectProbe();
      await this.host.stop();
    }
    await this.emu.stop();
  }
}

const SECRET_CONFIG_KEYS = ["emnify:applicationToken"];

/** Runs the soak's program under mocks on the given declarations. */
function runProgram(
  projectDir: string,
  baseConfig: Record<string, string>,
  billingConfigs: { name: string; args: Args }[],
): Promise<RegisteredResource[]> {
  return runProgramUnderMocks({
    projectDir,
    program: { source: PROGRAM, filename: "index.js" },
    config: { ...baseConfig, "soak:billingConfigs": JSON.stringify(billingConfigs) },
    secretConfigKeys: SECRET_CONFIG_KEYS,
    project: PROJECT,
    stack: STACK,
  });
}

/** What of a registered resource the synthesized one must match. */
function comparable(r: RegisteredResource | undefined): string {
  return r === undefined
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
