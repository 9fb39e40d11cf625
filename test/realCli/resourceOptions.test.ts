import * as assert from "node:assert/strict";
import { CliStack } from "./world";

const ORGS = [2, 3, 4].map((id) => ({ id, billingConfig: { vatin: `DE-ORIGINAL-${id}`, payment_data: { iban: `ORIGINAL-${id}` } } }));

describe("real CLI: replacement, renames and resource options", function () {
  let stack: CliStack;

  beforeEach(async function () {
    stack = await CliStack.create({ organisations: ORGS, resources: [] });
  });
  afterEach(() => stack?.dispose());

  it("changing orgId replaces: the new organisation is adopted, then the old one restored", async function () {
    await stack.declare([{ name: "b", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } }]);
    await stack.up();
    await stack.declare([{ name: "b", args: { orgId: 3, vatin: "DE-NEW", restoreOnDelete: true } }]);
    stack.emulator.clearRequests();
    const result = await stack.up();
    assert.match(result.stdout, /\+-1 replaced/);
    // Organisation 3's record of originals (one GET), its adoption, then organisation 2's restore.
    assert.deepEqual(stack.billingCalls(), ["GET 3", "GET 3", "PATCH 3", "GET 3", "PATCH 2"]);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-ORIGINAL-2");
    assert.equal(stack.emulator.billingConfig(3).vatin, "DE-NEW");
  });

  it("a rename with aliases changes nothing in emnify", async function () {
    await stack.declare([{ name: "old", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } }]);
    await stack.up();
    await stack.declare([{ name: "new", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true }, options: { aliases: ["old"] } }]);
    stack.emulator.clearRequests();
    await stack.up(["--expect-no-changes"]);
    assert.deepEqual(stack.billingCalls(), []);
  });

  it("a rename without aliases in one up adopts under the new name and does not restore underneath it", async function () {
    await stack.declare([{ name: "old", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } }]);
    await stack.up();
    await stack.declare([{ name: "new", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } }]);
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2"]);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-NEW");
  });

  it("a successor added in one up and the old resource removed in a later up does not restore underneath the successor", async function () {
    await stack.declare([{ name: "old", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } }]);
    await stack.up();
    // Two BillingConfigs that both restore one organisation are refused (they would share its
    // record of originals), so the successor arrives without restoreOnDelete and gets it later.
    await stack.declare([
      { name: "old", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } },
      { name: "new", args: { orgId: 2, vatin: "DE-NEW" } },
    ]);
    await stack.up();
    await stack.declare([{ name: "new", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } }]);
    stack.emulator.clearRequests();
    const result = await stack.up();
    assert.deepEqual(stack.billingCalls(), []);
    assert.match(result.stdout, /released unchanged, not restored/);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-NEW");
  });

  it("up --replace re-adopts with one GET when nothing differs", async function () {
    await stack.declare([{ name: "b", args: { orgId: 2, vatin: "DE-NEW" } }]);
    await stack.up();
    const urn = (await stack.billingResource("b")).urn;
    stack.emulator.clearRequests();
    const result = await stack.up(["--replace", urn]);
    assert.match(result.stdout, /\+-1 replaced/);
    assert.deepEqual(stack.billingCalls(), ["GET 2"]);
  });

  it("protect refuses destroy; retainOnDelete skips the restore; destroy without restoreOnDelete changes nothing", async function () {
    await stack.declare([
      { name: "protected", args: { orgId: 2, vatin: "DE-P", restoreOnDelete: true }, options: { protect: true } },
      { name: "retained", args: { orgId: 3, vatin: "DE-R", restoreOnDelete: true }, options: { retainOnDelete: true } },
      { name: "released", args: { orgId: 4, vatin: "DE-L" } },
    ]);
    await stack.up();
    const refused = await stack.destroy(["--skip-preview"], { allowFailure: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /protected/);
    await stack.declare([
      { name: "protected", args: { orgId: 2, vatin: "DE-P", restoreOnDelete: true } },
      { name: "retained", args: { orgId: 3, vatin: "DE-R", restoreOnDelete: true }, options: { retainOnDelete: true } },
      { name: "released", args: { orgId: 4, vatin: "DE-L" } },
    ]);
    await stack.up();
    stack.emulator.clearRequests();
    await stack.destroy(["--skip-preview"]);
    assert.deepEqual(stack.billingCalls(), ["PATCH 2"]);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-ORIGINAL-2");
    assert.equal(stack.emulator.billingConfig(3).vatin, "DE-R");
    assert.equal(stack.emulator.billingConfig(4).vatin, "DE-L");
  });

  it("ignoreChanges on paymentData keeps it managed after a refresh, and destroy still restores it", async function () {
    const args = { orgId: 2, vatin: "DE-NEW", paymentData: { iban: "DE-NEW-IBAN" }, restoreOnDelete: true };
    await stack.declare([{ name: "b", args }]);
    await stack.up();
    await stack.refresh(["--skip-preview"]);
    await stack.declare([{ name: "b", args: { ...args, paymentData: { iban: "IGNORED" } }, options: { ignoreChanges: ["paymentData"] } }]);
    stack.emulator.clearRequests();
    await stack.up(["--expect-no-changes"]);
    assert.deepEqual(stack.billingCalls(), []);
    assert.deepEqual((await stack.billingResource("b")).outputs?.managedFields, ["vatin", "paymentData"]);
    await stack.destroy(["--skip-preview"]);
    assert.deepEqual(stack.emulator.billingConfig(2).payment_data, { iban: "ORIGINAL-2" });
  });

  it("--target updates only the targeted resource", async function () {
    await stack.declare([
      { name: "x", args: { orgId: 2, vatin: "DE-X1" } },
      { name: "y", args: { orgId: 3, vatin: "DE-Y1" } },
    ]);
    await stack.up();
    await stack.declare([
      { name: "x", args: { orgId: 2, vatin: "DE-X2" } },
      { name: "y", args: { orgId: 3, vatin: "DE-Y2" } },
    ]);
    const urn = (await stack.billingResource("x")).urn;
    stack.emulator.clearRequests();
    await stack.up(["--target", urn]);
    assert.deepEqual(stack.billingCalls(), ["PATCH 2", "GET 2"]);
    assert.equal(stack.emulator.billingConfig(3).vatin, "DE-Y1");
  });

  it("a PATCH that fails after retries leaves a state that says so, and the next up finishes the job", async function () {
    await stack.declare([{ name: "b", args: { orgId: 2, vatin: "DE-NEW" } }]);
    stack.emulator.injectFault({ method: "PATCH", kind: "status", status: 503, times: Infinity });
    const failed = await stack.up(["--skip-preview"], { allowFailure: true });
    assert.notEqual(failed.code, 0);
    assert.match(failed.stdout + failed.stderr, /organisation 2.*503/s);
    stack.emulator.clearFaults();
    stack.emulator.clearRequests();
    await stack.up(["--skip-preview"]);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-NEW");
    await stack.up(["--expect-no-changes"]);
  });
});
