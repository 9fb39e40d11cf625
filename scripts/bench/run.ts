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
  type RegisteredResource,
  makeTempDir,
  preparePackedProject,
  revealResource,
  runProgramUnderMocks,
  startProviderHost,
} from "../../tools/engine";
import { type BenchOptions, EMNIFY_AUTH_LIMIT, EMNIFY_LIMIT, scaledLimit } from "./options";
import { MB, cpuMs, memory } from "./proc";
import { RemoteEmulator } from "./remoteEmulator";
import { FIELDS, apiView, differences, stateView } from "../../tools/soak/model";
import { type BenchDeclaration, type BenchScenario, buildScenario } from "./scenario";
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function count(value: number): string {
  return value.toLocaleString("en-US");
}

export async function runBench(options: BenchOptions, session: BenchSession, say: (line: string) => void): Promise<BenchResult> {
  const started = performance.now();
  const limit = scaledLimit(EMNIFY_LIMIT, options);
  const authLimit = scaledLimit(EMNIFY_AUTH_LIMIT, options);
  const scenario = buildScenario(options.orgs);
  say(
    `${count(options.orgs)} organisations (${count(scenario.counts.differing)} differ from the declaration, ${count(scenario.counts.matching)} already match), ` +
      `latency ${options.latencyMs} ms, rate limit ${limit.setting} (${limit.perSecond.toFixed(1)}/s = ${options.rateScale} × emnify's 2,000 per 300 s)` +
      `, at most ${options.parallel ?? defaultParallelism()} steps at once`,
  );

  say("packing the package and preparing a project that installs it ...");
  const projectDir = await preparePackedProject();
  const workDir = makeTempDir("pulumi-emnify-bench-");
  const declarationsFile = path.join(workDir, "declarations.json");

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
  const secretConfigKeys = ["emnify:applicationToken"];

  const host = await startProviderHost({ cwd: projectDir, project: PROJECT, stack: STACK });
  session.host = host;
  const idleHost = memory(host.pid);
  await host.configure(config, secretConfigKeys);
  // Steps (Create, Update, Read, Delete) at most `parallel` at once, default 4 × CPUs as `pulumi`; Check and Diff one at a time.
  const engine = new EngineSimulator(host, { project: PROJECT, stack: STACK, parallel: options.parallel });
  say(
    `emulator ${emulator.url}, Pulumi's dynamic-provider host pid ${host.pid}` +
      (idleHost ? ` (${(idleHost.rss / MB).toFixed(0)} MB before any provider code ran)` : ""),
  );

  const program = async (declarations: BenchDeclaration[]): Promise<{ resources: RegisteredResource[]; ms: number }> => {
    writeFileSync(declarationsFile, JSON.stringify(declarations));
    const t0 = performance.now();
    const resources = await runProgramUnderMocks({
      projectDir,
      program: { source: PROGRAM, filename: "index.js" },
      config,
      secretConfigKeys,
      project: PROJECT,
      stack: STACK,
    });
    return { resources, ms: performance.now() - t0 };
  };

  /** Waits until the last request has left the rate window, so the next phase starts clean. */
  let seenRequests = 0;
  const drain = async () => {
    const last = (await emulator.requestsSince(Math.max(0, seenRequests - 1))).at(-1)?.at;
    if (last !== undefined) await sleep(Math.max(0, last + limit.windowSeconds * 1000 + 50 - Date.now()));
  };

  /** Does the independent read: how many resources' state equals what the emulator holds. */
  const agreeing = async (): Promise<{ agree: number; differing: Record<string, number> }> => {
    let agree = 0;
    const differing: Record<string, number> = {};
    const resources = engine.state().resources;
    const configs = await emulator.billingConfigs(resources.map((r) => Number(r.id)));
    for (const [i, resource] of resources.entries()) {
      const api = configs[i];
      const fields = api ? differences(stateView(revealResource(resource).outputs), apiView(api)) : ["organisation missing"];
      if (fields.length === 0) agree += 1;
      for (const field of fields) differing[field] = (differing[field] ?? 0) + 1;
    }
    return { agree, differing };
  };

  const phases: PhaseResult[] = [];
  const measure = async (
    name: PhaseName,
    title: string,
    minimum: number,
    operation: () => Promise<OperationResult>,
    programMs?: number,
  ): Promise<void> => {
    await drain();
    const resources = engine.state().resources.length || options.orgs;
    const firstIndex = await emulator.requestCount();
    const cpu0 = cpuMs(host.pid);
    const t0 = performance.now();
    const progress = setInterval(() => {
      // A progress line is best effort: a failed read of the request log is skipped.
      void (async () => {
        const seen = await emulator.requestsSince(firstIndex);
        const calls = seen.filter((r) => r.path !== AUTHENTICATE_PATH).length;
        const mem = memory(host.pid);
        say(
          `  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${count(calls)}/${count(minimum)} calls, ` +
            `${seen.filter((r) => r.status === 429).length} × 429` +
            (mem ? `, host RSS ${(mem.rss / MB).toFixed(0)} MB` : ""),
        );
      })().catch(() => undefined);
    }, 2000);
    let result: OperationResult;
    try {
      result = await operation();
    } finally {
      clearInterval(progress);
    }
    const wallMs = performance.now() - t0;
    const cpu1 = cpuMs(host.pid);
    const mem = memory(host.pid);
    const seen = await emulator.requestsSince(firstIndex);
    seenRequests = firstIndex + seen.length;
    const api = seen.filter((r) => r.path !== AUTHENTICATE_PATH);
    const state = engine.state();
    const stateJson = JSON.stringify(state);
    const providerText = state.resources.map((r) => r.outputs.__provider).find((p): p is string => typeof p === "string");
    const phase: PhaseResult = {
      name,
      title,
      resources,
      calls: api.length,
      minimum,
      authenticate: seen.length - api.length,
      throttled: seen.filter((r) => r.status === 429).length,
      apiErrors: seen.filter((r) => r.status !== 429 && (r.status < 200 || r.status >= 300)).length,
      failures: result.failed.length,
      firstFailure: result.failed[0]?.error,
      wallMs,
      floorMs: (minimum / limit.perSecond) * 1000,
      apiSpanMs: seen.length === 0 ? 0 : Math.max(...seen.map((r) => r.at)) - seen[0].at + options.latencyMs,
      programMs,
      hostCpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
      rss: mem?.rss,
      peakRss: mem?.peak,
      providerBytes: providerText === undefined ? undefined : Buffer.byteLength(providerText),
      stateBytesPerResource: state.resources.length === 0 ? undefined : Buffer.byteLength(stateJson) / state.resources.length,
      ...(await agreeing().then(({ agree, differing }) => ({ stateMatchesApi: agree, stateDiffers: differing }))),
    };
    phases.push(phase);
    say(
      `${title}: ${count(phase.calls)} calls (minimum ${count(minimum)}), ${phase.authenticate} authenticate, ${phase.throttled} × 429, ` +
        `${phase.failures} failed, ${(wallMs / 1000).toFixed(1)} s (floor ${(phase.floorMs / 1000).toFixed(1)} s)` +
        (phase.failures > 0 ? `\n  first failure: ${phase.firstFailure}` : ""),
    );
  };

  say("running the program under mocks (create) ...");
  let run = await program(scenario.organisations.map((o) => o.declared));
  await measure("create", "create all", scenario.minimum.create, () => engine.up(run.resources), run.ms);

  say("running the program under mocks (unchanged) ...");
  run = await program(scenario.organisations.map((o) => o.declared));
  await measure("unchanged", "unchanged run", scenario.minimum.unchanged, () => engine.up(run.resources), run.ms);

  say("running the program under mocks (update 10%) ...");
  run = await program(scenario.organisations.map((o) => o.updated));
  await measure("update", "update 10%", scenario.minimum.update, () => engine.up(run.resources), run.ms);

  await measure("refresh", "refresh all", scenario.minimum.refresh, () => engine.refresh());
  await measure("delete", "delete all", scenario.minimum.delete, () => engine.destroy());
  // The organisations with restoreOnDelete hold their seeded values again in every declared field.
  const restoring = scenario.organisations.filter((o) => o.updated.args.restoreOnDelete === true);
  const after = await emulator.billingConfigs(restoring.map((o) => o.id));
  const declaredFields = (args: Record<string, unknown>) => FIELDS.filter((f) => args[f] !== undefined);
  phases.at(-1)!.restored = {
    of: restoring.length,
    ok: restoring.filter((o, i) => {
      const now = after[i];
      const was = apiView(o.seed.billingConfig!);
      return now !== null && now !== undefined && declaredFields(o.updated.args).every((f) => apiView(now)[f] === was[f]);
    }).length,
  };

  return {
    options,
    limit,
    authLimit,
    scenario,
    phases,
    idleHost,
    totalAuthenticate: (await emulator.requestsSince(0)).filter((r) => r.method === "POST" && r.path === AUTHENTICATE_PATH).length,
    totalMs: performance.now() - started,
  };
}
