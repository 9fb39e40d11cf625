/**
 * Finds a Pulumi CLI to run the real engine with, or builds one from Go modules.
 *
 * Order: a `pulumi` on PATH that is new enough (with its `pulumi-language-nodejs` beside it or on
 * PATH); else the per-version cache; else `go build` of the two Go main modules beside this file
 * into that cache. Nothing of Pulumi's source is in this repository: `go build` fetches the
 * modules named in go.mod/go.sum from the Go module proxy.
 *
 * Used by `npm run pulumi:cli`, the real-CLI suite (`npm run test:pulumi`), the demo and the
 * real-CLI benchmark. It never downloads a prebuilt binary.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../repoRoot";

/** `read` returning inputs and `configure` need an engine and SDK at least this new. */
export const MINIMUM_PULUMI_VERSION = "3.216.0";

export interface PulumiCli {
  /** The `pulumi` executable. */
  pulumi: string;
  /** The directory holding `pulumi` (and `pulumi-language-nodejs`). */
  binDir: string;
  /** As `pulumi version` prints it, without the leading "v". */
  version: string;
  /** Where it came from. */
  source: "path" | "cache" | "built";
  /** Seconds spent building, when `source` is "built". */
  buildSeconds?: number;
}

export class PulumiCliUnavailable extends Error {
  override name = "PulumiCliUnavailable";
}

const ENGINE_MODULE_DIR = "tools/pulumi-cli";
const LANGUAGE_HOST_MODULE_DIR = "tools/pulumi-language-nodejs";

/** The version of @pulumi/pulumi that package-lock.json pins: the engine is built at this version. */
export function lockedPulumiVersion(root = repoRoot()): string {
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
    packages?: Record<string, { version?: string }>;
  };
  const version = lock.packages?.["node_modules/@pulumi/pulumi"]?.version;
  if (!version) throw new Error("package-lock.json pins no version of @pulumi/pulumi");
  return version;
}

/** The version of `github.com/pulumi/pulumi/<module>` that the go.mod in `moduleDir` requires. */
function moduleVersion(root: string, moduleDir: string, module: string): string {
  const goMod = fs.readFileSync(path.join(root, moduleDir, "go.mod"), "utf8");
  const escaped = module.replace(/[/.]/g, "\\$&");
  const match = new RegExp(`^\\s*github\\.com/pulumi/pulumi/${escaped} v(\\d+\\.\\d+\\.\\d+)(?:\\s*//.*)?$`, "m").exec(goMod);
  if (!match) throw new Error(`${moduleDir}/go.mod requires no version of github.com/pulumi/pulumi/${module}`);
  return match[1];
}

/** The version of `github.com/pulumi/pulumi/pkg/v3` that tools/pulumi-cli/go.mod requires. */
export function engineModuleVersion(root = repoRoot()): string {
  return moduleVersion(root, ENGINE_MODULE_DIR, "pkg/v3");
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).slice(0, 3).map(Number);
  const pb = b.split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** `pulumi version` of an executable, or undefined when it does not run. */
function versionOf(executable: string): string | undefined {
  const result = spawnSync(executable, ["version"], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  if (result.status !== 0) return undefined;
  return /v?(\d+\.\d+\.\d+\S*)/.exec(result.stdout.trim())?.[1];
}

/** An executable file named `name` in a directory of PATH. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Where every Go build of this project is cached: `~/.cache/pulumi-emnify` unless `PULUMI_EMNIFY_CACHE_DIR` says. */
export function cacheRoot(): string {
  return process.env.PULUMI_EMNIFY_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pulumi-emnify");
}

/**
 * The cache directory for this engine version and these exact Go module sums, so a change of
 * either builds afresh and an unchanged pair is reused. Outside the working tree.
 */
export function cacheBinDir(root = repoRoot()): string {
  const base = cacheRoot();
  const hash = createHash("sha256");
  for (const dir of [ENGINE_MODULE_DIR, LANGUAGE_HOST_MODULE_DIR]) {
    for (const file of ["go.mod", "go.sum"]) hash.update(fs.readFileSync(path.join(root, dir, file)));
  }
  return path.join(base, "pulumi-cli", `v${engineModuleVersion(root)}-${hash.digest("hex").slice(0, 12)}`, "bin");
}

function usableFromPath(): PulumiCli | undefined {
  if (process.env.PULUMI_EMNIFY_IGNORE_PATH_CLI === "1") return undefined;
  const pulumi = onPath("pulumi");
  if (!pulumi) return undefined;
  const version = versionOf(pulumi);
  if (!version || compareVersions(version, MINIMUM_PULUMI_VERSION) < 0) return undefined;
  const binDir = path.dirname(fs.realpathSync(pulumi));
  const languageHost = fs.existsSync(path.join(binDir, "pulumi-language-nodejs")) || onPath("pulumi-language-nodejs");
  if (!languageHost) return undefined;
  return { pulumi, binDir, version, source: "path" };
}

function fromCache(binDir: string, expected: string): PulumiCli | undefined {
  const pulumi = path.join(binDir, "pulumi");
  if (!fs.existsSync(pulumi) || !fs.existsSync(path.join(binDir, "pulumi-language-nodejs"))) return undefined;
  const version = versionOf(pulumi);
  if (version === undefined || compareVersions(version, expected) !== 0) return undefined;
  return { pulumi, binDir, version, source: "cache" };
}

function build(root: string, binDir: string, log: (line: string) => void): PulumiCli {
  const go = onPath("go");
  if (!go) {
    throw new PulumiCliUnavailable(
      `no Pulumi CLI: install Go 1.25 or newer (to build pulumi v${engineModuleVersion(root)} from Go modules) or the Pulumi CLI ${MINIMUM_PULUMI_VERSION} or newer, so that 'pulumi' is on PATH`,
    );
  }
  // Build into a sibling directory and rename, so an interrupted build is never taken for a cache.
  const partial = `${binDir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const started = Date.now();
  const targets: Array<[string, string, string]> = [
    [ENGINE_MODULE_DIR, "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", engineModuleVersion(root)],
    [
      LANGUAGE_HOST_MODULE_DIR,
      "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs",
      moduleVersion(root, LANGUAGE_HOST_MODULE_DIR, "sdk/v3"),
    ],
  ];
  for (const [moduleDir, pkg, version] of targets) {
    log(`building ${path.basename(pkg)} v${version} from Go modules (${moduleDir}); a cold build takes several minutes`);
    // Release builds stamp the version this way; without it `pulumi version` prints nothing.
    const ldflags = `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}`;
    const result = spawnSync(go, ["build", "-trimpath", "-ldflags", ldflags, "-o", partial + path.sep, pkg], {
      cwd: path.join(root, moduleDir),
      stdio: ["ignore", "inherit", "inherit"],
      // -mod=readonly: go.sum is the committed truth; a build never edits the working tree.
      env: { ...process.env, GOFLAGS: "-mod=readonly", CGO_ENABLED: process.env.CGO_ENABLED ?? "0" },
    });
    if (result.status !== 0) {
      fs.rmSync(partial, { recursive: true, force: true });
      throw new PulumiCliUnavailable(`go build of ${pkg} failed (exit ${result.status ?? result.signal}); see the output above`);
    }
  }
  // Pulumi's own distribution puts the dynamic-provider plugin beside `pulumi` (the engine warns
  // when it comes from PATH instead). It is a shell script that @pulumi/pulumi ships.
  const plugin = path.join(dynamicProviderPluginDir(root), "pulumi-resource-pulumi-nodejs");
  fs.copyFileSync(plugin, path.join(partial, "pulumi-resource-pulumi-nodejs"));
  fs.chmodSync(path.join(partial, "pulumi-resource-pulumi-nodejs"), 0o755);
  fs.rmSync(binDir, { recursive: true, force: true });
  fs.renameSync(partial, binDir);
  const version = versionOf(path.join(binDir, "pulumi"));
  if (!version) throw new PulumiCliUnavailable(`the pulumi built into ${binDir} does not run`);
  return { pulumi: path.join(binDir, "pulumi"), binDir, version, source: "built", buildSeconds: (Date.now() - started) / 1000 };
}

/** Refuses to go on when tools/pulumi-cli/go.mod and package-lock.json name different versions. */
function checkVersionsAgree(root: string): string {
  const locked = lockedPulumiVersion(root);
  const engine = engineModuleVersion(root);
  if (engine !== locked) {
    throw new Error(
      `${ENGINE_MODULE_DIR}/go.mod builds pulumi v${engine} but package-lock.json pins @pulumi/pulumi ${locked}: ` +
        `set both pulumi/pulumi requires in go.mod to v${locked} and run 'go mod tidy' in ${ENGINE_MODULE_DIR}`,
    );
  }
  return engine;
}

/** A Pulumi CLI that can run now, without building: from PATH when new enough, else the cache. */
export function findPulumiCli(): PulumiCli | undefined {
  const root = repoRoot();
  const engine = checkVersionsAgree(root);
  return usableFromPath() ?? fromCache(cacheBinDir(root), engine);
}

/**
 * A Pulumi CLI to run: from PATH when new enough, else from the cache, else built with Go.
 * Throws {@link PulumiCliUnavailable} with one line saying what to install.
 */
export function ensurePulumiCli(log: (line: string) => void = () => undefined): PulumiCli {
  const root = repoRoot();
  return findPulumiCli() ?? build(root, cacheBinDir(root), log);
}

/** The directory of `pulumi-resource-pulumi-nodejs`, the dynamic-provider plugin @pulumi/pulumi ships. */
export function dynamicProviderPluginDir(projectDir: string): string {
  const pkg = require.resolve("@pulumi/pulumi/package.json", { paths: [projectDir] });
  return path.dirname(pkg);
}

/** The environment that runs `pulumi` offline against a file backend. */
export function offlinePulumiEnv(cli: PulumiCli, backendDir: string, passphrase: string): NodeJS.ProcessEnv {
  return {
    PATH: [cli.binDir, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_HOME: path.join(backendDir, ".pulumi-home"),
  };
}

/** One line saying which CLI this is and where it lives. */
export function describe(cli: PulumiCli): string {
  const how =
    cli.source === "path"
      ? "from PATH"
      : cli.source === "cache"
        ? "built from Go modules, cached"
        : `built from Go modules in ${cli.buildSeconds?.toFixed(0)} s`;
  return `pulumi v${cli.version} (${how}): ${cli.binDir}`;
}
