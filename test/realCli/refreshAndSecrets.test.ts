import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { findCredentials } from "./secretScan";
import { CliStack, PROJECT } from "./world";
import { apiReferences, references } from "../references";

const ALL_FIELDS = {
  orgId: 2,
  vatin: "DE200000002",
  invoiceIssuerInfo: "Acme GmbH",
  ...references(1, 2, 1),
  paymentData: { iban: "DE02120300000000202051" },
  restoreOnDelete: true,
};

function isCiphertext(value: unknown): boolean {
  return typeof value === "object" && value !== null && "ciphertext" in value;
}

describe("real CLI: refresh, drift and secrets with every field managed", function () {
  let stack: CliStack;

  before(async function () {
    stack = await CliStack.create({
      organisations: [
        {
          id: 2,
          billingConfig: {
            vatin: "DE-OLD",
            invoice_issuer_info: "Old",
            ...apiReferences(0, 0, 0),
          },
        },
      ],
      resources: [{ name: "all", args: ALL_FIELDS }],
    });
    await stack.up();
  });
  after(() => stack?.dispose());

  it("three refreshes in a row report no change, and preview --expect-no-changes then passes (no phantom drift)", async function () {
    for (let i = 1; i <= 3; i++) {
      stack.emulator.clearRequests();
      const result = await stack.refresh(["--expect-no-changes"], { allowFailure: true });
      assert.equal(result.code, 0, `refresh ${i} reported a change:\n${result.stdout}`);
      // The preview pass and the apply pass each read in a process of their own.
      assert.deepEqual(stack.billingCalls(), ["GET 2", "GET 2"], `refresh ${i}`);
      assert.equal(stack.authentications(), 2, `refresh ${i}`);
    }
    await stack.preview(["--expect-no-changes"]);
  });

  it("refresh --skip-preview reads each organisation once", async function () {
    stack.emulator.clearRequests();
    await stack.refresh(["--skip-preview"]);
    assert.deepEqual(stack.billingCalls(), ["GET 2"]);
  });

  it("drift made in emnify shows on refresh and the next up puts the declared value back", async function () {
    stack.emulator.setBillingConfig(2, { vatin: "DE-DRIFTED" });
    const refreshed = await stack.refresh(["--skip-preview"]);
    assert.match(refreshed.stdout, /~ 1 updated/);
    assert.equal((await stack.billingResource("all")).outputs?.vatin, "DE-DRIFTED");
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["PATCH 2", "GET 2"]);
    assert.deepEqual(stack.emulator.requests.find((r) => r.method === "PATCH")?.body, { vatin: "DE200000002" });
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE200000002");
  });

  it("the state holds paymentData only as ciphertext, in inputs and outputs, and no credential anywhere", async function () {
    const resource = await stack.billingResource("all");
    assert.ok(isCiphertext(resource.inputs?.paymentData), "inputs.paymentData is not ciphertext");
    assert.ok(isCiphertext(resource.outputs?.paymentData), "outputs.paymentData is not ciphertext");
    const exported = JSON.stringify(await stack.runner.exportStack(stack.name));
    assert.ok(!exported.includes("DE02120300000000202051"), "the IBAN is in the export in plain text");
    assert.deepEqual(findCredentials(exported, stack.world.credentials), []);
    const checkpoint = fs.readFileSync(stack.runner.checkpointFile(PROJECT, stack.name), "utf8");
    assert.deepEqual(findCredentials(checkpoint, stack.world.credentials), []);
  });

  it("after the token is rotated, refresh says exactly what to run, and refresh --run-program then works", async function () {
    await stack.rotateToken({ updateConfig: true });
    const stale = await stack.refresh(["--skip-preview"], { allowFailure: true });
    assert.notEqual(stale.code, 0);
    assert.match(stale.stdout + stale.stderr, /pulumi refresh --run-program/);
    await stack.refresh(["--skip-preview", "--run-program"]);
  });

  it("destroy with restoreOnDelete puts every original value back", async function () {
    await stack.up(); // stores the rotated token's config with the provider
    stack.emulator.clearRequests();
    await stack.destroy(["--skip-preview"]);
    const restore = stack.emulator.requests.find((r) => r.method === "PATCH");
    assert.deepEqual(restore?.body, {
      vatin: "DE-OLD",
      invoice_issuer_info: "Old",
      payment_data: {},
      ...apiReferences(0, 0, 0),
    });
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-OLD");
  });
});
