/**
 * The Go tools beside the engine, built once from the Go main module in tools/pulumi-go-tools into
 * the same cache as the engine (see ./locate):
 * - `pulumi-language-yaml`, Pulumi YAML's language host (github.com/pulumi/pulumi-yaml), which the
 *   CLI finds on PATH when it runs a `runtime: yaml` project;
 * - `pulumi-emnify-sdkgen`, our own program that writes the Node.js, Python, Go and .NET SDKs from
 *   schema.json with Pulumi's code generators (`npm run sdk:gen`).
 *
 * Both come from one `go build` of one module, at the pkg/sdk version that module's go.mod
 * requires (DECISIONS.md says why it is not the engine's). Nothing of Pulumi's source is in this
 * repository, and no prebuilt binary is ever downloaded.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../repoRoot";
import { PulumiCliUnavailable, cacheRoot, onPath } from "./locate";

export const GO_TOOLS_MODULE_DIR = "tools/pulumi-go-tools";
export const LANGUAGE_YAML = "pulumi-language-yaml";
export const SDKGEN = "pulumi-emnify-sdkgen";

const YAML_PACKAGE = "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml";
const SDKGEN_PACKAGE = `./cmd/${SDKGEN}`;

export interface GoTools {
  /** The directory holding both executables: put it on PATH for a `runtime: yaml` project. */
  binDir: string;
  /** The Pulumi YAML language host. */
  languageYaml: string;
  /** The SDK generator. */
  sdkgen: string;
  /** The version of pulumi-yaml built. */
  yamlVersion: string;
  /** The version of github.com/pulumi/pulumi/pkg/v3 the tools are built against. */
  pkgVersion: string;
  source: "cache" | "built";
  /** Seconds spent building, when `source` is "built". */
  buildSeconds?: number;
}

/** The version the module's go.mod requires of `module` (a full module path). */
export function goToolsModuleVersion(module: string, root = repoRoot()): string {
  const goMod = fs.readFileSync(path.join(root, GO_TOOLS_MODULE_DIR, "go.mod"), "utf8");
  const escaped = module.replace(/[/.]/g, "\\$&");
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped} (v\\d+\\.\\d+\\.\\d+)(?:\\s*//.*)?$`, "m").exec(goMod);
  if (!match) throw new Error(`${GO_TOOLS_MODULE_DIR}/go.mod requires no version of ${module}`);
  return match[1];
}

/**
 * The Go toolchain the module names (its `toolchain` line, else its `go` line, which go mod tidy
 * leaves alone when they agree): the tools, and the Go SDK's build in the real-CLI suite, run with
 * `GOTOOLCHAIN` set to it, so a newer local Go cannot change what the generators write (go.mod
 * says why), and both builds share Go's build cache.
 */
export function goToolsToolchain(root = repoRoot()): string {
  const goMod = fs.readFileSync(path.join(root, GO_TOOLS_MODULE_DIR, "go.mod"), "utf8");
  const toolchain = /^toolchain (go\d+\.\d+\.\d+)\s*$/m.exec(goMod)?.[1];
  const go = /^go (\d+\.\d+\.\d+)\s*$/m.exec(goMod)?.[1];
  if (!toolchain && !go) throw new Error(`${GO_TOOLS_MODULE_DIR}/go.mod names no exact Go version (go X.Y.Z)`);
  return toolchain ?? `go${go}`;
}

/** Every file that decides what the build makes: go.mod, go.sum and our own Go sources. */
function inputFiles(root: string): string[] {
  const moduleDir = path.join(root, GO_TOOLS_MODULE_DIR);
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".go") || entry.name === "go.mod" || entry.name === "go.sum") files.push(full);
    }
  };
  walk(moduleDir);
  return files;
}

/**
 * The cache directory for these tools: keyed by the pulumi-yaml and pkg versions and a hash of
 * go.mod, go.sum and our Go sources, so any change builds afresh and nothing else does.
 */
export function goToolsBinDir(root = repoRoot()): string {
  const hash = createHash("sha256");
  for (const file of inputFiles(root)) {
    hash.update(path.relative(root, file));
    hash.update(fs.readFileSync(file));
  }
  const yaml = goToolsModuleVersion("github.com/pulumi/pulumi-yaml", root);
  const pkg = goToolsModuleVersion("github.com/pulumi/pulumi/pkg/v3", root);
  return path.join(cacheRoot(), "pulumi-go-tools", `yaml-${yaml}-pkg-${pkg}-${hash.digest("hex").slice(0, 12)}`, "bin");
}

function describeTools(root: string, binDir: string, source: GoTools["source"], buildSeconds?: number): GoTools {
  return {
    binDir,
    languageYaml: path.join(binDir, LANGUAGE_YAML),
    sdkgen: path.join(binDir, SDKGEN),
    yamlVersion: goToolsModuleVersion("github.com/pulumi/pulumi-yaml", root),
    pkgVersion: goToolsModuleVersion("github.com/pulumi/pulumi/pkg/v3", root),
    source,
    buildSeconds,
  };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The tools from the cache, or undefined when they are not built yet. Never builds. */
export function findGoTools(root = repoRoot()): GoTools | undefined {
  const binDir = goToolsBinDir(root);
  const tools = describeTools(root, binDir, "cache");
  return isExecutable(tools.languageYaml) && isExecutable(tools.sdkgen) ? tools : undefined;
}

function build(root: string, binDir: string, log: (line: string) => void): GoTools {
  const go = onPath("go");
  if (!go) {
    throw new PulumiCliUnavailable(
      `no ${LANGUAGE_YAML} and ${SDKGEN}: install Go 1.25 or newer to build them from Go modules (${GO_TOOLS_MODULE_DIR})`,
    );
  }
  const yamlVersion = goToolsModuleVersion("github.com/pulumi/pulumi-yaml", root);
  // Build into a sibling directory and rename, so an interrupted build is never taken for a cache.
  const partial = `${binDir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  const started = Date.now();
  log(
    `building ${LANGUAGE_YAML} ${yamlVersion} and ${SDKGEN} from Go modules (${GO_TOOLS_MODULE_DIR}, ${goToolsToolchain(root)}); a cold build takes several minutes`,
  );
  const ldflags = `-X github.com/pulumi/pulumi-yaml/pkg/version.Version=${yamlVersion}`;
  const result = spawnSync(go, ["build", "-trimpath", "-ldflags", ldflags, "-o", partial + path.sep, YAML_PACKAGE, SDKGEN_PACKAGE], {
    cwd: path.join(root, GO_TOOLS_MODULE_DIR),
    stdio: ["ignore", "inherit", "inherit"],
    // -mod=readonly: go.sum is the committed truth; a build never edits the working tree.
    env: { ...process.env, GOFLAGS: "-mod=readonly", CGO_ENABLED: process.env.CGO_ENABLED ?? "0", GOTOOLCHAIN: goToolsToolchain(root) },
  });
  if (result.status !== 0) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw new PulumiCliUnavailable(
      `go build in ${GO_TOOLS_MODULE_DIR} failed (exit ${result.status ?? result.signal}); see the output above`,
    );
  }
  fs.rmSync(binDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(binDir), { recursive: true });
  fs.renameSync(partial, binDir);
  return describeTools(root, binDir, "built", (Date.now() - started) / 1000);
}

/** The tools from the cache, else built with Go. Throws {@link PulumiCliUnavailable} in one line without Go. */
export function ensureGoTools(log: (line: string) => void = () => undefined): GoTools {
  const root = repoRoot();
  return findGoTools(root) ?? build(root, goToolsBinDir(root), log);
}

/** One line saying what these are and where they live. */
export function describeGoTools(tools: GoTools): string {
  const how = tools.source === "cache" ? "cached" : `built from Go modules in ${tools.buildSeconds?.toFixed(0)} s`;
  return `${LANGUAGE_YAML} ${tools.yamlVersion} and ${SDKGEN} (pkg ${tools.pkgVersion}; ${how}): ${tools.binDir}`;
}
