/**
 * The SDKs committed under sdk/ are what Pulumi's code generators make of schema.json today, and
 * each one builds with its language's own tools: Node.js with tsc, Python with py_compile and a
 * build of the source distribution, Go with `go build` and `go vet`. (.NET is generated
 * only: no `dotnet` on these machines; sdk/README.md says so.) Generation and the Go build need Go,
 * which is why this lives in the real-CLI suite. Every build runs on a copy, so sdk/ stays clean.
 * Then a TypeScript program on the built Node.js SDK runs through the real CLI with the plugin.
 */
import * as assert from "node:assert/strict";
import { execFile, spawnSync, SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { EmnifyEmulator } from "pulumi-emnify/emulator";
import { sortedBillingCalls } from "../../tools/apiCalls";
import { PulumiRunner } from "../../tools/pulumi-cli/pulumiRunner";
import { createUserProject } from "../../tools/pulumi-cli/userProject";
import { realCliWorld } from "./world";
import { ensureGoTools, goToolsToolchain } from "../../tools/pulumi-cli/goTools";
import { onPath } from "../../tools/pulumi-cli/locate";
import { repoRoot } from "../../tools/repoRoot";
import { GO_SDK_MODULE, LANGUAGE_SETTINGS, SDK_DIR, generateSdks, listFiles, sdkDrift, sdkSchema } from "../../tools/sdk/generate";

const SDK = path.join(repoRoot(), SDK_DIR);
const execFileAsync = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.error, undefined, `${command} did not start: ${String(result.error)}`);
  assert.equal(result.status, 0, `${command} ${args.join(" ")} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Copies sdk/nodejs into `into` and builds it with tsc, as its package.json's `build` does; the package is then `bin/`. */
function buildNodeSdk(into: string): string {
  const dir = copyOf("nodejs", into);
  fs.symlinkSync(path.join(repoRoot(), "node_modules"), path.join(dir, "node_modules"), "dir");
  run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "."], dir);
  // As Pulumi's providers publish it: the package.json beside the compiled files.
  fs.copyFileSync(path.join(dir, "package.json"), path.join(dir, "bin/package.json"));
  fs.rmSync(path.join(dir, "node_modules"));
  return dir;
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
    const dir = buildNodeSdk(scratch);
    const js = fs.readFileSync(path.join(dir, "bin/billingConfig.js"), "utf8");
    assert.match(js, /emnify:index:BillingConfig/);
    assert.ok(fs.existsSync(path.join(dir, "bin/index.d.ts")));
  });

  it("Python: every file compiles, and setuptools builds the source distribution from pyproject.toml", function () {
    const python = onPath("python3");
    assert.ok(python, "python3 is on PATH");
    const dir = copyOf("python", scratch);
    const sources = listFiles(dir).filter((f) => f.endsWith(".py"));
    assert.ok(sources.length >= 4, `python sources: ${sources.join(", ")}`);
    run(python, ["-m", "py_compile", ...sources], dir);
    // Offline: pip would need the `wheel` package (or a setuptools newer than many Pythons ship)
    // and, to import the package, `pulumi` from PyPI; an sdist needs only setuptools.
    const dist = path.join(scratch, "python-dist");
    run(python, ["-c", "import setuptools; setuptools.setup()", "--quiet", "sdist", "--dist-dir", dist], dir);
    const version = sdkSchema().version as string;
    const name = `${LANGUAGE_SETTINGS.python.packageName}-${version}`;
    const listing = run(
      python,
      [
        "-c",
        "import sys, tarfile; t = tarfile.open(sys.argv[1]); print('\\n'.join(t.getnames())); [print(t.extractfile(m).read().decode()) for m in sys.argv[2:]]",
        path.join(dist, `${name}.tar.gz`),
        `${name}/PKG-INFO`,
        `${name}/pulumi_emnify.egg-info/requires.txt`,
      ],
      scratch,
    ).stdout;
    assert.ok(listing.includes(`${name}/pulumi_emnify/billing_config.py`), listing);
    assert.match(listing, /^Name: pulumi_emnify$/m);
    assert.ok(listing.split("\n").includes(`Version: ${version}`), "the package's version");
    assert.match(listing, /^pulumi<4\.0\.0,>=3\.216\.0$/m, "requires the pulumi SDK");
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

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as emnify from "${LANGUAGE_SETTINGS.nodejs.packageName}";

const config = new pulumi.Config();
const acme = new emnify.BillingConfig("acme", {
  orgId: 2,
  vatin: "DE811234567",
  chargingModel: { id: 1 },
  paymentData: { iban: config.requireSecret("iban") },
});
export const vatin = acme.vatin;
export const billingConfigId = acme.billingConfigId;
`;

describe("real CLI: a TypeScript program on the generated Node.js SDK, with the provider plugin", function () {
  let scratch: string;
  let emulator: EmnifyEmulator;
  let runner: PulumiRunner;
  const stack = `node-sdk-${process.pid}`;
  const billingCalls = (): string[] => sortedBillingCalls(emulator.requests);

  before(async function () {
    const world = await realCliWorld();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-node-sdk-"));
    const sdk = buildNodeSdk(scratch);
    // A project as `pulumi new typescript` lays it out, with pulumi-emnify installed (its
    // node_modules/.bin holds pulumi-resource-emnify) and the SDK installed from its build.
    const projectDir = await createUserProject({
      dir: path.join(world.root, "node-sdk-project"),
      name: "emnify-node-sdk",
      program: PROGRAM,
    });
    await execFileAsync(
      NPM,
      ["install", "--install-links", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", path.join(sdk, "bin")],
      {
        cwd: projectDir,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const token = `real-cli-token-${randomBytes(12).toString("hex")}`;
    world.credentials.push(token);
    emulator = await EmnifyEmulator.start({
      accounts: [{ applicationToken: token, organisationId: 1 }],
      organisations: [{ id: 2, billingConfig: { vatin: "DE-OLD-2", charging_model: { id: 0 } } }],
    });
    runner = new PulumiRunner({
      cli: world.cli,
      projectDir,
      backendDir: world.backendDir,
      passphrase: "node-sdk-passphrase",
      env: { PATH: [path.join(projectDir, "node_modules", ".bin"), world.cli.binDir, process.env.PATH ?? ""].join(path.delimiter) },
      onResult: (result) => world.results.push(result),
    });
    await runner.initStack(stack);
    await runner.setConfig(stack, "emnify:endpoint", emulator.url);
    await runner.setConfig(stack, "emnify:applicationToken", token, { secret: true });
    await runner.setConfig(stack, "iban", "DE02120300000000202051", { secret: true });
  });
  after(async function () {
    await runner?.run(["stack", "rm", stack, "--force", "--yes"], { allowFailure: true });
    await emulator?.stop();
    if (scratch && process.env.PULUMI_EMNIFY_KEEP_TEMP !== "1") fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("up adopts the organisation through the plugin, a second up changes nothing, destroy releases it", async function () {
    await runner.run(["up", "--yes", "--stack", stack]);
    assert.deepEqual(billingCalls(), ["GET 2", "GET 2", "PATCH 2"]);
    assert.equal(emulator.billingConfig(2).vatin, "DE811234567");
    assert.deepEqual(emulator.billingConfig(2).payment_data, { iban: "DE02120300000000202051" });
    const [resource] = await runner.resources(stack, "emnify:index:BillingConfig");
    assert.equal(resource?.id, "2");
    const outputs = JSON.parse((await runner.run(["stack", "output", "--json", "--stack", stack])).stdout) as Record<string, unknown>;
    assert.equal(outputs.vatin, "DE811234567");
    emulator.clearRequests();
    await runner.run(["up", "--yes", "--expect-no-changes", "--stack", stack]);
    assert.deepEqual(billingCalls(), []);
    await runner.run(["destroy", "--yes", "--stack", stack]);
    assert.deepEqual(await runner.resources(stack, "emnify:index:BillingConfig"), []);
    assert.equal(emulator.billingConfig(2).vatin, "DE811234567", "released as it is (no restoreOnDelete)");
  });
});
