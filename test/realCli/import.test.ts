import * as assert from "node:assert/strict";
import { BILLING_CONFIG_TYPE, CliStack } from "./world";

// `pulumi import` sends a dynamic resource's Read without `__provider` (pulumi/pulumi#16175), so
// Pulumi's own host cannot load any provider for it. A program that reads by id sends the
// `__provider` with the read's properties, so that works, and the resource is only read.
// Declaring the resource is the way to manage an organisation: create adopts it.
describe("real CLI: pulumi import fails, reading by id only reads, declaring adopts", function () {
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

  it("a resource read by id (the `id` option) is read with one GET and recorded as external, managing nothing", async function () {
    await stack.declare([{ name: "existing", args: { orgId: 2 }, options: { readId: "2" } }]);
    stack.emulator.clearRequests();
    await stack.up(["--skip-preview"]);
    assert.deepEqual(stack.billingCalls(), ["GET 2"]);
    const [read] = await stack.billingResources();
    assert.equal(read.external, true);
    assert.equal(read.id, "2");
    assert.equal(read.outputs?.vatin, "DE2");
    assert.deepEqual(read.outputs?.managedFields, []);
    await stack.declare([]);
    stack.emulator.clearRequests();
    await stack.up(["--skip-preview"]);
    assert.deepEqual(stack.billingCalls(), [], "dropping a read resource makes no API call");
    assert.deepEqual(await stack.billingResources(), []);
  });

  it("declaring the resource adopts the organisation instead, with one GET", async function () {
    await stack.declare([{ name: "adopted", args: { orgId: 2, vatin: "DE2" } }]);
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2"]);
  });
});
