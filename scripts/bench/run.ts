/**
 * One benchmark run: the emulator in this process, the packed package in a throwaway project,
 * Pulumi's own dynamic-provider host as a child process, and the engine stand-in from tools/engine
 * driving it through create, an unchanged run, an update of 10%, refresh and delete.
 *
 * Each phase is timed around the engine operation only (the program run under mocks that precedes
 * an `up` is timed on its own: it is the user's program, not the provider). Before each phase the
 * rate window is left to drain, so every phase starts as a command run a while after the last one.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEMO_APPLICATION_TOKEN } from "pulumi-emnify/emulator";
import {
  EngineSimulator,
  defaultParallelism,
  type OperationResult,
  type ProviderHost,
  makeTempDir,
  preparePackedProject,
  revealResource,
  runProgramUnderMocks,
  startProviderHost,
} from "../../tools/engine";
import { type BenchOptions, EMNIFY_AUTH_LIMIT, EMNIFY_LIMIT, scaledLimit } from "./options";
import { MB, cpuMs, memory } from "./proc";
import { type LoggedRequest, RemoteEmulator } from "./remoteEmulator";
import { type BenchDeclaration, type BenchScenario, buildScenario } from "./scenario";
import * as steps from "./phaseSteps";
import { AUTHENTICATE_PATH } from "../../tools/apiCalls";

export const PROJECT = "bench";
export const STACK = "bench";

/** The user's program: declares one BillingConfig per entry of a JSON file named in stack config. */
export const PROGRAM = `"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const { BillingConfig } = require("pulumi-emnify");
const config = new pulumi.Config("bench");
for (const { name, args } of JSON.parse(fs.readFileSync(config.require("declarations"), "utf8"))) {
  new BillingConfig(name, args);
}
`;

export type PhaseName = "create" | "unchanged" | "update" | "refresh" | "delete";

export interface PhaseResult {
  name: PhaseName;
  title: string;
  /** Resources the phase handled (each one RPC or more to the host). */
  resources: number;
  /** API calls other than authenticate, retries included. */
  calls: number;
  minimum: number;
  authenticate: number;
  throttled: number;
  /** Answers other than 2xx and 429. */
  apiErrors: number;
  /** Resources whose step failed. */
  failures: number;
  firstFailure?: string;
  wallMs: number;
  /** Minimum calls ÷ allowed rate. */
  floorMs: number;
  /** Time from the phase's first API call to its last answer. */
  apiSpanMs: number;
  programMs?: number;
  hostCpuMs?: number;
  rss?: number;
  peakRss?: number;
  providerBytes?: number;
  stateBytesPerResource?: number;
  /** Resources whose state equals what the emulator holds afterwards (independent read). */
  stateMatchesApi: number;
  /** Fields in which states differ from the API, and how often. */
  stateDiffers: Record<string, number>;
  /** Delete only: organisations with restoreOnDelete whose adopted originals are back (independent read). */
  restored?: { ok: number; of: number };
}

export interface BenchResult {
  options: BenchOptions;
  limit: ReturnType<typeof scaledLimit>;
  authLimit: ReturnType<typeof scaledLimit>;
  scenario: BenchScenario;
  phases: PhaseResult[];
  /** The host right after it started, before any provider code ran: Pulumi's host alone. */
  idleHost?: { rss: number; peak: number };
  totalAuthenticate: number;
  totalMs: number;
}

export interface BenchSession {
  emulator?: RemoteEmulator;
  host?: ProviderHost;
}

/** What every step of a stand-in run shares. */
interface BenchRun extends steps.RunBase {
  scenario: BenchScenario;
  declarationsFile: string;
  config: Record<string, string>;
  host: ProviderHost;
  engine: EngineSimulator;
  phases: PhaseResult[];
}

const SECRET_CONFIG_KEYS = ["emnify:applicationToken"];

export async function runBench(options: BenchOptions, session: BenchSession, say: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  const limit = scaledLimit(EMNIFY_LIMIT, options);
  const authLimit = scaledLimit(EMNIFY_AUTH_LIMIT, options);
  const scenario = buildScenario(options.orgs);
  say(
    `${steps.count(options.orgs)} organisations (${steps.count(scenario.counts.differing)} differ from the declaration, ${steps.count(scenario.counts.matching)} already match), ` +
      `latency ${options.latencyMs} ms, ${steps.rateLimitText(options, limit)}` +
      `, at most ${options.parallel ?? defaultParallelism()} steps at once`,
  );
  const { run, idleHost } = await startBench(options, session, say, limit, authLimit, scenario);
  const { minimum } = scenario;
  await upPhase(run, "create", "create all", minimum.create, (o) => o.declared);
  await upPhase(run, "unchanged", "unchanged run", minimum.unchanged, (o) => o.declared);
  await upPhase(run, "update", "update 10%", minimum.update, (o) => o.updated);
  await measure(run, "refresh", "refresh all", minimum.refresh, () => run.engine.refresh());
  await measure(run, "delete", "delete all", minimum.delete, () => run.engine.destroy());
  run.phases.at(-1)!.restored = await steps.restoredOriginals(run.emulator, scenario.organisations, (o) => o.updated.args);
  const log = await run.emulator.requestsSince(0);
  return {
    options,
    limit,
    authLimit,
    scenario,
    phases: run.phases,
    idleHost,
    totalAuthenticate: log.filter((r) => r.method === "POST" && r.path === AUTHENTICATE_PATH).length,
    totalMs: performance.now() - started,
  };
}

/** Packs the package into a project, starts the emulator and Pulumi's host, and configures it. */
async function startBench(
  options: BenchOptions,
  session: BenchSession,
  say: (line: string) => void,
  limit: ReturnType<typeof scaledLimit>,
  authLimit: ReturnType<typeof scaledLimit>,
  scenario: BenchScenario,
): Promise<{ run: BenchRun; idleHost?: { rss: number; peak: number } }> {
  say("packing the package and preparing a project that installs it ...");
  const projectDir = await preparePackedProject();
  const declarationsFile = path.join(makeTempDir("pulumi-emnify-bench-"), "declarations.json");
  const emulator = await RemoteEmulator.forBench({
    organisations: scenario.organisations.map((o) => o.seed),
    latencyMs: options.latencyMs,
    limit,
    authLimit,
  });
  session.emulator = emulator;
  const config: Record<string, string> = {
    "emnify:applicationToken": DEMO_APPLICATION_TOKEN,
    "emnify:endpoint": emulator.url,
    "emnify:rateLimit": limit.setting,
    "bench:declarations": declarationsFile,
  };
  const host = await startProviderHost({ cwd: projectDir, project: PROJECT, stack: STACK });
  session.host = host;
  const idleHost = memory(host.pid);
  await host.configure(config, SECRET_CONFIG_KEYS);
  // Steps (Create, Update, Read, Delete) at most `parallel` at once, default 4 × CPUs as `pulumi`; Check and Diff one at a time.
  const engine = new EngineSimulator(host, { project: PROJECT, stack: STACK, parallel: options.parallel });
  say(
    `emulator ${emulator.url}, Pulumi's dynamic-provider host pid ${host.pid}` +
      (idleHost ? ` (${(idleHost.rss / MB).toFixed(0)} MB before any provider code ran)` : ""),
  );
  const run = { options, say, limit, scenario, projectDir, declarationsFile, config, emulator, host, engine, seenRequests: 0, phases: [] };
  return { run, idleHost };
}

/** Runs the user's program under mocks on `declarations`, then measures `pulumi up` of what it registered. */
async function upPhase(
  run: BenchRun,
  name: PhaseName,
  title: string,
  minimum: number,
  declaration: (o: BenchScenario["organisations"][number]) => BenchDeclaration,
): Promise<void> {
  run.say(`running the program under mocks (${name === "update" ? "update 10%" : name}) ...`);
  writeFileSync(run.declarationsFile, JSON.stringify(run.scenario.organisations.map(declaration)));
  const t0 = performance.now();
  const resources = await runProgramUnderMocks({
    projectDir: run.projectDir,
    program: { source: PROGRAM, filename: "index.js" },
    config: run.config,
    secretConfigKeys: SECRET_CONFIG_KEYS,
    project: PROJECT,
    stack: STACK,
  });
  const programMs = performance.now() - t0;
  await measure(run, name, title, minimum, () => run.engine.up(resources), programMs);
}

/** Times one engine operation (after the rate window drained) and records what it cost. */
async function measure(
  run: BenchRun,
  name: PhaseName,
  title: string,
  minimum: number,
  operation: () => Promise<OperationResult>,
  programMs?: number,
): Promise<void> {
  const { emulator, host } = run;
  await steps.drainRateWindow(emulator, run.seenRequests, run.limit.windowSeconds);
  const resources = run.engine.state().resources.length || run.options.orgs;
  const firstIndex = await emulator.requestCount();
  const cpu0 = cpuMs(host.pid);
  const t0 = performance.now();
  const stopProgress = steps.progressLine(2000, async () => progressText(run, name, minimum, firstIndex, t0), run.say);
  let result: OperationResult;
  try {
    result = await operation();
  } finally {
    stopProgress();
  }
  const wallMs = performance.now() - t0;
  const cpu1 = cpuMs(host.pid);
  const seen = await emulator.requestsSince(firstIndex);
  run.seenRequests = firstIndex + seen.length;
  const phase = await phaseResult(run, { name, title, minimum, programMs }, resources, result, seen, wallMs, cpu0, cpu1);
  run.phases.push(phase);
  run.say(
    `${title}: ${steps.count(phase.calls)} calls (minimum ${steps.count(minimum)}), ${phase.authenticate} authenticate, ${phase.throttled} × 429, ` +
      `${phase.failures} failed, ${(wallMs / 1000).toFixed(1)} s (floor ${(phase.floorMs / 1000).toFixed(1)} s)` +
      (phase.failures > 0 ? `\n  first failure: ${phase.firstFailure}` : ""),
  );
}

async function progressText(run: BenchRun, name: PhaseName, minimum: number, firstIndex: number, t0: number): Promise<string> {
  const seen = await run.emulator.requestsSince(firstIndex);
  const mem = memory(run.host.pid);
  return (
    `  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${steps.count(steps.callsIn(seen))}/${steps.count(minimum)} calls, ` +
    `${seen.filter((r) => r.status === 429).length} × 429` +
    (mem ? `, host RSS ${(mem.rss / MB).toFixed(0)} MB` : "")
  );
}

/** A phase's figures: the request log, the host's CPU and memory, the state and its agreement with the API. */
async function phaseResult(
  run: BenchRun,
  phase: { name: PhaseName; title: string; minimum: number; programMs?: number },
  resources: number,
  result: OperationResult,
  seen: LoggedRequest[],
  wallMs: number,
  cpu0: number | undefined,
  cpu1: number | undefined,
): Promise<PhaseResult> {
  const mem = memory(run.host.pid);
  const stats = steps.requestStats(seen, run.options.latencyMs);
  const state = run.engine.state();
  const { agree, differing } = await steps.stateAgreement(
    run.emulator,
    state.resources.map((r) => ({ id: r.id, outputs: revealResource(r).outputs })),
  );
  return {
    ...phase,
    resources,
    calls: stats.api.length,
    authenticate: stats.authenticate,
    throttled: stats.throttled,
    apiErrors: stats.apiErrors,
    failures: result.failed.length,
    firstFailure: result.failed[0]?.error,
    wallMs,
    floorMs: (phase.minimum / run.limit.perSecond) * 1000,
    apiSpanMs: stats.apiSpanMs,
    hostCpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
    rss: mem?.rss,
    peakRss: mem?.peak,
    providerBytes: steps.providerBytes(state.resources.map((r) => r.outputs)),
    stateBytesPerResource: state.resources.length === 0 ? undefined : Buffer.byteLength(JSON.stringify(state)) / state.resources.length,
    stateMatchesApi: agree,
    stateDiffers: differing,
  };
}
