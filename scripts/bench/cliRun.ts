/**
 * `npm run bench -- --engine pulumi`: N organisations through the real `pulumi` CLI, each command
 * run as a user runs it, against the bundled emulator (in a worker thread, with latency and the
 * scaled rate limit) — `pulumi up --yes` (adoption), `pulumi up --yes` again (no changes),
 * `pulumi refresh --yes`, `pulumi destroy --yes`.
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
import type { ApiBillingConfig } from "pulumi-emnify/emulator";
import { repoRoot } from "../../tools/repoRoot";
import { type PulumiCli, describe as describeCli, ensurePulumiCli } from "../../tools/pulumi-cli/locate";
import { type PulumiResult, PulumiRunner, type StateResource } from "../../tools/pulumi-cli/pulumiRunner";
import { createUserProject } from "../../tools/pulumi-cli/userProject";
import { FIELDS, apiView, differences, stateView } from "../../tools/soak/model";
import { type BenchOptions, EMNIFY_AUTH_LIMIT, EMNIFY_LIMIT, scaledLimit } from "./options";
import { ProcessTreeSampler, type RoleUsage, type SampledProcess, byRole } from "./procTree";
import { type LoggedRequest, RemoteEmulator } from "./remoteEmulator";
import { type BenchScenario, buildScenario } from "./scenario";
import { FIRST_ORG_ID } from "./declarations";
import { AUTHENTICATE_PATH, BILLING_CONFIG_TYPE } from "../../tools/apiCalls";

export const CLI_PROJECT = "emnify-bench";
export const CLI_STACK = "bench";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

export type CliCommandName = "up" | "up again" | "refresh" | "destroy";

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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const count = (n: number) => n.toLocaleString("en-US");

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

export async function runCliBench(
  options: BenchOptions,
  session: CliBenchSession,
  say: (line: string) => void,
  /** verifyState: compare the state with the emulator after up and refresh (a `pulumi stack export` each). */
  { verifyState = true }: { verifyState?: boolean } = {},
): Promise<CliBenchResult> {
  const started = performance.now();
  const limit = scaledLimit(EMNIFY_LIMIT, options);
  const authLimit = scaledLimit(EMNIFY_AUTH_LIMIT, options);
  const scenario = buildScenario(options.orgs, FIRST_ORG_ID);
  say(
    `${count(options.orgs)} organisations through the real pulumi CLI (${count(scenario.counts.differing)} differ from the declaration, ` +
      `${count(scenario.counts.matching)} already match, ${count(scenario.counts.restoring)} with restoreOnDelete), latency ${options.latencyMs} ms, ` +
      `rate limit ${limit.setting} (${limit.perSecond.toFixed(1)}/s = ${options.rateScale} × emnify's 2,000 per 300 s)`,
  );

  const cli = ensurePulumiCli((line) => say(`pulumi-cli: ${line}`));
  say(describeCli(cli));

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-cli-bench-"));
  const keep = process.env.PULUMI_EMNIFY_KEEP_TEMP === "1";
  try {
    say("packing the package and creating a user project that installs it (as pulumi new typescript lays it out) ...");
    const projectDir = await createUserProject({
      dir: path.join(root, "project"),
      name: CLI_PROJECT,
      program: readSource("cliProgram.ts"),
      files: { "declarations.ts": readSource("declarations.ts") },
    });

    const applicationToken = `bench-token-${randomBytes(12).toString("hex")}`;
    const emulator = await RemoteEmulator.forBench({
      accounts: [{ applicationToken, organisationId: 1 }],
      organisations: scenario.organisations.map((o) => o.seed),
      latencyMs: options.latencyMs,
      limit,
      authLimit,
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
      env: { TMPDIR: tmp, XDG_RUNTIME_DIR: tmp, ...engineSettings() },
    });
    await runner.initStack(CLI_STACK);
    await runner.setConfig(CLI_STACK, "emnify:endpoint", emulator.url);
    await runner.setConfig(CLI_STACK, "emnify:applicationToken", applicationToken, { secret: true });
    await runner.setConfig(CLI_STACK, "emnify:rateLimit", limit.setting);
    await runner.setConfig(CLI_STACK, "bench:organisations", String(options.orgs));
    await runner.setConfig(CLI_STACK, "bench:firstOrgId", String(FIRST_ORG_ID));
    const setupMs = performance.now() - started;
    say(`emulator ${emulator.url}; project ${projectDir}; set up in ${(setupMs / 1000).toFixed(1)} s`);

    const checkpoint = runner.checkpointFile(CLI_PROJECT, CLI_STACK);
    let seenRequests = 0;
    /** Waits until the last request has left the rate window, so the next command starts clean. */
    const drain = async () => {
      const last = (await emulator.requestsSince(Math.max(0, seenRequests - 1))).at(-1)?.at;
      if (last !== undefined) await sleep(Math.max(0, last + limit.windowSeconds * 1000 + 50 - Date.now()));
    };

    const commands: CliCommandResult[] = [];
    const measure = async (
      name: CliCommandName,
      args: string[],
      minimum: number,
      minimumAuthenticate: number,
      passes = 1,
    ): Promise<CliCommandResult> => {
      await drain();
      const firstIndex = await emulator.requestCount();
      const load0 = os.loadavg()[0];
      let sampler: ProcessTreeSampler | undefined;
      const t0 = performance.now();
      const startedAt = Date.now();
      const progress = setInterval(() => {
        // A progress line is best effort: a failed read of the request log is skipped.
        void (async () => {
          const seen = await emulator.requestsSince(firstIndex);
          say(
            `  ${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s, ${count(seen.filter((r) => r.path !== AUTHENTICATE_PATH).length)}/${count(minimum)} calls`,
          );
        })().catch(() => undefined);
      }, 5000);
      let result: PulumiResult;
      let previewMs: number | undefined;
      let printed = "";
      try {
        result = await runner.run([...args, "--stack", CLI_STACK], {
          allowFailure: true,
          onSpawn: (pid) => (sampler = new ProcessTreeSampler(pid).start()),
          onStdout: (chunk) => {
            if (previewMs !== undefined) return;
            printed += chunk;
            if (/^(Updating|Refreshing|Destroying) \(/m.test(printed)) previewMs = performance.now() - t0;
          },
        });
      } finally {
        clearInterval(progress);
      }
      const wallMs = performance.now() - t0;
      const endedAt = Date.now();
      const processes = sampler?.stop() ?? [];
      const seen: LoggedRequest[] = await emulator.requestsSince(firstIndex);
      seenRequests = firstIndex + seen.length;
      const api = seen.filter((r) => r.path !== AUTHENTICATE_PATH);
      const byMethod: Record<string, number> = {};
      for (const r of api) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
      // Each provider process authenticates once before its first call: authentications split the log into passes.
      const split: { calls: number; authenticate: number }[] = [];
      for (const r of seen) {
        if (r.path === AUTHENTICATE_PATH) split.push({ calls: 0, authenticate: 1 });
        else if (split.length === 0) split.push({ calls: 1, authenticate: 0 });
        else split.at(-1)!.calls += 1;
      }
      const stateText = fs.existsSync(checkpoint) ? fs.readFileSync(checkpoint, "utf8") : "";
      if (keep) {
        fs.writeFileSync(path.join(root, `state-after-${name.replace(/ /g, "-")}.json`), stateText);
        fs.writeFileSync(path.join(root, `processes-${name.replace(/ /g, "-")}.json`), JSON.stringify(processes, null, 1));
      }
      const state = stateText ? (JSON.parse(stateText) as { checkpoint?: { latest?: { resources?: StateResource[] } } }) : {};
      const resources = state.checkpoint?.latest?.resources ?? [];
      const providerText = resources.map((r) => r.outputs?.__provider).find((p): p is string => typeof p === "string");
      const command: CliCommandResult = {
        name,
        command: `pulumi ${args.join(" ")}`,
        calls: api.length,
        minimum,
        byMethod,
        authenticate: seen.length - api.length,
        minimumAuthenticate,
        passes: passes > 1 ? split : undefined,
        throttled: seen.filter((r) => r.status === 429).length,
        apiErrors: seen.filter((r) => r.status !== 429 && (r.status < 200 || r.status >= 300)).length,
        code: result.code,
        wallMs,
        floorMs: (minimum / limit.perSecond) * 1000,
        rateBound: minimum > 0,
        previewMs,
        beforeFirstCallMs: seen.length === 0 ? undefined : seen[0].at - startedAt,
        afterLastAnswerMs: seen.length === 0 ? undefined : Math.max(0, endedAt - (Math.max(...seen.map((r) => r.at)) + options.latencyMs)),
        apiSpanMs: seen.length === 0 ? 0 : Math.max(...seen.map((r) => r.at)) - seen[0].at + options.latencyMs,
        stateBytes: Buffer.byteLength(stateText),
        stateResources: resources.filter((r) => r.type === BILLING_CONFIG_TYPE).length,
        providerBytes: providerText === undefined ? undefined : Buffer.byteLength(providerText),
        roles: byRole(processes),
        processes,
        load: [load0, os.loadavg()[0]],
        summary: summaryOf(result),
      };
      commands.push(command);
      say(
        `${command.command}: exit ${result.code}, ${count(command.calls)} calls (minimum ${count(minimum)}), ${command.authenticate} authenticate ` +
          `(minimum ${minimumAuthenticate}), ${command.throttled} × 429, ${(wallMs / 1000).toFixed(1)} s` +
          (command.rateBound ? ` (floor ${(command.floorMs / 1000).toFixed(1)} s, ${(wallMs / command.floorMs).toFixed(2)}×)` : "") +
          `, state ${count(command.stateBytes)} B` +
          (previewMs === undefined ? "" : `; operation started at ${(previewMs / 1000).toFixed(1)} s`) +
          `; ${command.roles.map((r) => `${r.role} ${(r.cpuMs / 1000).toFixed(1)} s CPU`).join(", ")}`,
      );
      if (result.code !== 0)
        throw new Error(`${command.command} failed (exit ${result.code}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
      return command;
    };

    /** The independent read: how many resources' state equals what the emulator holds. */
    const agreement: CliBenchResult["agreement"] = [];
    const compare = async (after: CliCommandName) => {
      if (!verifyState) return;
      const exported = await runner.run(["stack", "export", "--show-secrets", "--stack", CLI_STACK]);
      const resources = (
        (JSON.parse(exported.stdout) as { deployment: { resources?: StateResource[] } }).deployment.resources ?? []
      ).filter((r) => r.type === BILLING_CONFIG_TYPE);
      const configs = await emulator.billingConfigs(resources.map((r) => Number(r.id)));
      let agree = 0;
      const differing: Record<string, number> = {};
      for (const [i, resource] of resources.entries()) {
        const api = configs[i];
        const fields = api
          ? differences(stateView(reveal(resource.outputs ?? {}) as Record<string, unknown>), apiView(api))
          : ["organisation missing"];
        if (fields.length === 0) agree += 1;
        for (const field of fields) differing[field] = (differing[field] ?? 0) + 1;
      }
      agreement.push({ after, agree, of: options.orgs, differing });
      say(
        `  state = emulator for ${count(agree)}/${count(options.orgs)} after ${after}` +
          (agree === options.orgs ? "" : ` (${JSON.stringify(differing)})`),
      );
    };

    const { minimum } = scenario;
    await measure("up", ["up", "--yes"], minimum.create, minimum.create > 0 ? 1 : 0);
    await compare("up");
    await measure("up again", ["up", "--yes"], 0, 0);
    // The preview pass reads every organisation in a provider process of its own, then the refresh reads again.
    await measure("refresh", ["refresh", "--yes"], 2 * minimum.refresh, minimum.refresh > 0 ? 2 : 0, 2);
    await compare("refresh");
    await measure("destroy", ["destroy", "--yes"], minimum.delete, minimum.delete > 0 ? 1 : 0);

    const restoring = scenario.organisations.filter((o) => o.declared.args.restoreOnDelete === true);
    const after = await emulator.billingConfigs(restoring.map((o) => o.id));
    const declaredFields = (args: Record<string, unknown>) => FIELDS.filter((f) => args[f] !== undefined);
    const restored = {
      of: restoring.length,
      ok: restoring.filter((o, i) => {
        const now = after[i];
        const was = apiView(o.seed.billingConfig as ApiBillingConfig);
        return now !== null && now !== undefined && declaredFields(o.declared.args).every((f) => apiView(now)[f] === was[f]);
      }).length,
    };
    say(`  restoreOnDelete: ${restored.ok}/${restored.of} organisations hold their original values again`);

    return {
      options,
      limit,
      authLimit,
      scenario,
      cli: { version: cli.version, source: cli.source },
      engineSettings: engineSettings(),
      commands,
      agreement,
      restored,
      setupMs,
      totalMs: performance.now() - started,
    };
  } finally {
    await session.emulator?.stop().catch(() => undefined);
    if (!keep) fs.rmSync(root, { recursive: true, force: true });
  }
}
