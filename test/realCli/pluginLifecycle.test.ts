import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { findCredentials } from "./secretScan";
import { PLUGIN_PROJECT, PluginStack } from "./pluginWorld";
import { describeAdoption } from "./adoptionScenario";

// The lifecycle of `adoption.test.ts` and `refreshAndSecrets.test.ts`, through the provider plugin
// (emnify:index:BillingConfig, pulumi-resource-emnify found on PATH, plugin download off).

const ALL_FIELDS = {
  orgId: 2,
  vatin: "DE200000002",
  invoiceIssuerInfo: "Acme GmbH",
  chargingModel: { id: 1 },
  paymentTerm: { id: 2 },
  vatRate: { id: 1 },
  paymentData: { iban: "DE02120300000000202051" },
  restoreOnDelete: true,
};

function isCiphertext(value: unknown): boolean {
  return typeof value === "object" && value !== null && "ciphertext" in value;
}

describeAdoption("real CLI, provider plugin: adopting organisations with preview and up", (world) => PluginStack.create(world), {
  providerCodeInState: false,
});

describe("real CLI, provider plugin: refresh, drift, secrets, token rotation, restore", function () {
  let stack: PluginStack;

  before(async function () {
    stack = await PluginStack.create({
      organisations: [
        {
          id: 2,
          billingConfig: {
            vatin: "DE-OLD",
            invoice_issuer_info: "Old",
            charging_model: { id: 0 },
            payment_term: { id: 0 },
            vat_rate: { id: 0 },
          },
        },
      ],
      resources: [{ name: "all", args: ALL_FIELDS }],
    });
    await stack.up();
  });
  after(() => stack?.dispose());

  it("three refreshes in a row report no change, and preview --expect-no-changes then passes", async function () {
    for (let i = 1; i <= 3; i++) {
      stack.emulator.clearRequests();
      const result = await stack.refresh(["--expect-no-changes"], { allowFailure: true });
      assert.equal(result.code, 0, `refresh ${i} reported a change:\n${result.stdout}`);
      assert.deepEqual(stack.billingCalls(), ["GET 2", "GET 2"], `refresh ${i}`);
    }
    await stack.preview(["--expect-no-changes"]);
  });

  it("drift made in emnify shows on refresh, and the next up puts the declared value back with one PATCH", async function () {
    stack.emulator.setBillingConfig(2, { vatin: "DE-DRIFTED" });
    const refreshed = await stack.refresh(["--skip-preview"]);
    assert.match(refreshed.stdout, /~ 1 updated/);
    assert.equal((await stack.billingResource("all")).outputs?.vatin, "DE-DRIFTED");
    stack.emulator.clearRequests();
    const preview = await stack.preview(["--diff"]);
    assert.match(preview.stdout, /vatin/);
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["PATCH 2", "GET 2"]);
    assert.deepEqual(stack.emulator.requests.find((r) => r.method === "PATCH")?.body, { vatin: "DE200000002" });
  });

  it("the state holds paymentData and the originals only as ciphertext, outputs show [secret], no credential anywhere", async function () {
    const resource = await stack.billingResource("all");
    assert.ok(isCiphertext(resource.inputs?.paymentData), "inputs.paymentData is not ciphertext");
    assert.ok(isCiphertext(resource.outputs?.paymentData), "outputs.paymentData is not ciphertext");
    assert.ok(isCiphertext(resource.outputs?.adoptedOriginal), "outputs.adoptedOriginal is not ciphertext");
    const exported = JSON.stringify(await stack.runner.exportStack(stack.name));
    assert.ok(!exported.includes("DE02120300000000202051"), "the IBAN is in the export in plain text");
    assert.deepEqual(findCredentials(exported, stack.world.credentials), []);
    const checkpoint = fs.readFileSync(stack.runner.checkpointFile(PLUGIN_PROJECT, stack.name), "utf8");
    assert.deepEqual(findCredentials(checkpoint, stack.world.credentials), []);
    assert.ok(!checkpoint.includes("DE02120300000000202051"));
    const outputs = await stack.pulumi(["stack", "output", "--json"]);
    assert.ok(!outputs.stdout.includes("DE02120300000000202051"), "an output shows the IBAN");
    assert.match(outputs.stdout, /\[secret\]/);
    assert.deepEqual(findCredentials(outputs.stdout, stack.world.credentials), []);
  });

  // Verified here: with a real provider too, refresh (and destroy) without --run-program configure
  // the default provider with the inputs stored by the last up, not the current stack config.
  it("after the token is rotated in stack config, refresh says exactly what to run, and that command works", async function () {
    await stack.rotateToken({ updateConfig: true });
    stack.emulator.clearRequests();
    const stale = await stack.refresh(["--skip-preview"], { allowFailure: true });
    assert.notEqual(stale.code, 0);
    assert.match(stale.stdout + stale.stderr, /run 'pulumi refresh --run-program'/);
    assert.equal(stack.authentications(), 1, "the stale token is tried once, never retried");
    await stack.refresh(["--skip-preview", "--run-program"]);
  });

  it("destroy with restoreOnDelete puts every original value back", async function () {
    await stack.up();
    stack.emulator.clearRequests();
    await stack.destroy(["--skip-preview"]);
    assert.deepEqual(stack.emulator.requests.find((r) => r.method === "PATCH")?.body, {
      vatin: "DE-OLD",
      invoice_issuer_info: "Old",
      payment_data: {},
      charging_model: { id: 0 },
      payment_term: { id: 0 },
      vat_rate: { id: 0 },
    });
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-OLD");
  });
});
