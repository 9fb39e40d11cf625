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
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { repoRoot } from "../../tools/repoRoot";
import { type PulumiCli, describe as describeCli, ensurePulumiCli } from "../../tools/pulumi-cli/locate";
import { type PulumiResult, PulumiRunner, type StateResource } from "../../tools/pulumi-cli/pulumiRunner";
import { createUserProject } from "../../tools/pulumi-cli/userProject";
import { type BenchOptions, CLI_PATHS, type CliPath, EMNIFY_AUTH_LIMIT, EMNIFY_LIMIT, scaledLimit } from "./options";
import { ProcessTreeSampler, type RoleUsage, type SampledProcess, byRole } from "./procTree";
import { type LoggedRequest, RemoteEmulator } from "./remoteEmulator";
import { type BenchScenario, buildScenario } from "./scenario";
import { FIRST_ORG_ID } from "./declarations";
import * as steps from "./phaseSteps";
import { AUTHENTICATE_PATH, BILLING_CONFIG_TYPE } from "../../tools/apiCalls";

export const CLI_PROJECT = "emnify-bench";
export const CLI_STACK = "bench";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The provider plugin's resource type (the dynamic resource's is BILLING_CONFIG_TYPE). */
export const PLUGIN_BILLING_CONFIG_TYPE = "emnify:index:BillingConfig";

/** The resource type each path's organisations have in the state. */
export function billingTypeOf(cliPath: CliPath): string {
  return cliPath === "plugin" ? PLUGIN_BILLING_CONFIG_TYPE : BILLING_CONFIG_TYPE;
}

export type CliCommandName = "up" | "up again" | "refresh" | "refresh skip-preview" | "destroy";

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
  /** The checkpoint's size after the command (file backend), and the resources in it. */
  stateBytes: number;
  stateResources: number;
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
  /** Organisations with restoreOnDelete whose adopted originals are back after destroy. */
  restored: { ok: number; of: number };
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

/** What every step of a real-CLI run shares. */
interface CliRun extends steps.RunBase {
  path: CliPath;
  root: string;
  keep: boolean;
  runner: PulumiRunner;
  checkpoint: string;
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
    for (const step of cliSteps(scenario)) {
      await measureCommand(run, step);
      if (verifyState && (step.name === "up" || step.name === "refresh")) await compareState(run, step.name);
    }
    const restored = await steps.restoredOriginals(run.emulator, scenario.organisations, (o) => o.declared.args);
    say(`  restoreOnDelete: ${restored.ok}/${restored.of} organisations hold their original values again`);
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

/** up (adoption), up again (no changes), refresh (a preview pass and the refresh), refresh without the preview, destroy. */
function cliSteps({ minimum }: BenchScenario): CliStep[] {
  return [
    { name: "up", args: ["up", "--yes"], minimum: minimum.create, minimumAuthenticate: minimum.create > 0 ? 1 : 0 },
    { name: "up again", args: ["up", "--yes"], minimum: 0, minimumAuthenticate: 0 },
    // The preview pass reads every organisation in a provider process of its own, then the refresh reads again.
    {
      name: "refresh",
      args: ["refresh", "--yes"],
      minimum: 2 * minimum.refresh,
      minimumAuthenticate: minimum.refresh > 0 ? 2 : 0,
      passes: 2,
    },
    // What a drift-detection pipeline runs: no preview pass, one read per organisation.
    {
      name: "refresh skip-preview",
      args: ["refresh", "--yes", "--skip-preview"],
      minimum: minimum.refresh,
      minimumAuthenticate: minimum.refresh > 0 ? 1 : 0,
    },
    { name: "destroy", args: ["destroy", "--yes"], minimum: minimum.delete, minimumAuthenticate: minimum.delete > 0 ? 1 : 0 },
  ];
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
  await runner.initStack(CLI_STACK);
  await runner.setConfig(CLI_STACK, "emnify:endpoint", emulator.url);
  await runner.setConfig(CLI_STACK, "emnify:applicationToken", applicationToken, { secret: true });
  await runner.setConfig(CLI_STACK, "emnify:rateLimit", limit.setting);
  await runner.setConfig(CLI_STACK, "bench:organisations", String(options.orgs));
  await runner.setConfig(CLI_STACK, "bench:firstOrgId", String(FIRST_ORG_ID));
  const checkpoint = runner.checkpointFile(CLI_PROJECT, CLI_STACK);
  return { ...setup, emulator, projectDir, runner, checkpoint, seenRequests: 0, commands: [], agreement: [] };
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
  let ran: Awaited<ReturnType<typeof runCommand>>;
  try {
    ran = await runCommand(run, step, t0);
  } finally {
    stopProgress();
  }
  const wallMs = performance.now() - t0;
  const endedAt = Date.now();
  const seen: LoggedRequest[] = await emulator.requestsSince(firstIndex);
  run.seenRequests = firstIndex + seen.length;
  const command = commandResult(run, step, ran, seen, { wallMs, startedAt, endedAt, load0 });
  run.commands.push(command);
  sayCommand(run, command);
  if (ran.result.code !== 0)
    throw new Error(
      `${command.command} failed (exit ${ran.result.code}):\n${ran.result.stdout.slice(-4000)}\n${ran.result.stderr.slice(-4000)}`,
    );
  return command;
}

/** Runs the command, sampling its process tree and noting when the operation (after the preview) started. */
async function runCommand(
  run: CliRun,
  step: CliStep,
  t0: number,
): Promise<{ result: PulumiResult; previewMs?: number; processes: SampledProcess[] }> {
  let sampler: ProcessTreeSampler | undefined;
  let previewMs: number | undefined;
  let printed = "";
  const result = await run.runner.run([...step.args, "--stack", CLI_STACK], {
    allowFailure: true,
    onSpawn: (pid) => (sampler = new ProcessTreeSampler(pid).start()),
    onStdout: (chunk) => {
      if (previewMs !== undefined) return;
      printed += chunk;
      if (/^(Updating|Refreshing|Destroying) \(/m.test(printed)) previewMs = performance.now() - t0;
    },
  });
  return { result, previewMs, processes: sampler?.stop() ?? [] };
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

/** The checkpoint after a command (kept with the process samples when PULUMI_EMNIFY_KEEP_TEMP=1). */
function readCheckpoint(run: CliRun, name: CliCommandName, processes: SampledProcess[]): { text: string; resources: StateResource[] } {
  const text = fs.existsSync(run.checkpoint) ? fs.readFileSync(run.checkpoint, "utf8") : "";
  if (run.keep) {
    fs.writeFileSync(path.join(run.root, `state-after-${name.replace(/ /g, "-")}.json`), text);
    fs.writeFileSync(path.join(run.root, `processes-${name.replace(/ /g, "-")}.json`), JSON.stringify(processes, null, 1));
  }
  const state = text ? (JSON.parse(text) as { checkpoint?: { latest?: { resources?: StateResource[] } } }) : {};
  return { text, resources: state.checkpoint?.latest?.resources ?? [] };
}

function commandResult(
  run: CliRun,
  step: CliStep,
  ran: { result: PulumiResult; previewMs?: number; processes: SampledProcess[] },
  seen: LoggedRequest[],
  time: { wallMs: number; startedAt: number; endedAt: number; load0: number },
): CliCommandResult {
  const { latencyMs } = run.options;
  const stats = steps.requestStats(seen, latencyMs);
  const byMethod: Record<string, number> = {};
  for (const r of stats.api) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
  const state = readCheckpoint(run, step.name, ran.processes);
  const lastAnswer = seen.length === 0 ? undefined : Math.max(...seen.map((r) => r.at)) + latencyMs;
  return {
    name: step.name,
    command: `pulumi ${step.args.join(" ")}`,
    calls: stats.api.length,
    minimum: step.minimum,
    byMethod,
    authenticate: stats.authenticate,
    minimumAuthenticate: step.minimumAuthenticate,
    passes: (step.passes ?? 1) > 1 ? passesOf(seen) : undefined,
    throttled: stats.throttled,
    apiErrors: stats.apiErrors,
    code: ran.result.code,
    wallMs: time.wallMs,
    floorMs: (step.minimum / run.limit.perSecond) * 1000,
    rateBound: step.minimum > 0,
    previewMs: ran.previewMs,
    beforeFirstCallMs: seen.length === 0 ? undefined : seen[0].at - time.startedAt,
    afterLastAnswerMs: lastAnswer === undefined ? undefined : Math.max(0, time.endedAt - lastAnswer),
    apiSpanMs: stats.apiSpanMs,
    stateBytes: Buffer.byteLength(state.text),
    stateResources: state.resources.filter((r) => r.type === billingTypeOf(run.path)).length,
    providerBytes: run.path === "dynamic" ? steps.providerBytes(state.resources.map((r) => r.outputs)) : undefined,
    roles: byRole(ran.processes),
    processes: ran.processes,
    load: [time.load0, os.loadavg()[0]],
    summary: summaryOf(ran.result),
  };
}

function sayCommand(run: CliRun, command: CliCommandResult): void {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  run.say(
    `${command.command}: exit ${command.code}, ${steps.count(command.calls)} calls (minimum ${steps.count(command.minimum)}), ${command.authenticate} authenticate ` +
      `(minimum ${command.minimumAuthenticate}), ${command.throttled} × 429, ${seconds(command.wallMs)} s` +
      (command.rateBound ? ` (floor ${seconds(command.floorMs)} s, ${(command.wallMs / command.floorMs).toFixed(2)}×)` : "") +
      `, state ${steps.count(command.stateBytes)} B` +
      (command.previewMs === undefined ? "" : `; operation started at ${seconds(command.previewMs)} s`) +
      `; ${command.roles.map((r) => `${r.role} ${(r.cpuMs / 1000).toFixed(1)} s CPU`).join(", ")}`,
  );
}

/** The independent read after a command: how many resources' state equals what the emulator holds. */
async function compareState(run: CliRun, after: CliCommandName): Promise<void> {
  const exported = await run.runner.run(["stack", "export", "--show-secrets", "--stack", CLI_STACK]);
  const resources = ((JSON.parse(exported.stdout) as { deployment: { resources?: StateResource[] } }).deployment.resources ?? []).filter(
    (r) => r.type === billingTypeOf(run.path),
  );
  const { agree, differing } = await steps.stateAgreement(
    run.emulator,
    resources.map((r) => ({ id: String(r.id), outputs: reveal(r.outputs ?? {}) as Record<string, unknown> })),
  );
  const orgs = run.options.orgs;
  run.agreement.push({ after, agree, of: orgs, differing });
  run.say(
    `  state = emulator for ${steps.count(agree)}/${steps.count(orgs)} after ${after}` +
      (agree === orgs ? "" : ` (${JSON.stringify(differing)})`),
  );
}
