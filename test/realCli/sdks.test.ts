/**
 * The SDKs committed under sdk/ are what Pulumi's code generators make of schema.json today, and
 * each one builds with its language's own tools: Node.js with tsc, Python with py_compile and a pip
 * install into a fresh virtual environment, Go with `go build` and `go vet`. (.NET is generated
 * only: no `dotnet` on these machines; sdk/README.md says so.) Generation and the Go build need Go,
 * which is why this lives in the real-CLI suite. Every build runs on a copy, so sdk/ stays clean.
 */
import * as assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureGoTools, goToolsToolchain } from "../../tools/pulumi-cli/goTools";
import { onPath } from "../../tools/pulumi-cli/locate";
import { repoRoot } from "../../tools/repoRoot";
import { GO_SDK_MODULE, LANGUAGE_SETTINGS, SDK_DIR, generateSdks, listFiles, sdkDrift } from "../../tools/sdk/generate";

const SDK = path.join(repoRoot(), SDK_DIR);

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.error, undefined, `${command} did not start: ${String(result.error)}`);
  assert.equal(result.status, 0, `${command} ${args.join(" ")} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

function copyOf(language: string, into: string): string {
  const target = path.join(into, language);
  fs.cpSync(path.join(SDK, language), target, { recursive: true });
  return target;
}

describe("SDKs generated from schema.json (sdk/)", function () {
  let scratch: string;

  before(function () {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-sdks-"));
  });
  after(function () {
    if (scratch && process.env.PULUMI_EMNIFY_KEEP_TEMP !== "1") fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("are exactly what the generators make of schema.json now (else: npm run sdk:gen)", function () {
    const fresh = path.join(scratch, "generated");
    generateSdks(ensureGoTools(), fresh);
    assert.deepEqual(sdkDrift(fresh, SDK), []);
    // The comparison itself is not vacuous: each language has the resource and the provider.
    for (const [language, files] of Object.entries({
      nodejs: ["billingConfig.ts", "provider.ts", "package.json"],
      python: ["pulumi_emnify/billing_config.py", "pulumi_emnify/provider.py", "pyproject.toml"],
      go: ["emnify/billingConfig.go", "emnify/provider.go"],
      dotnet: ["BillingConfig.cs", "Provider.cs"],
    })) {
      for (const file of files) assert.ok(listFiles(path.join(SDK, language)).includes(file), `sdk/${language}/${file}`);
    }
  });

  it("Node.js: tsc compiles the package, and its BillingConfig declares the schema's type token", function () {
    const dir = copyOf("nodejs", scratch);
    fs.symlinkSync(path.join(repoRoot(), "node_modules"), path.join(dir, "node_modules"), "dir");
    run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "."], dir);
    const js = fs.readFileSync(path.join(dir, "bin/billingConfig.js"), "utf8");
    assert.match(js, /emnify:index:BillingConfig/);
    assert.ok(fs.existsSync(path.join(dir, "bin/index.d.ts")));
  });

  it("Python: every file compiles, and pip installs the package into a fresh virtual environment", function () {
    const python = onPath("python3");
    assert.ok(python, "python3 is on PATH");
    const dir = copyOf("python", scratch);
    const sources = listFiles(dir).filter((f) => f.endsWith(".py"));
    assert.ok(sources.length >= 4, `python sources: ${sources.join(", ")}`);
    run(python, ["-m", "py_compile", ...sources], dir);
    const venv = path.join(scratch, "venv");
    run(python, ["-m", "venv", venv], scratch);
    // --no-deps/--no-index: nothing is downloaded; the `pulumi` package it requires is not installed.
    const pip = ["-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation", dir];
    run(path.join(venv, "bin/python"), pip, scratch, { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" });
    const shown = run(path.join(venv, "bin/python"), ["-m", "pip", "show", "--files", LANGUAGE_SETTINGS.python.packageName], scratch);
    assert.match(shown.stdout, /pulumi_emnify\/billing_config\.py/);
  });

  it("Go: go build and go vet the SDK's module", function () {
    const go = onPath("go");
    assert.ok(go, "go is on PATH");
    const dir = path.join(scratch, "go-module");
    fs.mkdirSync(dir);
    for (const file of ["go.mod", "go.sum"]) fs.copyFileSync(path.join(SDK, file), path.join(dir, file));
    fs.cpSync(path.join(SDK, "go"), path.join(dir, "go"), { recursive: true });
    // The toolchain and flags the Go tools were built with, so sdk/v3 comes from Go's build cache.
    const env = { ...process.env, GOFLAGS: "-mod=readonly -trimpath", CGO_ENABLED: "0", GOTOOLCHAIN: goToolsToolchain() };
    run(go, ["build", "./..."], dir, env);
    run(go, ["vet", "./..."], dir, env);
    const listed = run(go, ["list", "./..."], dir, env);
    const emnify = `${GO_SDK_MODULE}/go/emnify`;
    assert.deepEqual(listed.stdout.trim().split("\n"), [emnify, `${emnify}/config`, `${emnify}/internal`]);
  });
});
