import * as assert from "node:assert/strict";
import { CliStack } from "./world";

describe("real CLI: adopting organisations with pulumi preview and pulumi up", function () {
  let stack: CliStack;

  before(async function () {
    stack = await CliStack.create({
      organisations: [
        { id: 2, billingConfig: { vatin: "DE200000002", charging_model: { id: 1 }, payment_term: { id: 1 } } },
        { id: 3, billingConfig: { vatin: "DE300000003", charging_model: { id: 1 }, payment_term: { id: 1 } } },
      ],
      resources: [
        { name: "matching", args: { orgId: 2, vatin: "DE200000002", chargingModel: { id: 1 } } },
        { name: "differing", args: { orgId: 3, vatin: "DE399999999", paymentTerm: { id: 2 } } },
      ],
    });
  });
  after(() => stack?.dispose());

  it("preview plans two creates and makes no API call", async function () {
    stack.emulator.clearRequests();
    const result = await stack.preview();
    assert.match(result.stdout, /\+ 3 to create/);
    assert.equal(stack.emulator.requests.length, 0);
  });

  it("up adopts the matching organisation with one GET and changes only the differing fields of the other", async function () {
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual([...stack.billingCalls()].sort(), ["GET 2", "GET 3", "GET 3", "PATCH 3"]);
    assert.equal(stack.authentications(), 1);
    const patch = stack.emulator.requests.find((r) => r.method === "PATCH");
    assert.deepEqual(patch?.body, { vatin: "DE399999999", payment_term: { id: 2 } });
    assert.equal(stack.emulator.billingConfig(3).vatin, "DE399999999");
    const differing = await stack.billingResource("differing");
    assert.equal(differing.id, "3");
    assert.equal(differing.outputs?.vatin, "DE399999999");
  });

  it("a second up with --expect-no-changes succeeds without any API call", async function () {
    stack.emulator.clearRequests();
    await stack.up(["--expect-no-changes"]);
    assert.equal(stack.emulator.requests.length, 0);
  });
});
