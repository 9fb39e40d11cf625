import * as assert from "node:assert/strict";
import { BILLING_CONFIG_TYPE, CliStack } from "./world";

// Pulumi's engine sends a dynamic resource's Read without `__provider` when nothing in the state
// holds one (pulumi/pulumi#16175), so Pulumi's own host cannot load any provider for it. Declaring
// the resource is the way in: create adopts the organisation.
describe("real CLI: pulumi import and reading by id do not work for dynamic resources", function () {
  let stack: CliStack;

  before(async function () {
    stack = await CliStack.create({ organisations: [{ id: 2, billingConfig: { vatin: "DE2" } }], resources: [] });
  });
  after(() => stack?.dispose());

  it("pulumi import fails in Pulumi's dynamic-provider host before any API call", async function () {
    stack.emulator.clearRequests();
    const result = await stack.pulumi(["import", BILLING_CONFIG_TYPE, "imported", "2"], { allowFailure: true });
    assert.match(result.stdout + result.stderr, /Cannot read properties of undefined \(reading 'toJavaScript'\)/);
    assert.equal(stack.emulator.requests.length, 0);
    assert.deepEqual(await stack.billingResources(), []);
  });

  it("a resource read by id (the `id` option) fails the same way", async function () {
    await stack.declare([{ name: "existing", args: { orgId: 2 }, options: { readId: "2" } }]);
    stack.emulator.clearRequests();
    const result = await stack.up(["--skip-preview"], { allowFailure: true });
    assert.notEqual(result.code, 0);
    assert.match(result.stdout + result.stderr, /Cannot read properties of undefined \(reading 'toJavaScript'\)/);
    assert.equal(stack.emulator.requests.length, 0);
  });

  it("declaring the resource adopts the organisation instead, with one GET", async function () {
    await stack.declare([{ name: "adopted", args: { orgId: 2, vatin: "DE2" } }]);
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2"]);
  });
});
