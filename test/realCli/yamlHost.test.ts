/**
 * Pulumi YAML's language host, built from Go modules (tools/pulumi-go-tools) into the cache beside
 * the engine, runs a `runtime: yaml` project through the real CLI: typed and secret stack config,
 * built-in functions, outputs, secrets kept secret in outputs and state, a clean second preview,
 * destroy. The project declares no resource, so it needs no provider plugin: it proves the host.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { GoTools, describeGoTools, ensureGoTools } from "../../tools/pulumi-cli/goTools";
import { PulumiRunner } from "../../tools/pulumi-cli/pulumiRunner";
import { repoRoot } from "../../tools/repoRoot";
import { realCliWorld } from "./world";

const STACK = `yaml-host-${process.pid}`;

describe("real CLI: a Pulumi YAML project through the language host built from Go modules", function () {
  let runner: PulumiRunner;
  let token: string;
  let projectDir: string;
  let tools: GoTools;

  before(async function () {
    const world = await realCliWorld();
    tools = ensureGoTools((line) => process.stderr.write(`      go-tools: ${line}\n`));
    process.stderr.write(`      ${describeGoTools(tools)}\n`);
    projectDir = path.join(world.root, "yaml-host");
    fs.mkdirSync(projectDir);
    fs.copyFileSync(path.join(repoRoot(), "test/realCli/fixtures/yamlHost/Pulumi.yaml"), path.join(projectDir, "Pulumi.yaml"));
    runner = new PulumiRunner({
      cli: world.cli,
      projectDir,
      backendDir: world.backendDir,
      passphrase: "yaml-host-passphrase",
      // The CLI finds `pulumi-language-yaml` on PATH, as a user's shell finds it after
      // `export PATH="$(npm run pulumi:cli --silent -- --go-tools):$PATH"`.
      env: { PATH: [world.cli.binDir, tools.binDir, process.env.PATH ?? ""].join(path.delimiter) },
      onResult: (result) => world.results.push(result),
    });
    // A credential-shaped secret: the suite-wide scan fails the test if any command prints it.
    token = `real-cli-token-${randomBytes(12).toString("hex")}`;
    world.credentials.push(token);
    await runner.initStack(STACK);
    await runner.setConfig(STACK, "label", "acme");
    await runner.setConfig(STACK, "orgIds", "2,3,4");
    await runner.setConfig(STACK, "token", token, { secret: true });
  });
  after(async function () {
    await runner?.run(["stack", "rm", STACK, "--force", "--yes"], { allowFailure: true });
  });

  it("up runs the program with the host from the cache: plain outputs as computed, the one derived from a secret as [secret]", async function () {
    const up = await runner.run(["up", "--yes", "--stack", STACK]);
    // The CLI names the language host it found on PATH: the one built into the cache.
    assert.ok(up.stdout.includes(`using pulumi-language-yaml from $PATH at ${tools.languageYaml}`), up.stdout);
    const outputs = JSON.parse((await runner.run(["stack", "output", "--json", "--stack", STACK])).stdout) as Record<string, unknown>;
    assert.deepEqual(outputs, { label: "acme", secondOrg: "3", tokenBase64: "[secret]" });
  });

  it("the secret output holds the value computed from the secret config, and the state holds it only encrypted", async function () {
    const shown = await runner.run(["stack", "output", "tokenBase64", "--show-secrets", "--stack", STACK]);
    assert.equal(shown.stdout.trim(), Buffer.from(token).toString("base64"));
    const state = JSON.stringify(await runner.exportStack(STACK));
    assert.ok(state.includes("ciphertext"), "the state holds encrypted values");
    assert.ok(!state.includes(token) && !state.includes(Buffer.from(token).toString("base64")), "no plain secret in the state");
  });

  it("a second preview finds nothing to change; destroy leaves an empty stack", async function () {
    await runner.run(["preview", "--expect-no-changes", "--stack", STACK]);
    await runner.run(["destroy", "--yes", "--stack", STACK]);
    const resources = (await runner.exportStack(STACK)).deployment.resources ?? [];
    assert.deepEqual(resources, []);
  });
});
