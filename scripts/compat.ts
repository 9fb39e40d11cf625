/**
 * `npm run test:compat`: the tests that exercise @pulumi/pulumi (.mocharc.compat.json: the engine
 * path, the stand-in's own tests, the examples, the README sample and the mocks tests) against the
 * oldest version the peer range allows and the newest 3.x on the npm registry, besides the locked
 * one `npm test` uses. Each version gets a temporary copy of the checkout (tracked and new files,
 * no node_modules, no dist) with that version installed and the whole build type-checked against
 * its types; the checkout's own node_modules is never touched. Exit status 1 when a version fails.
 *
 *   npm run test:compat -- [--version 3.216.0 ...] [--keep]
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "../tools/repoRoot";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const root = repoRoot();

interface Manifest {
  peerDependencies: Record<string, string>;
}

/** The lowest version the peer range names (`>=3.216.0 <4` → 3.216.0). */
export function peerRangeFloor(range: string): string {
  const floor = /^>=\s*(\d+\.\d+\.\d+)\s/.exec(range);
  if (!floor) throw new Error(`the @pulumi/pulumi peer range ${JSON.stringify(range)} does not start with ">=x.y.z "`);
  return floor[1];
}

/** The newest release (no pre-release) of the given major version, from `npm view`'s list. */
export function newestOfMajor(versions: readonly string[], major: number): string {
  const releases = versions.filter((v) => new RegExp(`^${major}\\.\\d+\\.\\d+$`).test(v));
  if (releases.length === 0) throw new Error(`no ${major}.x release of @pulumi/pulumi on the registry`);
  const key = (v: string) => v.split(".").map(Number);
  return releases.reduce((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[1] !== y[1] ? (x[1] > y[1] ? a : b) : x[2] >= y[2] ? a : b;
  });
}

function defaultVersions(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as Manifest;
  const floor = peerRangeFloor(manifest.peerDependencies["@pulumi/pulumi"]);
  const published = JSON.parse(execFileSync(npm, ["view", "@pulumi/pulumi", "versions", "--json"], { encoding: "utf8" })) as string[];
  const newest = newestOfMajor(published, Number(floor.split(".")[0]));
  return newest === floor ? [floor] : [floor, newest];
}

/** A copy of the checkout as git sees it (tracked and untracked, not ignored), without node_modules or dist. */
function copyCheckout(into: string): void {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  for (const file of listed.split("\0").filter((f) => f !== "")) {
    const source = path.join(root, file);
    if (!fs.existsSync(source)) continue; // deleted but not yet committed
    fs.mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    fs.copyFileSync(source, path.join(into, file));
    fs.chmodSync(path.join(into, file), fs.statSync(source).mode);
  }
}

function step(label: string, dir: string, command: string, args: string[]): boolean {
  const started = Date.now();
  process.stdout.write(`  ${label}: ${command} ${args.join(" ")}\n`);
  const result = spawnSync(command, args, { cwd: dir, stdio: "inherit", env: { ...process.env, npm_config_update_notifier: "false" } });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`  ${label}: ${result.status === 0 ? "ok" : "FAILED"} in ${seconds} s\n`);
  return result.status === 0;
}

function testVersion(version: string, keep: boolean): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pulumi-emnify-compat-${version}-`));
  process.stdout.write(`@pulumi/pulumi ${version} in ${dir}\n`);
  try {
    copyCheckout(dir);
    return (
      step("install", dir, npm, [
        "install",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--prefer-offline",
        "--save-dev",
        "--save-exact",
        `@pulumi/pulumi@${version}`,
      ]) &&
      step("build", dir, npm, ["run", "build", "--silent"]) &&
      step("tests", dir, process.execPath, [path.join(dir, "node_modules/mocha/bin/mocha.js"), "--config", ".mocharc.compat.json"])
    );
  } finally {
    if (keep) process.stdout.write(`  kept ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): number {
  const { values } = parseArgs({ options: { version: { type: "string", multiple: true }, keep: { type: "boolean", default: false } } });
  const versions = values.version ?? defaultVersions();
  const results = versions.map((version) => ({ version, ok: testVersion(version, values.keep) }));
  process.stdout.write(`\n${results.map((r) => `@pulumi/pulumi ${r.version}: ${r.ok ? "passed" : "FAILED"}`).join("\n")}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) process.exitCode = main();
