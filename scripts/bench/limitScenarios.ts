/**
 * The rate-limit scenarios of `npm run bench -- --scenario ...`: limits the provider was NOT told
 * about (an undisclosed per-IP limit, a per-path limit on billing_config, a limit that tightens
 * halfway), and two provider processes sharing one told limit through the machine's rate ledger.
 *
 * Each runs the packed package in Pulumi's own dynamic-provider host (a child process), driven by
 * the engine stand-in, against the emulator in a worker thread; each scenario gets a temp
 * directory of its own (TMPDIR and XDG_RUNTIME_DIR of the hosts), so its ledger starts empty.
 *
 * Floor = minimum calls ÷ the rate the API allows (for the tightening limit, each half at its own
 * rate; for two processes, both processes' calls at the one shared rate). 429s are counted by the
 * emulator; "useful calls" is the minimum.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEMO_APPLICATION_TOKEN, type EmulatorOptions, type PathRateLimit } from "pulumi-emnify/emulator";
import {
  EngineSimulator,
  type ProviderHost,
  type StateFile,
  makeTempDir,
  runProgramUnderMocks,
  startProviderHost,
} from "../../tools/engine";
import type { BenchSession } from "./run";
import { PROGRAM, PROJECT, STACK } from "./run";
import { RemoteEmulator } from "./remoteEmulator";
import { type BenchOrganisation, buildScenario } from "./scenario";

import type { LimitScenarioName } from "./options";
import { AUTHENTICATE_PATH } from "../../tools/apiCalls";

export interface LimitScenarioResult {
  name: LimitScenarioName;
  description: string;
  /** What the provider was told (`emnify:rateLimit`). */
  told: string;
  calls: number;
  minimum: number;
  throttled: number;
  failures: number;
  firstFailure?: string;
  wallMs: number;
  floorMs: number;
  /** From the start of the engine operation to the first API call (Check/Diff/Read RPCs, host warm-up). */
  firstCallMs: number;
  /** The bounds of the issue, as [wall ÷ floor, 429s ÷ useful calls]. */
  bound: { ratio: number; throttledShare: number };
}

const LATENCY_MS = 30;
const BILLING_PATH = "/api/v1/organisation/:id/billing_config";

interface Stage {
  projectDir: string;
  emulator: RemoteEmulator;
  say: (line: string) => void;
  session: BenchSession;
}

/** Starts a provider host with its own temp directory (and so ledger) unless `tmpdir` is shared. */
async function host(stage: Stage, endpoint: string, rateLimit: string | undefined, tmpdir: string): Promise<ProviderHost> {
  const started = await startProviderHost({
    cwd: stage.projectDir,
    project: PROJECT,
    stack: STACK,
    env: { TMPDIR: tmpdir, XDG_RUNTIME_DIR: tmpdir },
  });
  const config: Record<string, string> = { "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "emnify:endpoint": endpoint };
  if (rateLimit !== undefined) config["emnify:rateLimit"] = rateLimit;
  await started.configure(config, ["emnify:applicationToken"]);
  return started;
}

/** The resources the program registers for these organisations. */
async function program(stage: Stage, organisations: BenchOrganisation[], endpoint: string) {
  const dir = makeTempDir("pulumi-emnify-bench-limits-");
  const file = path.join(dir, "declarations.json");
  writeFileSync(file, JSON.stringify(organisations.map((o) => o.declared)));
  const config = { "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "emnify:endpoint": endpoint, "bench:declarations": file };
  return runProgramUnderMocks({
    projectDir: stage.projectDir,
    program: { source: PROGRAM, filename: "index.js" },
    config,
    secretConfigKeys: ["emnify:applicationToken"],
    project: PROJECT,
    stack: STACK,
  });
}

/** Prints progress every 2 s while `work` runs. */
async function watched<T>(stage: Stage, name: string, minimum: number, work: () => Promise<T>): Promise<T> {
  const first = await stage.emulator.requestCount();
  const t0 = performance.now();
  const timer = setInterval(() => {
    // A progress line is best effort: a failed read of the request log is skipped.
    void (async () => {
      const seen = await stage.emulator.requestsSince(first);
      const ok = seen.filter((r) => r.path !== AUTHENTICATE_PATH && r.status >= 200 && r.status < 300).length;
      stage.say(
        `  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${ok}/${minimum} calls answered, ${seen.filter((r) => r.status === 429).length} × 429`,
      );
    })().catch(() => undefined);
  }, 2000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Adopts `orgs` organisations through one host told nothing (emnify's documented default). */
async function adoption(
  stage: Stage,
  name: LimitScenarioName,
  description: string,
  orgs: number,
  pathRateLimits: PathRateLimit[],
  floorOf: (minimum: number, switchedAt?: number) => number,
  tighten?: { atHalf: true; to: PathRateLimit[] },
): Promise<LimitScenarioResult> {
  const scenario = buildScenario(orgs);
  stage.say(`\n${name}: ${description}`);
  const emulator = await RemoteEmulator.start({
    organisations: scenario.organisations.map((o) => o.seed),
    latencyMs: LATENCY_MS,
    pathRateLimits,
    logRequestBodies: false,
  } satisfies EmulatorOptions);
  stage.emulator = emulator;
  stage.session.emulator = emulator;
  try {
    const resources = await program(stage, scenario.organisations, emulator.url);
    const provider = await host(stage, emulator.url, undefined, makeTempDir("pulumi-emnify-bench-tmp-"));
    stage.session.host = provider;
    try {
      const engine = new EngineSimulator(provider, { project: PROJECT, stack: STACK });
      const minimum = scenario.minimum.create;
      const switched = tighten ? emulator.tightenAfter(Math.floor(minimum / 2), tighten.to) : undefined;
      const t0 = performance.now();
      const epoch0 = Date.now();
      const result = await watched(stage, name, minimum, () => engine.up(resources));
      const wallMs = performance.now() - t0;
      const seen = await emulator.requestsSince(0);
      const calls = seen.filter((r) => r.path !== AUTHENTICATE_PATH);
      const floorMs = floorOf(minimum, switched === undefined ? undefined : await switched) * 1000;
      return summarise(
        name,
        description,
        "(nothing: the default 2000/300)",
        calls.length,
        minimum,
        seen.filter((r) => r.status === 429).length,
        result.failed.map((f) => f.error ?? "failed"),
        wallMs,
        floorMs,
        (seen[0]?.at ?? epoch0) - epoch0,
      );
    } finally {
      await provider.stop();
    }
  } finally {
    await emulator.stop();
  }
}

function summarise(
  name: LimitScenarioName,
  description: string,
  told: string,
  calls: number,
  minimum: number,
  throttled: number,
  failures: string[],
  wallMs: number,
  floorMs: number,
  firstCallMs: number,
): LimitScenarioResult {
  return {
    name,
    description,
    told,
    calls,
    minimum,
    throttled,
    failures: failures.length,
    firstFailure: failures[0],
    wallMs,
    floorMs,
    firstCallMs,
    bound: { ratio: wallMs / floorMs, throttledShare: throttled / minimum },
  };
}

/**
 * Two provider processes, each refreshing 1,000 organisations at once, against one compressed
 * 2,000-per-30-s limit that both are told: they share it through the ledger (same TMPDIR and XDG_RUNTIME_DIR).
 */
async function twoProcesses(stage: Stage): Promise<LimitScenarioResult> {
  const name: LimitScenarioName = "two-processes";
  const description = "two provider processes refresh 1,000 organisations each at once; one limit of 2,000/30 s, told to both";
  stage.say(`\n${name}: ${description}`);
  const scenario = buildScenario(2000);
  const halves = [scenario.organisations.slice(0, 1000), scenario.organisations.slice(1000)];
  const emulator = await RemoteEmulator.start({
    organisations: scenario.organisations.map((o) => o.seed),
    latencyMs: LATENCY_MS,
    rateLimit: false,
    logRequestBodies: false,
  });
  stage.emulator = emulator;
  stage.session.emulator = emulator;
  const told = "2000/30";
  try {
    // The stacks exist already: created without a limit, in a temp directory of their own.
    stage.say("  creating both stacks (no limit) ...");
    const createTmp = makeTempDir("pulumi-emnify-bench-tmp-");
    const states: StateFile[] = await Promise.all(
      halves.map(async (orgs) => {
        const resources = await program(stage, orgs, emulator.url);
        const provider = await host(stage, emulator.url, "1000000/1", createTmp);
        try {
          const engine = new EngineSimulator(provider, { project: PROJECT, stack: STACK });
          const up = await engine.up(resources);
          if (up.failed.length > 0) throw new Error(`creating the stacks failed: ${up.failed[0].error}`);
          return engine.state();
        } finally {
          await provider.stop();
        }
      }),
    );
    // Now the limit, and two fresh processes sharing one temp directory, as two `pulumi refresh` would.
    await emulator.tightenAfter(0, [{ requests: 2000, windowSeconds: 30 }]);
    const sharedTmp = makeTempDir("pulumi-emnify-bench-tmp-");
    const providers = await Promise.all(halves.map(() => host(stage, emulator.url, told, sharedTmp)));
    try {
      const engines = providers.map((p, i) => new EngineSimulator(p, { project: PROJECT, stack: STACK, state: states[i] }));
      const first = await emulator.requestCount();
      const t0 = performance.now();
      const epoch0 = Date.now();
      const results = await watched(stage, name, 2000, () => Promise.all(engines.map((e) => e.refresh())));
      const wallMs = performance.now() - t0;
      const seen = await emulator.requestsSince(first);
      const calls = seen.filter((r) => r.path !== AUTHENTICATE_PATH).length;
      const failures = results.flatMap((r) => r.failed.map((f) => f.error ?? "failed"));
      return summarise(
        name,
        description,
        `${told} (both)`,
        calls,
        2000,
        seen.filter((r) => r.status === 429).length,
        failures,
        wallMs,
        (2000 / (2000 / 30)) * 1000,
        (seen[0]?.at ?? epoch0) - epoch0,
      );
    } finally {
      await Promise.all(providers.map((p) => p.stop()));
    }
  } finally {
    await emulator.stop();
  }
}

export async function runLimitScenario(
  name: LimitScenarioName,
  projectDir: string,
  session: BenchSession,
  say: (line: string) => void,
): Promise<LimitScenarioResult> {
  const stage: Stage = { projectDir, emulator: undefined as unknown as RemoteEmulator, say, session };
  switch (name) {
    case "undisclosed-40":
      return adoption(
        stage,
        name,
        "500 adoptions, 30 ms latency, an undisclosed limit of 40 requests/s on every path",
        500,
        [{ requests: 40, windowSeconds: 1 }],
        (min) => min / 40,
      );
    case "path-8":
      return adoption(
        stage,
        name,
        "150 adoptions, 30 ms latency, an undisclosed limit of 8/s on .../billing_config",
        150,
        [{ path: BILLING_PATH, requests: 8, windowSeconds: 1 }],
        (min) => min / 8,
      );
    case "tightening":
      return adoption(
        stage,
        name,
        "500 adoptions, 30 ms latency, an undisclosed limit of 60/s that drops to 15/s halfway through",
        500,
        [{ requests: 60, windowSeconds: 1 }],
        (min, at) => (at ?? min / 2) / 60 + (min - (at ?? min / 2)) / 15,
        { atHalf: true, to: [{ requests: 15, windowSeconds: 1 }] },
      );
    case "two-processes":
      return twoProcesses(stage);
  }
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** The one table of the issue: every scenario against its floor, with its 429s. */
export function limitTable(results: LimitScenarioResult[]): string {
  const rows = results.map((r) => [
    r.name,
    r.told,
    `${fmt(r.calls)} / ${fmt(r.minimum)}`,
    fmt(r.throttled),
    `${((100 * r.throttled) / r.minimum).toFixed(1)}%`,
    String(r.failures),
    `${(r.wallMs / 1000).toFixed(1)} s`,
    `${(r.floorMs / 1000).toFixed(1)} s`,
    `${r.bound.ratio.toFixed(2)}×`,
    `${(r.firstCallMs / 1000).toFixed(1)} s`,
  ]);
  const header = [
    "scenario",
    "told",
    "API calls / minimum",
    "429s",
    "429s ÷ useful",
    "failures",
    "wall",
    "floor",
    "wall ÷ floor",
    "first API call after",
  ];
  return [header, header.map(() => "---"), ...rows].map((row) => `| ${row.join(" | ")} |`).join("\n");
}
