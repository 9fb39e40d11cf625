/**
 * examples/yaml, run in place through the real CLI as its README says: Pulumi YAML (the language
 * host built from Go modules into the cache) and the emnify provider plugin found through
 * Pulumi.yaml's `plugins: providers:`, plugin download off. Adoption, a second up with
 * `--expect-no-changes`, refresh, secrets in the state, destroy with and without restore.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { EmnifyEmulator } from "pulumi-emnify/emulator";
import { sortedBillingCalls } from "../../tools/apiCalls";
import { GoTools, ensureGoTools } from "../../tools/pulumi-cli/goTools";
import { PulumiResult, PulumiRunner } from "../../tools/pulumi-cli/pulumiRunner";
import { repoRoot } from "../../tools/repoRoot";
import { realCliWorld } from "./world";

const PROJECT_DIR = path.join(repoRoot(), "examples/yaml");
const TYPE = "emnify:index:BillingConfig";
const IBAN = "DE02120300000000202051";

describe("real CLI: examples/yaml (Pulumi YAML and the provider plugin), run as its README says", function () {
  let emulator: EmnifyEmulator;
  let runner: PulumiRunner;
  let tools: GoTools;
  const stack = `yaml-${process.pid}-${randomBytes(3).toString("hex")}`;

  const pulumi = (args: string[]): Promise<PulumiResult> => runner.run([...args, "--stack", stack]);
  const billingCalls = (): string[] => sortedBillingCalls(emulator.requests);

  before(async function () {
    const world = await realCliWorld();
    tools = ensureGoTools();
    const token = `real-cli-token-${randomBytes(12).toString("hex")}`;
    world.credentials.push(token);
    emulator = await EmnifyEmulator.start({
      accounts: [{ applicationToken: token, organisationId: 1 }],
      organisations: [
        { id: 2, billingConfig: { vatin: "DE-OLD-2", charging_model: { id: 0 }, payment_term: { id: 0 }, vat_rate: { id: 0 } } },
        // Already as declared: adopted with one GET and no PATCH.
        { id: 3, billingConfig: { vatin: "DE298765432", charging_model: { id: 1 }, payment_term: { id: 2 } } },
        { id: 4, billingConfig: { vatin: "GB-OLD-4", vat_rate: { id: 1 }, invoice_issuer_info: null } },
        { id: 5, billingConfig: { vatin: "FR-OLD-5" } },
      ],
    });
    runner = new PulumiRunner({
      cli: world.cli,
      projectDir: PROJECT_DIR,
      backendDir: world.backendDir,
      passphrase: "yaml-example-passphrase",
      // `pulumi-language-yaml` from the cache on PATH; the plugin comes from Pulumi.yaml.
      env: { PATH: [world.cli.binDir, tools.binDir, process.env.PATH ?? ""].join(path.delimiter) },
      onResult: (result) => world.results.push(result),
    });
    await runner.initStack(stack);
    await runner.setConfig(stack, "emnify:endpoint", emulator.url);
    await runner.setConfig(stack, "emnify:applicationToken", token, { secret: true });
    await runner.setConfig(stack, "acmeIban", IBAN, { secret: true });
  });
  after(async function () {
    await runner?.run(["stack", "rm", stack, "--force", "--yes"], { allowFailure: true });
    fs.rmSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), { force: true });
    await emulator?.stop();
  });

  it("up adopts the four organisations: one GET for the one already as declared, GET, PATCH, GET for the others", async function () {
    emulator.clearRequests();
    const up = await pulumi(["up", "--yes"]);
    assert.ok(up.stdout.includes(`using pulumi-language-yaml from $PATH at ${tools.languageYaml}`), up.stdout);
    // Organisation 5 (restoreOnDelete) is read once more, by its record of originals (org-5).
    assert.deepEqual(billingCalls(), [
      "GET 2",
      "GET 2",
      "GET 3",
      "GET 4",
      "GET 4",
      "GET 5",
      "GET 5",
      "GET 5",
      "PATCH 2",
      "PATCH 4",
      "PATCH 5",
    ]);
    assert.equal(emulator.billingConfig(2).vatin, "DE811234567");
    assert.deepEqual(emulator.billingConfig(2).payment_data, { iban: IBAN });
    assert.equal(emulator.billingConfig(4).invoice_issuer_info, "Fleetline Ltd, 1 Dock Road, London E16 1AA");
    assert.equal(emulator.billingConfig(5).vatin, "FR40303265045");
    const outputs = JSON.parse((await pulumi(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
    assert.deepEqual(outputs.vatins, {
      "acme-logistics": "DE811234567",
      "nordwind-energie": "DE298765432",
      "fleetline-uk": "GB123456789",
      "agrisense-fr": "FR40303265045",
    });
  });

  it("the state holds the resources under the plugin's type, payment data only encrypted", async function () {
    const resources = await runner.resources(stack, TYPE);
    assert.deepEqual(resources.map((r) => r.id).sort(), ["2", "3", "4", "5"]);
    const acme = resources.find((r) => r.id === "2");
    assert.ok(acme?.outputs?.paymentData && typeof acme.outputs.paymentData === "object" && "ciphertext" in acme.outputs.paymentData);
    assert.ok(!JSON.stringify(await runner.exportStack(stack)).includes(IBAN), "no plain IBAN in the state");
    const records = await runner.resources(stack, "emnify:index:BillingOriginals");
    assert.deepEqual(
      records.map((r) => r.urn.split("::").pop()),
      ["org-5"],
    );
    assert.ok(
      records[0].outputs?.originals && typeof records[0].outputs.originals === "object" && "ciphertext" in records[0].outputs.originals,
    );
  });

  it("a second up with --expect-no-changes succeeds without any API call", async function () {
    emulator.clearRequests();
    await pulumi(["up", "--yes", "--expect-no-changes"]);
    assert.deepEqual(billingCalls(), []);
  });

  it("refresh reads every organisation, changes nothing, and leaves nothing to change", async function () {
    emulator.clearRequests();
    await pulumi(["refresh", "--yes", "--expect-no-changes"]);
    const calls = billingCalls();
    assert.ok(!calls.some((c) => c.startsWith("PATCH")), calls.join(", "));
    for (const org of [2, 3, 4, 5]) assert.ok(calls.includes(`GET ${org}`), `GET ${org} in ${calls.join(", ")}`);
    await pulumi(["preview", "--expect-no-changes"]);
  });

  it("destroy restores only agrisense-fr (restoreOnDelete) and releases the others as they are", async function () {
    emulator.clearRequests();
    await pulumi(["destroy", "--yes"]);
    assert.deepEqual(
      billingCalls().filter((c) => c.startsWith("PATCH")),
      ["PATCH 5"],
    );
    assert.equal(emulator.billingConfig(5).vatin, "FR-OLD-5");
    assert.equal(emulator.billingConfig(2).vatin, "DE811234567");
    assert.deepEqual(await runner.resources(stack, TYPE), []);
    assert.deepEqual(await runner.resources(stack, "emnify:index:BillingOriginals"), []);
  });
});
