/**
 * `npm run bench -- --engine pulumi`: N organisations through the real `pulumi` CLI, each command
 * run as a user runs it, against the bundled emulator (in a worker thread, with latency and the
 * scaled rate limit) — `pulumi up --yes` (adoption), `pulumi up --yes` again (no changes),
 * `pulumi refresh --yes`, `pulumi refresh --yes --skip-preview` (what a drift-detection pipeline
 * runs), `pulumi destroy --yes`.
 *
 * Two paths, the same organisations, emulator and limit: "dynamic" declares the dynamic resource
 * `BillingConfig` (./cliProgram.ts, run by Pulumi's dynamic-provider host); "plugin" declares
 * `emnify:index:BillingConfig` through `pulumi-emnify/plugin` (./cliPluginProgram.ts), run by the
 * provider plugin `pulumi-resource-emnify`, which Pulumi.yaml's `plugins: providers: path` points
 * at (the project's node_modules/.bin), with plugin download off and ambient plugins ignored.
 * runCliBenchPaths runs them one after the other in one process, so the machine's load hits both.
 *
 * The project is the one `pulumi new typescript` lays out with the packed package installed
 * (tools/pulumi-cli/userProject.ts), the program is ./cliProgram.ts (organisations from a count and
 * a first id in stack config), the state is in a file backend in a temp directory with the
 * passphrase secrets provider, and the application token is secret stack config.
 *
 * Per command: wall (spawn to exit), API calls and authentications from the emulator's request log
 * (preview passes included), the floor (minimum calls ÷ allowed rate), the checkpoint's size, and
 * CPU and peak RSS of every process of the command's tree by role (./procTree.ts).
 *
 * `--shards N`: the same project, emulator and organisations, but N stacks shard-0 … shard-(N-1) in
 * the one file backend, each declaring the organisations the package's `defaultShard(orgId, N)`
 * gives it (stack config `bench:shardCount` and `bench:shard`), and each command run on all N at
 * once, as examples/sharded/shards.sh runs them, sharing one TMPDIR and so the provider's
 * machine-wide rate ledger. Wall is then from the first spawn to the last exit; calls, CPU and
 * state are summed over the stacks. `--commands` runs a subset; `--stop-after-seconds` stops a
 * command still running (SIGINT to each `pulumi`, SIGKILL after a grace period) and ends the run.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { repoRoot } from "../../tools/repoRoot";
import { type PulumiCli, describe as describeCli, ensurePulumiCli } from "../../tools/pulumi-cli/locate";
import { type PulumiResult, PulumiRunner, type StackExport, type StateResource } from "../../tools/pulumi-cli/pulumiRunner";
import { type TreeProcess, processTree, signalEach, waitGone } from "../../tools/pulumi-cli/processTree";
import { defaultShard } from "../../provider/billing/shards";
import { createUserProject } from "../../tools/pulumi-cli/userProject";
import {
  type BenchOptions,
  CLI_COMMANDS,
  CLI_PATHS,
  type CliCommandFlag,
  type CliPath,
  EMNIFY_AUTH_LIMIT,
  EMNIFY_LIMIT,
  scaledLimit,
} from "./options";
import { ProcessTreeSampler, type RoleUsage, type SampledProcess, type TreePeaks, byRole } from "./procTree";
import { type LoggedRequest, RemoteEmulator } from "./remoteEmulator";
import { type BenchOrganisation, type BenchScenario, buildScenario } from "./scenario";
import { FIRST_ORG_ID } from "./declarations";
import * as steps from "./phaseSteps";
import { AUTHENTICATE_PATH, BILLING_CONFIG_TYPE } from "../../tools/apiCalls";

export const CLI_PROJECT = "emnify-bench";
export const CLI_STACK = "bench";
/** The stacks of a sharded run: shard-0, shard-1, … (as examples/sharded names them). */
export const SHARD_STACK_PREFIX = "shard-";
/** How long a command stopped by --stop-after-seconds may take to write its checkpoint and exit after SIGINT. */
export const STOP_GRACE_MS = 120_000;
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The provider plugin's resource type (the dynamic resource's is BILLING_CONFIG_TYPE). */
export const PLUGIN_BILLING_CONFIG_TYPE = "emnify:index:BillingConfig";

/** The resource type each path's organisations have in the state. */
export function billingTypeOf(cliPath: CliPath): string {
  return cliPath === "plugin" ? PLUGIN_BILLING_CONFIG_TYPE : BILLING_CONFIG_TYPE;
}

export type CliCommandName = "up" | "up again" | "refresh" | "refresh skip-preview" | "destroy";

/** --commands's names for the commands. */
export const COMMAND_OF_FLAG: Record<CliCommandFlag, CliCommandName> = {
  up: "up",
  "up-again": "up again",
  refresh: "refresh",
  "refresh-skip-preview": "refresh skip-preview",
  destroy: "destroy",
};

/** How far a command stopped by --stop-after-seconds got. */
export interface StoppedCommand {
  afterSeconds: number;
  /** SIGINT only, or SIGINT and then SIGKILL when the grace period ran out. */
  signals: "SIGINT" | "SIGINT, then SIGKILL";
  /** API calls (authenticate excluded) made before the SIGINT; CliCommandResult.calls counts those made until the exit too. */
  callsAtStop: number;
  /** Engine (`pulumi`) CPU summed over the stacks at the SIGINT (CliCommandResult.roles: until the exit). */
  engineCpuAtStopMs: number;
  /** From the SIGINT to the last exit. */
  windDownMs: number;
  /** `pulumi stack export` of every stack afterwards: whether each parsed, its organisations and pending operations (summed). */
  exported: { parsed: number; of: number; organisations: number; pendingOperations: number; errors: string[] };
}
export interface CliCommandResult {
  name: CliCommandName;
  /** As a user types it. */
  command: string;
  /** API calls other than authenticate, retries included, preview passes included. */
  calls: number;
  /** The fewest calls the command can make as the engine runs it (preview passes included). */
  minimum: number;
  /** Calls by method, e.g. { GET: 1000, PATCH: 800 }. */
  byMethod: Record<string, number>;
  authenticate: number;
  minimumAuthenticate: number;
  /** Provider processes that read during the command (refresh: the preview pass and the refresh). */
  passes?: { calls: number; authenticate: number }[];
  throttled: number;
  /** Answers other than 2xx and 429. */
  apiErrors: number;
  code: number;
  wallMs: number;
  /** Minimum calls ÷ allowed rate; 0 when the command needs no call. */
  floorMs: number;
  /** Bound by the rate limit: it must make calls. */
  rateBound: boolean;
  /**
   * When the CLI printed the start of the operation ("Updating (", "Refreshing (", "Destroying ("),
   * from the command's start: for up and refresh, start-up and the preview pass come before it.
   */
  previewMs?: number;
  /** From the command's start to its first API request, and from its last answer to its exit. */
  beforeFirstCallMs?: number;
  afterLastAnswerMs?: number;
  /** From the first request to the last answer. */
  apiSpanMs: number;
  /** The checkpoint's size after the command (file backend), and the organisations in it; summed over the stacks. */
  stateBytes: number;
  stateResources: number;
  /** Stacks the command ran on at once (1 unless --shards). */
  stacks: number;
  /** The largest stack's checkpoint after the command (= stateBytes for one stack). */
  largestStateBytes: number;
  /**
   * The largest resident memory all the command's processes held at one sample (sum of VmRSS over
   * every process of every stack), and the largest one stack's processes held.
   */
  peakRssTogether: number;
  peakRssLargestStack: number;
  /** Set when --stop-after-seconds stopped the command. */
  stopped?: StoppedCommand;
  /** Bytes of one `__provider` text, as stored (it is stored in inputs and outputs). */
  providerBytes?: number;
  roles: RoleUsage[];
  processes: SampledProcess[];
  /** `uptime`'s 1-minute load average at the command's start and end. */
  load: [number, number];
  /** The CLI's own summary (its "Resources:" block). */
  summary: string;
}

export interface CliBenchResult {
  /** How the program declared the organisations. */
  path: CliPath;
  options: BenchOptions;
  limit: ReturnType<typeof scaledLimit>;
  authLimit: ReturnType<typeof scaledLimit>;
  scenario: BenchScenario;
  cli: { version: string; source: PulumiCli["source"] };
  /** Engine settings passed through (see engineSettings). */
  engineSettings: NodeJS.ProcessEnv;
  commands: CliCommandResult[];
  /** Resources whose state equals what the emulator holds (independent read), after up and after refresh. */
  agreement: { after: CliCommandName; agree: number; of: number; differing: Record<string, number> }[];
  /** Organisations with restoreOnDelete whose adopted originals are back after destroy (not checked without destroy, or when stopped). */
  restored?: { ok: number; of: number };
  /** --shards: the organisations each stack declares, by shard. */
  shards?: { organisations: number[] };
  /** The command --stop-after-seconds stopped, ending the run. */
  stoppedAt?: CliCommandName;
  /** Creating the user project (npm pack + npm install), stack init and config. */
  setupMs: number;
  totalMs: number;
}

export interface CliBenchSession {
  emulator?: RemoteEmulator;
}

/**
 * Engine settings passed through from the bench's environment (the runner gives `pulumi` no other
 * PULUMI_* variable): PULUMI_SKIP_CHECKPOINTS=true writes the state once at the end instead of after
 * every step, to show what the engine's per-step checkpoints cost; PULUMI_PARALLEL.
 */
export function engineSettings(): NodeJS.ProcessEnv {
  const passed: NodeJS.ProcessEnv = {};
  for (const key of ["PULUMI_SKIP_CHECKPOINTS", "PULUMI_PARALLEL"]) if (process.env[key] !== undefined) passed[key] = process.env[key];
  return passed;
}

function readSource(file: string): string {
  return fs.readFileSync(path.join(repoRoot(), "scripts", "bench", file), "utf8");
}

/** Secret values of `pulumi stack export --show-secrets`, revealed. */
function reveal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null) {
    const object = value as Record<string, unknown>;
    if (SECRET_SIG_KEY in object && typeof object.plaintext === "string") return JSON.parse(object.plaintext);
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

function summaryOf(result: PulumiResult): string {
  const lines = result.stdout.split("\n");
  const start = lines.findIndex((l) => /^Resources:/.test(l.trim()));
  return start < 0
    ? lines.slice(-4).join("\n").trim()
    : lines
        .slice(start, start + 8)
        .join("\n")
        .trim();
}

/** One stack of a run: the only one, or one shard. */
interface CliStack {
  name: string;
  organisations: BenchOrganisation[];
  checkpoint: string;
}

/** What every step of a real-CLI run shares. */
interface CliRun extends steps.RunBase {
  path: CliPath;
  root: string;
  keep: boolean;
  runner: PulumiRunner;
  stacks: CliStack[];
  commands: CliCommandResult[];
  agreement: CliBenchResult["agreement"];
}

/** One command to measure, and the fewest calls and authentications it can make. */
interface CliStep {
  name: CliCommandName;
  args: string[];
  minimum: number;
  minimumAuthenticate: number;
  /** Provider processes that read during the command (refresh: 2). */
  passes?: number;
}

export async function runCliBench(
  options: BenchOptions,
  session: CliBenchSession,
  say: (line: string) => void,
  /**
   * verifyState: compare the state with the emulator after up and refresh (a `pulumi stack export` each);
   * path: the dynamic resource or the provider plugin.
   */
  { verifyState = true, path: cliPath = "dynamic" }: { verifyState?: boolean; path?: CliPath } = {},
): Promise<CliBenchResult> {
  const started = performance.now();
  const limit = scaledLimit(EMNIFY_LIMIT, options);
  const authLimit = scaledLimit(EMNIFY_AUTH_LIMIT, options);
  // Both paths declare a restoreOnDelete organisation's record of originals: one more GET each.
  const scenario = buildScenario(options.orgs, FIRST_ORG_ID, { originalsRecords: true });
  say(
    `${steps.count(options.orgs)} organisations through the real pulumi CLI (${steps.count(scenario.counts.differing)} differ from the declaration, ` +
      `${steps.count(scenario.counts.matching)} already match, ${steps.count(scenario.counts.restoring)} with restoreOnDelete), latency ${options.latencyMs} ms, ` +
      `${steps.rateLimitText(options, limit)}`,
  );
  const cli = ensurePulumiCli((line) => say(`pulumi-cli: ${line}`));
  say(describeCli(cli));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `pulumi-emnify-cli-bench-${cliPath}-`));
  const keep = process.env.PULUMI_EMNIFY_KEEP_TEMP === "1";
  try {
    const run = await setUpCliRun({ path: cliPath, options, say, limit, authLimit, scenario, cli, root, keep }, session);
    const setupMs = performance.now() - started;
    say(`emulator ${run.emulator.url}; project ${run.projectDir}; set up in ${(setupMs / 1000).toFixed(1)} s`);
    if (options.shards !== undefined)
      say(
        `${options.shards} stacks ${run.stacks[0].name} … ${run.stacks.at(-1)!.name}: ` +
          `${run.stacks.map((s) => steps.count(s.organisations.length)).join(", ")} organisations`,
      );
    let stoppedAt: CliCommandName | undefined;
    const ran = new Set<CliCommandName>();
    for (const step of cliSteps(run, options.commands)) {
      const command = await measureCommand(run, step);
      ran.add(step.name);
      if (command.stopped) {
        stoppedAt = step.name;
        say(`  stopped after ${options.stopAfterSeconds} s: the run ends here (no later command, no check)`);
        break;
      }
      if (verifyState && (step.name === "up" || step.name === "refresh")) await compareState(run, step.name);
    }
    let restored: CliBenchResult["restored"];
    if (stoppedAt === undefined && ran.has("destroy")) {
      restored = await steps.restoredOriginals(run.emulator, scenario.organisations, (o) => o.declared.args);
      say(`  restoreOnDelete: ${restored.ok}/${restored.of} organisations hold their original values again`);
    }
    return {
      path: cliPath,
      options,
      limit,
      authLimit,
      scenario,
      cli: { version: cli.version, source: cli.source },
      engineSettings: engineSettings(),
      commands: run.commands,
      agreement: run.agreement,
      restored,
      shards: options.shards === undefined ? undefined : { organisations: run.stacks.map((s) => s.organisations.length) },
      stoppedAt,
      setupMs,
      totalMs: performance.now() - started,
    };
  } finally {
    await session.emulator?.stop().catch(() => undefined);
    if (!keep) fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Every path of options.paths (default both), one after the other in this process, each with a
 * project, stack, backend and emulator of its own, seeded the same.
 */
export async function runCliBenchPaths(
  options: BenchOptions,
  session: CliBenchSession,
  say: (line: string) => void,
  settings: { verifyState?: boolean } = {},
): Promise<CliBenchResult[]> {
  const results: CliBenchResult[] = [];
  for (const cliPath of options.paths ?? CLI_PATHS) {
    results.push(await runCliBench(options, session, (line) => say(`[${cliPath}] ${line}`), { ...settings, path: cliPath }));
  }
  return results;
}

/**
 * up (adoption), up again (no changes), refresh (a preview pass and the refresh), refresh without
 * the preview, destroy — those --commands names (default all). A command's minimum is the sum over
 * the stacks of theirs: each stack's provider processes authenticate once each when they call.
 */
function cliSteps(run: Pick<CliRun, "stacks">, commands: readonly CliCommandFlag[] = CLI_COMMANDS): CliStep[] {
  const sum = (key: keyof BenchScenario["minimum"], passes = 1) => {
    const perStack = run.stacks.map((s) => s.organisations.reduce((total, o) => total + o.minimum[key], 0));
    return {
      minimum: passes * perStack.reduce((a, b) => a + b, 0),
      minimumAuthenticate: passes * perStack.filter((m) => m > 0).length,
    };
  };
  const all: CliStep[] = [
    { name: "up", args: ["up", "--yes"], ...sum("create") },
    { name: "up again", args: ["up", "--yes"], minimum: 0, minimumAuthenticate: 0 },
    // The preview pass reads every organisation in a provider process of its own, then the refresh reads again.
    { name: "refresh", args: ["refresh", "--yes"], ...sum("refresh", 2), passes: 2 },
    // What a drift-detection pipeline runs: no preview pass, one read per organisation.
    { name: "refresh skip-preview", args: ["refresh", "--yes", "--skip-preview"], ...sum("refresh") },
    { name: "destroy", args: ["destroy", "--yes"], ...sum("delete") },
  ];
  const wanted = new Set(commands.map((c) => COMMAND_OF_FLAG[c]));
  return all.filter((step) => wanted.has(step.name));
}

/** The user project with the packed package, the emulator, and a stack configured for both. */
async function setUpCliRun(
  setup: Pick<CliRun, "path" | "options" | "say" | "limit" | "root" | "keep"> & {
    authLimit: ReturnType<typeof scaledLimit>;
    scenario: BenchScenario;
    cli: PulumiCli;
  },
  session: CliBenchSession,
): Promise<CliRun> {
  const { options, say, limit, root, cli } = setup;
  say("packing the package and creating a user project that installs it (as pulumi new typescript lays it out) ...");
  const dir = path.join(root, "project");
  const plugin = setup.path === "plugin";
  const projectDir = await createUserProject({
    dir,
    name: CLI_PROJECT,
    program: readSource(plugin ? "cliPluginProgram.ts" : "cliProgram.ts"),
    files: { "declarations.ts": readSource("declarations.ts") },
    // The plugin as the installed package links it (node_modules/.bin/pulumi-resource-emnify).
    pulumiYamlExtra: plugin
      ? `plugins:\n  providers:\n    - name: emnify\n      path: ${path.join(dir, "node_modules", ".bin")}\n`
      : undefined,
  });
  const applicationToken = `bench-token-${randomBytes(12).toString("hex")}`;
  const emulator = await RemoteEmulator.forBench({
    accounts: [{ applicationToken, organisationId: 1 }],
    organisations: setup.scenario.organisations.map((o) => o.seed),
    latencyMs: options.latencyMs,
    limit,
    authLimit: setup.authLimit,
  });
  session.emulator = emulator;
  // Each command's processes get a temp and runtime directory of their own (private, as the
  // ledger requires), so the provider's machine-wide rate ledger starts empty as on a machine
  // where nothing else calls emnify.
  const tmp = path.join(root, "tmp");
  fs.mkdirSync(tmp, { mode: 0o700 });
  const runner = new PulumiRunner({
    cli,
    projectDir,
    backendDir: path.join(root, "backend"),
    passphrase: `bench-${randomBytes(8).toString("hex")}`,
    // Plugin download is off for every command (offlinePulumiEnv); the plugin path also ignores
    // plugins on PATH, so only Pulumi.yaml's path can supply pulumi-resource-emnify.
    env: { TMPDIR: tmp, XDG_RUNTIME_DIR: tmp, ...(plugin ? { PULUMI_IGNORE_AMBIENT_PLUGINS: "true" } : {}), ...engineSettings() },
  });
  const shardCount = options.shards;
  const stacks: CliStack[] =
    shardCount === undefined
      ? [{ name: CLI_STACK, organisations: setup.scenario.organisations, checkpoint: runner.checkpointFile(CLI_PROJECT, CLI_STACK) }]
      : Array.from({ length: shardCount }, (_, shard) => {
          const name = `${SHARD_STACK_PREFIX}${shard}`;
          // The program picks its organisations with the same public function (cliProgram.ts).
          const organisations = setup.scenario.organisations.filter((o) => defaultShard(o.id, shardCount) === shard);
          return { name, organisations, checkpoint: runner.checkpointFile(CLI_PROJECT, name) };
        });
  for (const [shard, stack] of stacks.entries()) {
    await runner.initStack(stack.name);
    const plain: Record<string, string> = {
      "emnify:endpoint": emulator.url,
      "emnify:rateLimit": limit.setting,
      "bench:organisations": String(options.orgs),
      "bench:firstOrgId": String(FIRST_ORG_ID),
      ...(shardCount === undefined ? {} : { "bench:shardCount": String(shardCount), "bench:shard": String(shard) }),
    };
    // One `pulumi config set-all` per stack: with 20 shards, a `config set` per key would cost minutes.
    await runner.run([
      "config",
      "set-all",
      "--stack",
      stack.name,
      ...Object.entries(plain).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]),
      "--secret",
      `emnify:applicationToken=${applicationToken}`,
    ]);
  }
  return { ...setup, emulator, projectDir, runner, stacks, seenRequests: 0, commands: [], agreement: [] };
}

/** Runs one command as a user would (after the rate window drained) and records what it cost. */
async function measureCommand(run: CliRun, step: CliStep): Promise<CliCommandResult> {
  const { emulator } = run;
  await steps.drainRateWindow(emulator, run.seenRequests, run.limit.windowSeconds);
  const firstIndex = await emulator.requestCount();
  const load0 = os.loadavg()[0];
  const t0 = performance.now();
  const startedAt = Date.now();
  const stopProgress = steps.progressLine(
    5000,
    async () =>
      `  ${step.name}: ${((performance.now() - t0) / 1000).toFixed(0)} s, ${steps.count(steps.callsIn(await emulator.requestsSince(firstIndex)))}/${steps.count(step.minimum)} calls`,
    run.say,
  );
  let ran: Ran;
  try {
    ran = await runCommand(run, step, t0, firstIndex);
  } finally {
    stopProgress();
  }
  const wallMs = performance.now() - t0;
  const endedAt = Date.now();
  const seen: LoggedRequest[] = await emulator.requestsSince(firstIndex);
  run.seenRequests = firstIndex + seen.length;
  const stopped = ran.stopped && { ...ran.stopped, exported: await exportAfterStop(run) };
  const command = commandResult(run, step, ran, stopped, seen, { wallMs, startedAt, endedAt, load0 });
  run.commands.push(command);
  sayCommand(run, command);
  const failed = ran.results.filter((r) => r.code !== 0);
  if (!ran.stopped && failed.length > 0)
    throw new Error(
      `${command.command} failed (exit ${failed[0].code}, ${failed.length} of ${ran.results.length} stacks):\n` +
        `${failed[0].stdout.slice(-4000)}\n${failed[0].stderr.slice(-4000)}`,
    );
  return command;
}

/** What running a command on every stack gave. */
interface Ran {
  /** One per stack, in run.stacks order. */
  results: PulumiResult[];
  /** One stack only: when the operation (after the preview) started. */
  previewMs?: number;
  processes: SampledProcess[];
  peaks: TreePeaks;
  /** Set when --stop-after-seconds stopped the command (the states' export is added after it). */
  stopped?: Omit<StoppedCommand, "exported">;
}

/**
 * Runs the command on every stack at once (one stack: just it), sampling all their process trees as
 * one, noting when the operation (after the preview) started, and, with --stop-after-seconds,
 * stopping whatever still runs then.
 */
async function runCommand(run: CliRun, step: CliStep, t0: number, firstIndex: number): Promise<Ran> {
  const sampler = new ProcessTreeSampler(undefined);
  sampler.start();
  const roots: number[] = [];
  let previewMs: number | undefined;
  let printed = "";
  const one = run.stacks.length === 1;
  // Set before the timer below can fire once the commands ended: a command that just finished is not stopped.
  let settled = false;
  const running = Promise.all(
    run.stacks.map((stack) =>
      run.runner.run([...step.args, "--stack", stack.name], {
        allowFailure: true,
        onSpawn: (pid) => {
          roots.push(pid);
          sampler.add(pid);
        },
        onStdout: (chunk) => {
          if (!one || previewMs !== undefined) return;
          printed += chunk;
          if (/^(Updating|Refreshing|Destroying) \(/m.test(printed)) previewMs = performance.now() - t0;
        },
      }),
    ),
  ).finally(() => (settled = true));
  const stopAfter = run.options.stopAfterSeconds;
  let stopping: Promise<Omit<StoppedCommand, "exported">> | undefined;
  const timer =
    stopAfter === undefined
      ? undefined
      : setTimeout(() => {
          if (!settled) stopping = stopCommand(run, sampler, roots, running, firstIndex);
        }, stopAfter * 1000);
  let results: PulumiResult[];
  try {
    results = await running;
  } finally {
    clearTimeout(timer);
  }
  const stopped = stopping === undefined ? undefined : await stopping;
  return { results, previewMs, peaks: sampler.peaks(), processes: sampler.stop(), stopped };
}

/**
 * --stop-after-seconds: SIGINT to each `pulumi` still running (the engine finishes the steps in
 * flight and writes its checkpoint, as on Ctrl-C), SIGKILL to whatever of their trees still runs
 * after STOP_GRACE_MS. Records the calls and engine CPU at the SIGINT.
 */
async function stopCommand(
  run: CliRun,
  sampler: ProcessTreeSampler,
  roots: readonly number[],
  running: Promise<unknown>,
  firstIndex: number,
): Promise<Omit<StoppedCommand, "exported">> {
  const afterSeconds = run.options.stopAfterSeconds!;
  const signalledAt = performance.now();
  // Read the trees before signalling: a plugin that outlives the engine is re-parented and no longer found below it.
  const trees: TreeProcess[] = roots.flatMap((root) => processTree(root));
  signalEach(
    trees.filter((p) => roots.includes(p.pid)),
    "SIGINT",
  );
  sampler.tick();
  const engineCpuAtStopMs = sampler
    .processes()
    .filter((p) => p.role === "engine")
    .reduce((sum, p) => sum + p.cpuMs, 0);
  const callsAtStop = steps.callsIn(await run.emulator.requestsSince(firstIndex));
  run.say(
    `  stopping after ${afterSeconds} s: SIGINT to ${roots.length} pulumi process(es), ${steps.count(callsAtStop)} calls made so far`,
  );
  let killed = false;
  const grace = setTimeout(() => {
    killed = true;
    run.say(`  still running ${STOP_GRACE_MS / 1000} s after the SIGINT: SIGKILL`);
    signalEach([...trees, ...roots.flatMap((root) => processTree(root))], "SIGKILL");
  }, STOP_GRACE_MS);
  await running;
  clearTimeout(grace);
  const windDownMs = performance.now() - signalledAt;
  // No process of the stopped commands outlives the run.
  const leftovers = signalEach(trees, "SIGKILL");
  await waitGone(leftovers, 10_000);
  return {
    afterSeconds,
    signals: killed ? "SIGINT, then SIGKILL" : "SIGINT",
    callsAtStop,
    engineCpuAtStopMs,
    windDownMs,
  };
}

/** `pulumi stack export` of one stack, parsed, and its organisations (the path's resource type). */
async function exportStack(
  run: CliRun,
  stack: CliStack,
  showSecrets: boolean,
): Promise<{ state: StackExport; organisations: StateResource[] }> {
  const result = await run.runner.run(["stack", "export", ...(showSecrets ? ["--show-secrets"] : []), "--stack", stack.name]);
  const state = JSON.parse(result.stdout) as StackExport;
  return { state, organisations: (state.deployment.resources ?? []).filter((r) => r.type === billingTypeOf(run.path)) };
}

/** After a stop: whether each stack's state still exports and parses, its organisations and pending operations. */
async function exportAfterStop(run: CliRun): Promise<StoppedCommand["exported"]> {
  const exported: StoppedCommand["exported"] = { parsed: 0, of: run.stacks.length, organisations: 0, pendingOperations: 0, errors: [] };
  for (const stack of run.stacks) {
    try {
      const { state, organisations } = await exportStack(run, stack, false);
      exported.parsed += 1;
      exported.organisations += organisations.length;
      exported.pendingOperations += state.deployment.pending_operations?.length ?? 0;
    } catch (error) {
      exported.errors.push(`${stack.name}: ${(error as Error).message.slice(0, 500)}`);
    }
  }
  run.say(
    `  after the stop: ${exported.parsed}/${exported.of} states export and parse, ${steps.count(exported.organisations)} organisations in them, ` +
      `${exported.pendingOperations} pending operations`,
  );
  return exported;
}

/** Each provider process authenticates once before its first call: authentications split the log into passes. */
function passesOf(seen: LoggedRequest[]): { calls: number; authenticate: number }[] {
  const split: { calls: number; authenticate: number }[] = [];
  for (const r of seen) {
    if (r.path === AUTHENTICATE_PATH) split.push({ calls: 0, authenticate: 1 });
    else if (split.length === 0) split.push({ calls: 1, authenticate: 0 });
    else split.at(-1)!.calls += 1;
  }
  return split;
}

/** A stack's checkpoint after a command (kept with the process samples when PULUMI_EMNIFY_KEEP_TEMP=1). */
function readCheckpoint(
  run: CliRun,
  stack: CliStack,
  name: CliCommandName,
  processes: SampledProcess[],
): { text: string; resources: StateResource[] } {
  const text = fs.existsSync(stack.checkpoint) ? fs.readFileSync(stack.checkpoint, "utf8") : "";
  if (run.keep) {
    const suffix = `${name.replace(/ /g, "-")}${run.stacks.length > 1 ? `-${stack.name}` : ""}`;
    fs.writeFileSync(path.join(run.root, `state-after-${suffix}.json`), text);
    if (stack === run.stacks[0])
      fs.writeFileSync(path.join(run.root, `processes-${name.replace(/ /g, "-")}.json`), JSON.stringify(processes, null, 1));
  }
  const state = text ? (JSON.parse(text) as { checkpoint?: { latest?: { resources?: StateResource[] } } }) : {};
  return { text, resources: state.checkpoint?.latest?.resources ?? [] };
}

function commandResult(
  run: CliRun,
  step: CliStep,
  ran: Ran,
  stopped: StoppedCommand | undefined,
  seen: LoggedRequest[],
  time: { wallMs: number; startedAt: number; endedAt: number; load0: number },
): CliCommandResult {
  const { latencyMs } = run.options;
  const stats = steps.requestStats(seen, latencyMs);
  const byMethod: Record<string, number> = {};
  for (const r of stats.api) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
  const states = run.stacks.map((stack) => readCheckpoint(run, stack, step.name, ran.processes));
  const stateBytes = states.map((state) => Buffer.byteLength(state.text));
  const lastAnswer = seen.length === 0 ? undefined : Math.max(...seen.map((r) => r.at)) + latencyMs;
  const one = run.stacks.length === 1;
  return {
    name: step.name,
    command: `pulumi ${step.args.join(" ")}`,
    calls: stats.api.length,
    minimum: step.minimum,
    byMethod,
    authenticate: stats.authenticate,
    minimumAuthenticate: step.minimumAuthenticate,
    // With several stacks at once, authentications no longer split the log into passes.
    passes: one && (step.passes ?? 1) > 1 ? passesOf(seen) : undefined,
    throttled: stats.throttled,
    apiErrors: stats.apiErrors,
    code: ran.results.find((r) => r.code !== 0)?.code ?? 0,
    wallMs: time.wallMs,
    floorMs: (step.minimum / run.limit.perSecond) * 1000,
    rateBound: step.minimum > 0,
    previewMs: ran.previewMs,
    beforeFirstCallMs: seen.length === 0 ? undefined : seen[0].at - time.startedAt,
    afterLastAnswerMs: lastAnswer === undefined ? undefined : Math.max(0, time.endedAt - lastAnswer),
    apiSpanMs: stats.apiSpanMs,
    stateBytes: stateBytes.reduce((a, b) => a + b, 0),
    stateResources: states.reduce((sum, state) => sum + state.resources.filter((r) => r.type === billingTypeOf(run.path)).length, 0),
    stacks: run.stacks.length,
    largestStateBytes: Math.max(0, ...stateBytes),
    peakRssTogether: ran.peaks.together,
    peakRssLargestStack: Math.max(0, ...ran.peaks.perRoot),
    stopped,
    providerBytes: run.path === "dynamic" ? steps.providerBytes(states[0].resources.map((r) => r.outputs)) : undefined,
    roles: byRole(ran.processes),
    processes: ran.processes,
    load: [time.load0, os.loadavg()[0]],
    summary: one
      ? summaryOf(ran.results[0])
      : ran.results.map((result, i) => `${run.stacks[i].name}: ${summaryOf(result).replace(/\s+/g, " ")}`).join("\n"),
  };
}

function sayCommand(run: CliRun, command: CliCommandResult): void {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  run.say(
    `${command.command}: exit ${command.code}, ${steps.count(command.calls)} calls (minimum ${steps.count(command.minimum)}), ${command.authenticate} authenticate ` +
      `(minimum ${command.minimumAuthenticate}), ${command.throttled} × 429, ${seconds(command.wallMs)} s` +
      (command.rateBound ? ` (floor ${seconds(command.floorMs)} s, ${(command.wallMs / command.floorMs).toFixed(2)}×)` : "") +
      `, state ${steps.count(command.stateBytes)} B` +
      (command.stacks > 1 ? ` over ${command.stacks} stacks (largest ${steps.count(command.largestStateBytes)} B)` : "") +
      (command.previewMs === undefined ? "" : `; operation started at ${seconds(command.previewMs)} s`) +
      `; ${command.roles.map((r) => `${r.role} ${(r.cpuMs / 1000).toFixed(1)} s CPU`).join(", ")}` +
      `; peak RSS ${(command.peakRssTogether / 1024 / 1024).toFixed(0)} MB` +
      (command.stacks > 1 ? ` together (largest stack ${(command.peakRssLargestStack / 1024 / 1024).toFixed(0)} MB)` : "") +
      (command.stopped
        ? `; STOPPED after ${command.stopped.afterSeconds} s (${command.stopped.signals}): ${steps.count(command.stopped.callsAtStop)} calls and ` +
          `${(command.stopped.engineCpuAtStopMs / 1000).toFixed(1)} s engine CPU at the SIGINT, ${steps.count(command.stateResources)} organisations in the checkpoint`
        : ""),
  );
}

/** The independent read after a command: how many resources' state (every stack's) equals what the emulator holds. */
async function compareState(run: CliRun, after: CliCommandName): Promise<void> {
  const resources: StateResource[] = [];
  for (const stack of run.stacks) resources.push(...(await exportStack(run, stack, true)).organisations);
  const { agree, differing } = await steps.stateAgreement(
    run.emulator,
    resources.map((r) => ({ id: String(r.id), outputs: reveal(r.outputs ?? {}) as Record<string, unknown> })),
  );
  const orgs = run.options.orgs;
  // An organisation declared by two stacks, or by none, shows as a difference.
  const ids = new Set(resources.map((r) => String(r.id)));
  if (ids.size !== resources.length) differing["declared by more than one stack"] = resources.length - ids.size;
  const counted = ids.size === resources.length ? agree : Math.min(agree, ids.size);
  run.agreement.push({ after, agree: counted, of: orgs, differing });
  run.say(
    `  state = emulator for ${steps.count(counted)}/${steps.count(orgs)} after ${after}` +
      (counted === orgs ? "" : ` (${JSON.stringify(differing)})`),
  );
}
