/**
 * Command-line options of `npm run bench`, and the rate limit they stand for.
 *
 * The limit: emnify allows 2,000 requests per source IP per rolling 300 s (6.67/s). `--rate-scale F`
 * multiplies that RATE by F so that a run fits in minutes, and `--window-seconds W` sets the length
 * of the sliding window that enforces it: W × 6.67 × F requests per W seconds. With the defaults
 * (F = 10, W = 3) that is "200/3", 66.7 requests per second.
 *
 * Why not simply "2,000 per 300/F s" (emnify's window compressed F times)? That window holds 2,000
 * requests, more than every phase but create needs at 1,000 organisations, so those phases would
 * burst through unpaced and the limit would bind on one phase only. A short window keeps the limit
 * binding on every phase that makes calls. The price: the pacer holds a request's slot until it
 * has finished (see provider/client/pacer.ts), which costs latency ÷ window of throughput, 1.7% at
 * 50 ms ÷ 3 s against 0.02% at emnify's 300 s; the report states it.
 */

import { parseArgs } from "node:util";

/** The rate-limit scenarios (./limitScenarios.ts). */
export const LIMIT_SCENARIOS = ["undisclosed-40", "path-8", "tightening", "two-processes"] as const;
export type LimitScenarioName = (typeof LIMIT_SCENARIOS)[number];

/**
 * Which engine drives the organisations: "stand-in" is this repository's engine stand-in driving
 * Pulumi's dynamic-provider host over gRPC (five phases, ./run.ts); "pulumi" is the real `pulumi`
 * CLI run as a user runs it (up, up again, refresh, destroy; ./cliRun.ts).
 */
export const ENGINES = ["stand-in", "pulumi"] as const;
export type BenchEngine = (typeof ENGINES)[number];

/**
 * Real CLI only: which way the program declares its organisations. "dynamic" is the dynamic
 * resource `BillingConfig` of `pulumi-emnify` (run by Pulumi's dynamic-provider host); "plugin" is
 * `emnify:index:BillingConfig` of `pulumi-emnify/plugin`, run by the provider plugin
 * `pulumi-resource-emnify` (found through Pulumi.yaml's `plugins: providers: path`).
 */
export const CLI_PATHS = ["dynamic", "plugin"] as const;
export type CliPath = (typeof CLI_PATHS)[number];

export interface BenchOptions {
  engine: BenchEngine;
  orgs: number;
  latencyMs: number;
  rateScale: number;
  windowSeconds: number;
  /**
   * Stand-in only: provider calls in flight at once, like `pulumi up --parallel`; undefined = the
   * stand-in's default, 4 × CPUs like the engine's (`PULUMI_PARALLEL` when set).
   */
  parallel?: number;
  /** Where the table goes; undefined with --no-write. */
  out?: string;
  /** Rate-limit scenarios to run instead of the five phases (see ./limitScenarios.ts). */
  scenarios?: LimitScenarioName[];
  /** Real CLI only: the paths to run, one after the other in one process (default both). */
  paths?: CliPath[];
  /**
   * Real CLI only: spread the organisations over this many stacks (shard-0 …), each declaring its
   * shard's (the package's `defaultShard`), every command run on all of them at once.
   */
  shards?: number;
  /** Real CLI only: the commands to run, in CLI_COMMANDS order (default all). */
  commands?: CliCommandFlag[];
  /** Real CLI only: stop a command still running after this many seconds, and end the run there. */
  stopAfterSeconds?: number;
}

/** The real CLI's commands as --commands names them, in the order they run. */
export const CLI_COMMANDS = ["up", "up-again", "refresh", "refresh-skip-preview", "destroy"] as const;
export type CliCommandFlag = (typeof CLI_COMMANDS)[number];

/** emnify's documented limits. */
export const EMNIFY_LIMIT = { requests: 2000, windowSeconds: 300 } as const;
export const EMNIFY_AUTH_LIMIT = { requests: 100, windowSeconds: 300 } as const;

/** Every default, defined once: USAGE and parseBenchArgs read them from here. */
export const DEFAULTS = {
  engine: "stand-in",
  orgs: 1000,
  latencyMs: 50,
  rateScale: 10,
  windowSeconds: 3,
} as const satisfies Partial<BenchOptions>;

export const USAGE = `Usage: npm run bench -- [options]

Drives N organisations against the bundled emnify emulator and writes the table to BENCHMARKS.md.
--engine stand-in: the repository's engine stand-in drives Pulumi's dynamic-provider host
(create, unchanged run, update 10%, refresh, delete). --engine pulumi: the real \`pulumi\` CLI
(up, up again, refresh, destroy), built from Go modules or found on PATH (npm run pulumi:cli).

Options:
  --engine E            stand-in or pulumi (default ${DEFAULTS.engine})
  --orgs N              organisations (default ${DEFAULTS.orgs})
  --latency-ms MS       latency the emulator adds to every answer (default ${DEFAULTS.latencyMs})
  --rate-scale F        allowed rate = F × emnify's 2,000 per 300 s (default ${DEFAULTS.rateScale})
  --window-seconds W    sliding window that enforces it (default ${DEFAULTS.windowSeconds})
  --path P              real CLI only: dynamic (the dynamic resource), plugin (the provider plugin)
                        or both, one after the other in one process (default both)
  --shards N            real CLI only: N stacks shard-0 … shard-(N-1) in one project and backend, each
                        declaring the organisations defaultShard(orgId, N) gives it; every command
                        runs on all N at once, sharing the machine's rate budget (default 1 stack)
  --commands LIST       real CLI only: comma-separated subset of ${CLI_COMMANDS.join(", ")},
                        run in that order (default all); every one after up needs up
  --stop-after-seconds S  real CLI only: stop a command still running after S seconds (SIGINT to
                        pulumi, SIGKILL after a grace period), report how far it got, end the run
  --parallel N          stand-in only: at most N provider calls at once, like \`pulumi up --parallel N\`
                        (default: 4 × CPUs, as Pulumi's, or PULUMI_PARALLEL)
  --scenario NAME       instead of the five phases, a rate-limit scenario: ${LIMIT_SCENARIOS.join(", ")},
                        or "limits" for all four (repeatable; 30 ms latency, own settings)
  --out FILE            where to write the table (default BENCHMARKS.md in the repository)
  --no-write            print only
  -h, --help            this text
`;

export class UsageError extends Error {
  override name = "UsageError";
}

function positive(flag: string, raw: string | undefined, integer: boolean, allowZero = false): number {
  const value = Number(raw);
  if (
    raw === undefined ||
    raw.trim() === "" ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0) ||
    (integer && !Number.isInteger(value))
  ) {
    throw new UsageError(
      `${flag} needs a ${allowZero ? "non-negative" : "positive"} ${integer ? "whole " : ""}number, got ${JSON.stringify(raw ?? "")}`,
    );
  }
  return value;
}

/** The flags, for node:util parseArgs. Values are parsed and checked below; defaults live in DEFAULTS. */
const FLAGS = {
  engine: { type: "string" },
  orgs: { type: "string" },
  "latency-ms": { type: "string" },
  "rate-scale": { type: "string" },
  "window-seconds": { type: "string" },
  parallel: { type: "string" },
  path: { type: "string" },
  shards: { type: "string" },
  commands: { type: "string" },
  "stop-after-seconds": { type: "string" },
  scenario: { type: "string", multiple: true },
  out: { type: "string" },
  "no-write": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses argv (without node and the script); returns "help" for -h/--help. */
export function parseBenchArgs(argv: string[], defaultOut: string): BenchOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    // parseArgs's own messages name the option ("Unknown option '--x'", "Option '--orgs <value>' argument missing").
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const number = (flag: keyof typeof FLAGS, fallback: number | undefined, integer: boolean, allowZero = false): number | undefined => {
    const raw = values[flag];
    return raw === undefined ? fallback : positive(`--${flag}`, raw as string, integer, allowZero);
  };
  const engine = values.engine ?? DEFAULTS.engine;
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new UsageError(`--engine must be one of ${ENGINES.join(", ")}, got ${JSON.stringify(engine)}`);
  }
  let scenarios: LimitScenarioName[] | undefined;
  for (const name of values.scenario ?? []) {
    const names = name === "limits" ? [...LIMIT_SCENARIOS] : [name as LimitScenarioName];
    if (!names.every((n) => (LIMIT_SCENARIOS as readonly string[]).includes(n))) {
      throw new UsageError(`--scenario must be one of ${LIMIT_SCENARIOS.join(", ")} or limits, got ${JSON.stringify(name)}`);
    }
    scenarios = [...(scenarios ?? []), ...names];
  }
  if (values.out !== undefined && values.out.trim() === "") throw new UsageError("--out needs a file name");
  const options: BenchOptions = {
    engine: engine as BenchEngine,
    orgs: number("orgs", DEFAULTS.orgs, true)!,
    latencyMs: number("latency-ms", DEFAULTS.latencyMs, false, true)!,
    rateScale: number("rate-scale", DEFAULTS.rateScale, false)!,
    windowSeconds: number("window-seconds", DEFAULTS.windowSeconds, false)!,
    parallel: number("parallel", undefined, true),
    out: values["no-write"] ? undefined : (values.out ?? defaultOut),
    scenarios,
  };
  if (options.engine === "pulumi" && options.scenarios !== undefined) {
    throw new UsageError("--scenario runs through the stand-in's host; it cannot be combined with --engine pulumi");
  }
  if (options.engine === "pulumi" && options.parallel !== undefined) {
    throw new UsageError("--parallel is the stand-in's; the real CLI runs with pulumi's own default (4 × CPUs, or PULUMI_PARALLEL)");
  }
  if (values.path !== undefined) {
    if (options.engine !== "pulumi") throw new UsageError("--path chooses how the real CLI's program declares; it needs --engine pulumi");
    if (values.path !== "both" && !(CLI_PATHS as readonly string[]).includes(values.path)) {
      throw new UsageError(`--path must be one of ${CLI_PATHS.join(", ")} or both, got ${JSON.stringify(values.path)}`);
    }
  }
  if (options.engine === "pulumi")
    options.paths = values.path === undefined || values.path === "both" ? [...CLI_PATHS] : [values.path as CliPath];
  for (const flag of ["shards", "commands", "stop-after-seconds"] as const) {
    if (values[flag] !== undefined && options.engine !== "pulumi")
      throw new UsageError(`--${flag} is the real CLI's; it needs --engine pulumi`);
  }
  const shards = number("shards", undefined, true);
  if (shards !== undefined) {
    if (shards > 1000) throw new UsageError(`--shards needs a whole number from 1 to 1000, got ${shards}`);
    if (shards > options.orgs)
      throw new UsageError(`--shards ${shards} is more than --orgs ${options.orgs}: some stacks would declare nothing`);
    options.shards = shards;
  }
  if (values.commands !== undefined) options.commands = parseCommands(values.commands);
  const stopAfter = number("stop-after-seconds", undefined, false);
  if (stopAfter !== undefined) options.stopAfterSeconds = stopAfter;
  if (options.parallel === undefined) delete options.parallel;
  if (options.scenarios === undefined) delete options.scenarios;
  return options;
}

/** --commands: known names, no repeats, in CLI_COMMANDS order; every command after up needs up. */
function parseCommands(raw: string): CliCommandFlag[] {
  const names = raw.split(",").map((n) => n.trim());
  for (const name of names) {
    if (!(CLI_COMMANDS as readonly string[]).includes(name)) {
      throw new UsageError(`--commands takes a comma-separated list of ${CLI_COMMANDS.join(", ")}, got ${JSON.stringify(name)}`);
    }
  }
  if (new Set(names).size !== names.length) throw new UsageError(`--commands names a command twice: ${JSON.stringify(raw)}`);
  if (!names.includes("up")) {
    throw new UsageError(`--commands ${raw} cannot run without up: every other command works on the organisations up adopted`);
  }
  return CLI_COMMANDS.filter((c) => names.includes(c));
}

/** The scaled limit: requests per window, for the emulator and for `emnify:rateLimit`. */
export function scaledLimit(
  limit: { requests: number; windowSeconds: number },
  options: Pick<BenchOptions, "rateScale" | "windowSeconds">,
): { requests: number; windowSeconds: number; perSecond: number; setting: string } {
  const perSecond = (limit.requests / limit.windowSeconds) * options.rateScale;
  const requests = Math.max(1, Math.round(perSecond * options.windowSeconds));
  return {
    requests,
    windowSeconds: options.windowSeconds,
    perSecond: requests / options.windowSeconds,
    setting: `${requests}/${options.windowSeconds}`,
  };
}
