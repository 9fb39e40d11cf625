/**
 * `npm run upgrade-fixtures`: records the upgrade tests' states (test/realCli/fixtures/upgrade/)
 * again from the earlier commits of this repository that wrote them.
 *
 *   npm run upgrade-fixtures -- [--only <name>]... [--reuse-builds <dir>]
 *
 * `--reuse-builds <dir>` takes `<dir>/<short commit>/*.tgz` when there is one instead of building
 * the commit again.
 *
 * For each fixture of tools/upgradeFixtures.ts: the commit's tree (`git archive`) is built in a
 * temp directory (`npm ci --ignore-scripts`, `tsc`, `npm pack`), installed in a fresh user project
 * with the real-CLI suite's program, and run by the real `pulumi up` (the CLI of
 * `npm run pulumi:cli`) against this repository's emulator, seeded with UPGRADE_SEED. The stack's
 * `pulumi stack export`, with the emulator's URL replaced by a placeholder, becomes the fixture;
 * the manifest records the billing configs before and after the `up`, the token and passphrase.
 * Needs git history (a full clone) and the npm registry or a warm npm cache.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs, promisify } from "node:util";
import { EmnifyEmulator } from "../provider/emulator";
import { makeTempDir } from "../tools/engine/tempDirs";
import { describe as describeCli, ensurePulumiCli } from "../tools/pulumi-cli/locate";
import { PulumiRunner } from "../tools/pulumi-cli/pulumiRunner";
import { createUserProject } from "../tools/pulumi-cli/userProject";
import { repoRoot } from "../tools/repoRoot";
import {
  ENDPOINT_PLACEHOLDER,
  UPGRADE_FIXTURES,
  UPGRADE_PASSPHRASE,
  UPGRADE_PROJECT,
  UPGRADE_RESOURCES,
  UPGRADE_SEED,
  type UpgradeFixtureRecord,
  type UpgradeFixtureSpec,
  type UpgradeManifest,
  upgradeFixturesDir,
} from "../tools/upgradeFixtures";

const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const REGENERATE = "npm run upgrade-fixtures (scripts/upgradeFixtures.ts)";

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await run(command, args, { cwd, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** The commit's package, built and packed as it would have been published then. */
async function packCommit(commit: string, work: string): Promise<string> {
  const root = repoRoot();
  const source = path.join(work, "source");
  fs.mkdirSync(source);
  const archive = path.join(work, "source.tar");
  await sh("git", ["archive", "--output", archive, commit], root);
  await sh("tar", ["-xf", archive, "-C", source], root);
  say(`  ${commit}: npm ci, tsc, npm pack`);
  await sh(NPM, ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], source);
  await sh(process.execPath, [path.join(source, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], source);
  const packed = await sh(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", work], source);
  const [{ filename }] = JSON.parse(packed.slice(packed.indexOf("["))) as Array<{ filename: string }>;
  return path.join(work, filename);
}

function reusedBuild(builds: string | undefined, commit: string): string | undefined {
  if (builds === undefined) return undefined;
  const dir = path.join(builds, commit);
  const tarball = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith(".tgz")) : undefined;
  return tarball === undefined ? undefined : path.join(dir, tarball);
}

async function record(spec: UpgradeFixtureSpec, program: string, builds: string | undefined): Promise<UpgradeFixtureRecord> {
  const root = repoRoot();
  const commitHash = (await sh("git", ["rev-parse", `${spec.commit}^{commit}`], root)).trim();
  const work = makeTempDir(`pulumi-emnify-upgrade-${spec.commit}-`);
  const tarball = reusedBuild(builds, spec.commit) ?? (await packCommit(commitHash, work));
  const projectDir = await createUserProject({ dir: path.join(work, "project"), name: UPGRADE_PROJECT, program, tarball });
  const cli = ensurePulumiCli(say);
  const applicationToken = `upgrade-fixture-token-${randomBytes(12).toString("hex")}`;
  const emulator = await EmnifyEmulator.start({ accounts: [{ applicationToken, organisationId: 1 }], organisations: UPGRADE_SEED });
  try {
    const configs = () => Object.fromEntries(UPGRADE_SEED.map((o) => [String(o.id), emulator.billingConfig(o.id)]));
    const before = configs();
    // Its own directory: the ledger of this run's processes starts empty, and nothing else shares it.
    const ledgerDir = path.join(work, "runtime");
    fs.mkdirSync(ledgerDir, { mode: 0o700 });
    const backendDir = path.join(work, "backend");
    const runner = new PulumiRunner({ cli, projectDir, backendDir, passphrase: UPGRADE_PASSPHRASE, env: { XDG_RUNTIME_DIR: ledgerDir } });
    const stack = spec.name;
    await runner.initStack(stack);
    await runner.setConfig(stack, "emnify:endpoint", emulator.url);
    await runner.setConfig(stack, "emnify:applicationToken", applicationToken, { secret: true });
    await runner.setConfig(stack, "app:resources", JSON.stringify(UPGRADE_RESOURCES), { secret: true });
    say(`  ${spec.commit}: pulumi up`);
    await runner.run(["up", "--yes", "--skip-preview", "--stack", stack]);
    const after = configs();
    const exported = (await runner.run(["stack", "export", "--stack", stack])).stdout;
    if (exported.includes(applicationToken)) throw new Error(`the state of ${spec.commit} holds the application token in plain text`);
    const state = exported.split(emulator.url).join(ENDPOINT_PLACEHOLDER);
    const parsed = JSON.parse(state) as { deployment: { resources?: Array<{ inputs?: { __provider?: string } }> } };
    const provider = parsed.deployment.resources?.find((r) => typeof r.inputs?.__provider === "string")?.inputs?.__provider ?? "";
    const stateFile = `${spec.name}.state.json`;
    fs.writeFileSync(path.join(upgradeFixturesDir(), stateFile), state.endsWith("\n") ? state : `${state}\n`);
    const version = (await runner.run(["version"])).stdout.trim();
    return {
      ...spec,
      stateFile,
      commitHash,
      stack,
      project: UPGRADE_PROJECT,
      applicationToken,
      passphrase: UPGRADE_PASSPHRASE,
      before,
      after,
      resources: UPGRADE_RESOURCES,
      stateBytes: Buffer.byteLength(state),
      providerBytes: Buffer.byteLength(provider),
      recordedWith: { pulumiCli: version },
    };
  } finally {
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { only: { type: "string", multiple: true }, "reuse-builds": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    say(
      "Usage: npm run upgrade-fixtures -- [--only <name>]... [--reuse-builds <dir>]\n\nFixtures: " +
        UPGRADE_FIXTURES.map((f) => f.name).join(", "),
    );
    return;
  }
  const only = values.only ?? [];
  const unknown = only.filter((name) => !UPGRADE_FIXTURES.some((f) => f.name === name));
  if (unknown.length > 0) throw new Error(`no upgrade fixture named ${unknown.join(", ")}`);
  const root = repoRoot();
  const program = fs.readFileSync(path.join(root, "test", "realCli", "fixtures", "lifecycleProgram.ts"), "utf8");
  const dir = upgradeFixturesDir(root);
  fs.mkdirSync(dir, { recursive: true });
  const manifestFile = path.join(dir, "manifest.json");
  const previous: UpgradeManifest = fs.existsSync(manifestFile)
    ? (JSON.parse(fs.readFileSync(manifestFile, "utf8")) as UpgradeManifest)
    : { regenerate: REGENERATE, fixtures: [] };
  say(describeCli(ensurePulumiCli(say)));
  const fixtures: UpgradeFixtureRecord[] = [];
  for (const spec of UPGRADE_FIXTURES) {
    const kept = previous.fixtures.find((f) => f.name === spec.name);
    if (only.length > 0 && !only.includes(spec.name) && kept !== undefined) {
      fixtures.push(kept);
      continue;
    }
    say(`${spec.name} (${spec.commit}): ${spec.shape}`);
    const recorded = await record(spec, program, values["reuse-builds"]);
    say(`  ${recorded.stateBytes} bytes of state, __provider ${recorded.providerBytes} bytes`);
    fixtures.push(recorded);
  }
  fs.writeFileSync(manifestFile, JSON.stringify({ regenerate: REGENERATE, fixtures } satisfies UpgradeManifest, null, 2) + "\n");
  say(`wrote ${manifestFile}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
