/**
 * The kill soak through the real `pulumi` CLI: many runs, each a random command (an `up` that
 * adopts, an update, a replacement by `orgId`, a rename with or without aliases, a `destroy`) on one
 * stack of the real-CLI suite's lifecycle program, against the emulator with random faults (5xx,
 * connection resets, 429s, latency). Most runs are killed at a random request by one of: SIGKILL of
 * the whole process tree, of the engine alone, of the provider host alone, or SIGINT; then the
 * recovery the README documents (tools/pulumi-cli/killRecovery.ts), and the invariants:
 * - after a recovered `up`: the API holds the declared values, `up --expect-no-changes` and
 *   `refresh --expect-no-changes` pass, nothing is left pending;
 * - after a recovered `destroy`: every `restoreOnDelete` organisation holds the values it had
 *   before Pulumi, every organisation never declared holds its seed, every other one is as it was
 *   before the `destroy`;
 * - no credential in any CLI output or backend file.
 *
 * Two paths (`path`): the dynamic resource (the suite's lifecycle program), or the provider plugin
 * (`emnify:index:BillingConfig` through `pulumi-emnify/plugin`, run by `pulumi-resource-emnify`,
 * with an `emnify:index:BillingOriginals` named `org-<orgId>` for every `restoreOnDelete`
 * organisation, its `originals` passed in, as the README asks). "provider host alone" is then the
 * plugin's process. After a recovered `destroy`, neither the path's `BillingConfig`s nor its
 * records of originals are left in the state.
 *
 * Seeded: the commands, declarations, kill kinds and kill moments are a function of the seed, and
 * the emulator's fault draws too; which request a fault hits also depends on the order in which
 * concurrent requests arrive.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { EmnifyEmulator, type ApiBillingConfig, type SeedOrganisation } from "../../provider/emulator";
import { JWT_PATTERN } from "../secretLedger";
import { repoRoot } from "../repoRoot";
import { type PulumiCli, ensurePulumiCli } from "../pulumi-cli/locate";
import { type PulumiResult, PulumiRunner } from "../pulumi-cli/pulumiRunner";
import { createUserProject, pathWithPlugin } from "../pulumi-cli/userProject";
import { RequestGate, anyRequest } from "../pulumi-cli/requestGate";
import { KILL_KINDS, type KillKind, runAndKill } from "../pulumi-cli/killRun";
import {
  type CallCount,
  type KillTarget,
  differencesFrom,
  differencesFromDeclared,
  exportState,
  filesUnder,
  lockFiles,
  pendingOperations,
  removeEmptyAttrs,
  recover,
  step,
} from "../pulumi-cli/killRecovery";
import {
  DYNAMIC_BILLING_CONFIG,
  DYNAMIC_BILLING_ORIGINALS,
  PLUGIN_BILLING_CONFIG,
  PLUGIN_BILLING_ORIGINALS,
} from "../../provider/resource/typeTokens";
import { Random } from "./random";

export type SoakCommand = "adopt" | "update" | "replace" | "rename" | "rename with aliases" | "destroy";
const COMMANDS: ReadonlyArray<readonly [SoakCommand, number]> = [
  ["adopt", 3],
  ["update", 3],
  ["replace", 2],
  ["rename", 1],
  ["rename with aliases", 1],
  ["destroy", 2],
];

/** Which resource the soak's program declares. */
export type CliSoakPath = "dynamic" | "plugin";
export const CLI_SOAK_PATHS: readonly CliSoakPath[] = ["dynamic", "plugin"];

interface PathSetup {
  /** The program a user writes, read as text (the one the real-CLI suite runs). */
  program: string;
  /** The provider plugin: found on PATH, and the program declares each restoreOnDelete organisation's record of originals. */
  plugin: boolean;
  /** The state's types that a `destroy` must leave none of. */
  types: readonly string[];
}

const PATH_SETUPS: Record<CliSoakPath, PathSetup> = {
  dynamic: {
    program: "test/realCli/fixtures/lifecycleProgram.ts",
    plugin: false,
    types: [DYNAMIC_BILLING_CONFIG, DYNAMIC_BILLING_ORIGINALS],
  },
  plugin: {
    program: "test/realCli/fixtures/pluginProgram.ts",
    plugin: true,
    types: [PLUGIN_BILLING_CONFIG, PLUGIN_BILLING_ORIGINALS],
  },
};

export interface CliSoakOptions {
  runs: number;
  seed: number;
  /** Organisations in play. */
  orgs: number;
  /** Share of runs not killed. */
  unkilled: number;
  /** Emulator faults (5xx, resets, 429s, latency). */
  faults: boolean;
  /** The dynamic resource or the provider plugin. */
  path: CliSoakPath;
  log?: (line: string) => void;
}

export const CLI_SOAK_DEFAULTS: Omit<CliSoakOptions, "log"> = {
  runs: 200,
  seed: 1,
  orgs: 8,
  unkilled: 0.15,
  faults: true,
  path: "dynamic",
};

/** An existing real-CLI project to run in (the suite's); without it the soak creates its own. */
export interface CliSoakWorld {
  cli: PulumiCli;
  projectDir: string;
  backendDir: string;
  /** Added to every command's environment (e.g. PATH with the plugin). */
  env?: NodeJS.ProcessEnv;
  /** Every result, for the caller's own secret scan. */
  onResult?: (result: PulumiResult) => void;
  /** Every credential handed out, for the caller's own secret scan. */
  credentials?: string[];
}

export interface CliSoakReport {
  options: Omit<CliSoakOptions, "log">;
  runs: number;
  commands: Record<string, number>;
  /** Runs killed, by kind. */
  kills: Record<KillKind, number>;
  /** Runs meant to be killed whose command ended before the chosen request. */
  endedBeforeKill: number;
  unkilled: number;
  /** Runs whose stack was locked / had pending operations after the kill. */
  locked: number;
  pending: number;
  /** Runs after which the file backend's `.attrs` sidecar was empty (step 0 of the recovery). */
  repaired: number;
  violations: string[];
  calls: CallCount & { total: number };
  faulted: number;
  commandsRun: number;
  seconds: number;
}

/** One BillingConfig the soak declares. */
export interface Declared {
  name: string;
  args: {
    orgId: number;
    vatin: string;
    invoiceIssuerInfo: string | null;
    chargingModel: { id: number };
    paymentTerm: { id: number };
    vatRate: { id: number };
    restoreOnDelete: boolean;
  };
  options?: { aliases?: string[]; recordOriginals?: boolean };
}

const FIRST_ORG = 201;
const PASSPHRASE = "cli-kill-soak-passphrase";

async function ownWorld(setup: PathSetup, log: (line: string) => void): Promise<CliSoakWorld & { root: string }> {
  const cli = ensurePulumiCli(log);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-cli-soak-"));
  const program = fs.readFileSync(path.join(repoRoot(), setup.program), "utf8");
  const projectDir = await createUserProject({ dir: path.join(root, "project"), name: "emnify-cli-soak", program });
  // The plugin is found on PATH (the project's node_modules/.bin), as in the real-CLI suite.
  const env = setup.plugin ? { PATH: pathWithPlugin(projectDir) } : undefined;
  return { cli, projectDir, backendDir: path.join(root, "backend"), env, root };
}

export async function runCliSoak(options: CliSoakOptions, given?: CliSoakWorld): Promise<CliSoakReport> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const setup = PATH_SETUPS[options.path];
  const own = given ? undefined : await ownWorld(setup, log);
  const world = given ?? own!;
  const random = new Random(options.seed);
  const token = `cli-soak-token-${randomBytes(12).toString("hex")}`;
  const credentials = [token];
  world.credentials?.push(token);
  const seeds: SeedOrganisation[] = Array.from({ length: options.orgs + 2 }, (_, i) => ({
    id: FIRST_ORG + i,
    billingConfig: {
      vatin: `DE-SEED-${FIRST_ORG + i}`,
      invoice_issuer_info: i % 3 === 0 ? null : `issuer before Pulumi ${FIRST_ORG + i}`,
      charging_model: { id: i % 2 },
      payment_term: { id: i % 4 },
      vat_rate: { id: (i + 1) % 4 },
    },
  }));
  const pool = seeds.slice(0, options.orgs).map((o) => o.id); // the last two are never declared
  const emulator = await EmnifyEmulator.start({
    accounts: [{ applicationToken: token, organisationId: 1 }],
    organisations: seeds,
    seed: options.seed,
  });
  const initial = new Map<number, ApiBillingConfig>(seeds.map((o) => [o.id, structuredClone(emulator.billingConfig(o.id))]));
  const restoring = new Set(pool.filter(() => random.chance(0.7)));
  const results: PulumiResult[] = [];
  const runner = new PulumiRunner({
    cli: world.cli,
    projectDir: world.projectDir,
    backendDir: world.backendDir,
    passphrase: PASSPHRASE,
    env: world.env,
    onResult: (result) => {
      results.push(result);
      world.onResult?.(result);
    },
  });
  const stack = `cli-soak-${process.pid}-${options.seed}`;
  const gate = await RequestGate.start(emulator.url);
  const target: KillTarget = { runner, stack, backendDir: world.backendDir, emulator };
  const report: CliSoakReport = {
    options: {
      runs: options.runs,
      seed: options.seed,
      orgs: options.orgs,
      unkilled: options.unkilled,
      faults: options.faults,
      path: options.path,
    },
    runs: 0,
    commands: {},
    kills: { tree: 0, engine: 0, "provider host": 0, sigint: 0 },
    endedBeforeKill: 0,
    unkilled: 0,
    locked: 0,
    pending: 0,
    repaired: 0,
    violations: [],
    calls: { get: 0, patch: 0, other: 0, authenticate: 0, total: 0 },
    faulted: 0,
    commandsRun: 0,
    seconds: 0,
  };
  log(`stack ${stack} in ${world.projectDir}, backend ${world.backendDir}`);
  let declared: Declared[] = [];
  let serial = 0;
  const newName = () => `r${++serial}`;
  const values = (orgId: number): Declared["args"] => ({
    orgId,
    vatin: `DE-${random.int(100000, 999999)}`,
    invoiceIssuerInfo: random.chance(0.2) ? null : `issuer ${random.int(1, 99)}`,
    chargingModel: { id: random.int(0, 1) },
    paymentTerm: { id: random.int(0, 3) },
    vatRate: { id: random.int(0, 3) },
    restoreOnDelete: restoring.has(orgId),
  });
  const declare = (resources: Declared[]) =>
    runner.setConfig(stack, "app:resources", JSON.stringify(programResources(resources, options.path)), { secret: true });

  try {
    await runner.initStack(stack);
    await runner.setConfig(stack, "emnify:endpoint", gate.url);
    await runner.setConfig(stack, "emnify:applicationToken", token, { secret: true });
    await runner.setConfig(stack, "emnify:maxAttempts", "8");
    await declare([]);
    if (options.faults) {
      const forever = 1_000_000_000;
      for (const rule of [
        { kind: "status", status: 500, probability: 0.03 },
        { kind: "status", status: 503, probability: 0.02 },
        { kind: "status", status: 429, probability: 0.04 },
        { kind: "reset", probability: 0.02 },
        { kind: "latency", delayMs: 150, probability: 0.15 },
      ] as const) {
        emulator.injectFault({ ...rule, path: /^\/api\/v1\/organisation\/\d+\/billing_config$/, times: forever });
      }
    }

    for (let run = 1; run <= options.runs; run++) {
      report.runs = run;
      const unmanaged = pool.filter((id) => !declared.some((d) => d.args.orgId === id));
      let command = random.weighted(COMMANDS);
      if (command !== "adopt" && command !== "destroy" && declared.length === 0) command = "adopt";
      if ((command === "adopt" || command === "replace") && unmanaged.length === 0) command = "update";
      report.commands[command] = (report.commands[command] ?? 0) + 1;
      const before = new Map(pool.map((id) => [id, structuredClone(emulator.billingConfig(id))]));
      let next: Declared[] = declared.map((d): Declared => ({ name: d.name, args: { ...d.args } }));
      if (command === "adopt") {
        for (const id of pickSome(random, unmanaged, random.int(1, Math.min(3, unmanaged.length))))
          next.push({ name: newName(), args: values(id) });
      } else if (command === "update") {
        for (const d of pickSome(random, next, random.int(1, Math.min(3, next.length)))) d.args = values(d.args.orgId);
      } else if (command === "replace") {
        const d = random.pick(next);
        d.args = values(random.pick(unmanaged));
      } else if (command === "rename" || command === "rename with aliases") {
        const d = random.pick(next);
        const old = d.name;
        d.name = newName();
        if (command === "rename with aliases") d.options = { aliases: [old] };
      } else {
        next = declared;
      }
      if (command !== "destroy") await declare(next);
      const rerun = command === "destroy" ? "destroy" : "up";
      const estimate = rerun === "destroy" ? declared.length + 2 : 3 * next.length + 3;
      const kill = random.chance(options.unkilled) ? undefined : random.pick(KILL_KINDS);
      const killAt = random.int(1, Math.max(1, estimate));
      const since = emulator.requests.length;
      let line = `run ${run}: ${command} (${next.length} declared)`;
      let needsRecovery = false;
      const missed: string[] = [];
      if (kill) {
        const reached = gate.armAfter(killAt, anyRequest);
        const killed = await runAndKill(runner, [rerun, "--stack", stack, "--yes"], { gate, reached, kind: kill });
        report.commandsRun += 1;
        if (killed.killed) {
          report.kills[kill] += 1;
          line += `, killed (${kill}) at request ${killAt}`;
          needsRecovery = true;
          // The requests come from the provider host: at the kill it must be there to be hit.
          if (kill !== "sigint" && killed.signalled.length === 0) missed.push(`the ${kill} kill found no process to signal`);
        } else {
          report.endedBeforeKill += 1;
          line += `, ended before request ${killAt} (exit ${killed.result.code})`;
          needsRecovery = killed.result.code !== 0;
        }
      } else {
        report.unkilled += 1;
        const result = await step(target, [rerun], { allowFailure: true });
        report.commandsRun += 1;
        line += `, not killed (exit ${result.code})`;
        needsRecovery = result.code !== 0;
      }
      try {
        if (needsRecovery) {
          const recovery = await recover(target, rerun);
          report.commandsRun += recovery.steps.length;
          if (recovery.locked) report.locked += 1;
          if (recovery.repaired.length > 0) report.repaired += 1;
          if (recovery.pendingBefore.length > 0) report.pending += 1;
          line += `; recovered (lock ${recovery.locked ? "yes" : "no"}, pending ${recovery.pendingBefore.length}${recovery.repaired.length ? ", empty .attrs removed" : ""})`;
        }
        const problems = [...missed, ...(await check(rerun))];
        if (problems.length > 0) {
          for (const p of problems) report.violations.push(`run ${run} (${command}, ${kill ?? "not killed"}): ${p}`);
          line += `; ${problems.length} VIOLATION(S): ${problems.join("; ")}`;
        }
      } catch (error) {
        const message = (error as Error).message.slice(0, 1200);
        report.violations.push(`run ${run} (${command}, ${kill ?? "not killed"}): recovery failed: ${message}`);
        line += `; RECOVERY FAILED: ${message}`;
        log(line);
        await resetStack();
      }
      if (rerun === "destroy") {
        declared = [];
        await declare([]);
      } else {
        declared = next;
      }
      const calls = emulator.requests.length - since;
      log(`${line}; ${calls} API calls`);

      async function check(after: "up" | "destroy"): Promise<string[]> {
        const problems: string[] = [];
        const state = await exportState(target);
        report.commandsRun += 1;
        const pending = pendingOperations(state);
        if (pending.length > 0) problems.push(`pending operations after the recovery: ${pending.join(", ")}`);
        if (after === "up") {
          for (const d of next) {
            const diff = differencesFromDeclared(emulator.billingConfig(d.args.orgId), d.args);
            if (diff.length > 0) problems.push(`org ${d.args.orgId} not as declared: ${diff.join(", ")}`);
          }
          for (const args of [
            ["up", "--expect-no-changes"],
            ["refresh", "--expect-no-changes"],
          ]) {
            const result = await step(target, args, { allowFailure: true });
            report.commandsRun += 1;
            if (result.code !== 0) problems.push(`pulumi ${args.join(" ")} exited ${result.code}: ${lastLines(result.result)}`);
          }
        } else {
          const left = (state.deployment.resources ?? []).filter((r) => setup.types.includes(r.type));
          if (left.length > 0) problems.push(`left in the state after destroy: ${left.map((r) => r.urn.split("::").pop()).join(", ")}`);
          for (const org of seeds) {
            const id = org.id;
            const wanted = restoring.has(id) || !pool.includes(id) ? initial.get(id)! : before.get(id)!;
            const diff = differencesFrom(emulator.billingConfig(id), wanted);
            if (diff.length > 0) {
              problems.push(
                `org ${id} (${restoring.has(id) ? "restoreOnDelete" : pool.includes(id) ? "released" : "never declared"}): ${diff.join(", ")}`,
              );
              // Put it back, so that the runs after this one are judged on their own.
              emulator.setBillingConfig(id, wanted);
            }
          }
        }
        problems.push(...credentialLeaks());
        return problems;
      }
    }
  } finally {
    const keep = process.env.PULUMI_EMNIFY_KEEP_TEMP === "1";
    if (!keep) {
      await resetStack().catch(() => undefined);
      await runner.run(["stack", "rm", stack, "--force", "--yes"], { allowFailure: true });
    }
    await gate.stop();
    const count = countAll(emulator);
    report.calls = count;
    report.faulted = emulator.requests.filter((r) => r.fault !== undefined).length;
    await emulator.stop();
    if (own && !keep) fs.rmSync(own.root, { recursive: true, force: true });
    report.seconds = (performance.now() - started) / 1000;
  }
  return report;

  /** After a failed recovery: whatever it takes to start the next run from an empty stack. */
  async function resetStack(): Promise<void> {
    gate.drop();
    removeEmptyAttrs(world.backendDir, stack);
    if (lockFiles(world.backendDir, stack).length > 0) await step(target, ["cancel"], { allowFailure: true });
    await step(target, ["refresh", "--clear-pending-creates", "--skip-preview"], { allowFailure: true });
    await step(target, ["destroy"], { allowFailure: true });
    for (const org of seeds) if (restoring.has(org.id)) emulator.setBillingConfig(org.id, initial.get(org.id)!);
  }

  function credentialLeaks(): string[] {
    const found: string[] = [];
    const texts: Array<[string, string]> = results.splice(0).map((r) => [`output of pulumi ${r.command}`, `${r.stdout}\n${r.stderr}`]);
    for (const file of filesUnder(path.join(world.backendDir, ".pulumi"))) texts.push([file, fs.readFileSync(file, "utf8")]);
    for (const [where, text] of texts) {
      if (credentials.some((c) => text.includes(c))) found.push(`application token in ${where}`);
      if (new RegExp(JWT_PATTERN.source).test(text)) found.push(`JWT in ${where}`);
    }
    return found;
  }
}

/**
 * What the stack config `app:resources` holds for the program of the path: on the plugin path each
 * `restoreOnDelete` organisation also declares its record of originals (README, "Recording
 * originals with the plugin").
 */
export function programResources(resources: readonly Declared[], soakPath: CliSoakPath): Declared[] {
  return resources.map((d) =>
    PATH_SETUPS[soakPath].plugin && d.args.restoreOnDelete ? { ...d, options: { ...d.options, recordOriginals: true } } : d,
  );
}

/** `count` different items, in random order. */
function pickSome<T>(random: Random, items: readonly T[], count: number): T[] {
  const rest = [...items];
  const picked: T[] = [];
  while (picked.length < count && rest.length > 0) picked.push(rest.splice(random.int(0, rest.length - 1), 1)[0]);
  return picked;
}

function countAll(emulator: EmnifyEmulator): CliSoakReport["calls"] {
  const c = { get: 0, patch: 0, other: 0, authenticate: 0, total: emulator.requests.length };
  for (const r of emulator.requests) {
    if (r.path === "/api/v1/authenticate") c.authenticate += 1;
    else if (r.method === "GET") c.get += 1;
    else if (r.method === "PATCH") c.patch += 1;
    else c.other += 1;
  }
  return c;
}

function lastLines(result: PulumiResult): string {
  return `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-6).join(" | ").slice(0, 600);
}

export function formatCliSoakReport(r: CliSoakReport): string {
  const lines = [
    `Kill soak through the real pulumi CLI, ${r.options.path === "plugin" ? "provider plugin" : "dynamic resource"}: seed ${r.options.seed}, ${r.options.orgs} organisations, faults ${r.options.faults ? "on" : "off"}`,
    `runs: ${r.runs} (${Object.entries(r.commands)
      .map(([c, n]) => `${n} ${c}`)
      .join(", ")})`,
    `kills: ${Object.entries(r.kills)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ")}; ${r.endedBeforeKill} ended before the chosen request; ${r.unkilled} not killed`,
    `after the kill: ${r.locked} runs left the stack locked, ${r.pending} left pending operations, ${r.repaired} left an empty .attrs sidecar`,
    `pulumi commands: ${r.commandsRun}; API calls: ${r.calls.total} (${r.calls.get} GET, ${r.calls.patch} PATCH, ${r.calls.authenticate} authenticate), ${r.faulted} hit by an injected fault`,
    `time: ${r.seconds.toFixed(0)} s`,
    `violations: ${r.violations.length}`,
    ...r.violations.map((v) => `  ${v}`),
  ];
  return lines.join("\n");
}
