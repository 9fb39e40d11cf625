import * as assert from "node:assert/strict";
import { BILLING_ORIGINALS_TYPE } from "../../tools/apiCalls";
import { CliStack } from "./world";

// Each organisation starts with its pre-Pulumi values; every test checks that destroy puts them back.
const ORGS = [2, 3].map((id) => ({
  id,
  billingConfig: { vatin: `DE-ORIGINAL-${id}`, payment_term: { id: 1 }, payment_data: { iban: `ORIGINAL-${id}` } },
}));

function declared(name: string, orgId: number, extra: { aliases?: string[] } = {}) {
  return {
    name,
    args: { orgId, vatin: `DE-SET-${orgId}`, paymentTerm: { id: 2 }, paymentData: { iban: `SET-${orgId}` }, restoreOnDelete: true },
    ...(extra.aliases ? { options: { aliases: extra.aliases } } : {}),
  };
}

describe("real CLI: the originals recorded before the first change (BillingOriginals)", function () {
  let stack: CliStack;

  beforeEach(async function () {
    stack = await CliStack.create({ organisations: ORGS, resources: [] });
  });
  afterEach(() => stack?.dispose());

  function assertOriginal(orgId: number): void {
    const held = stack.emulator.billingConfig(orgId);
    assert.equal(held.vatin, `DE-ORIGINAL-${orgId}`);
    assert.equal((held.payment_term as { id: number } | null)?.id, 1);
    assert.deepEqual(held.payment_data, { iban: `ORIGINAL-${orgId}` });
  }

  async function originalsResources() {
    return stack.runner.resources(stack.name, BILLING_ORIGINALS_TYPE);
  }

  it("up records the organisation with one GET before the PATCH, keeps payment data secret, and refresh leaves the record alone", async function () {
    await stack.declare([declared("a", 2)]);
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2", "GET 2", "PATCH 2", "GET 2"]);
    const [record] = await originalsResources();
    assert.ok(record.urn.endsWith("::org-2"), record.urn);
    assert.equal(JSON.stringify(record).includes('ORIGINAL-2"'), false, "the recorded payment data is stored encrypted");
    stack.emulator.clearRequests();
    await stack.refresh(["--expect-no-changes"]);
    // The refresh's preview and the refresh itself each read the BillingConfig; the record is history, never read.
    assert.deepEqual(stack.billingCalls(), ["GET 2", "GET 2"]);
    assert.ok((await originalsResources())[0].outputs?.originals, "the record survives the refresh");
    await stack.up(["--expect-no-changes"]);
    await stack.destroy();
    assertOriginal(2);
    assert.deepEqual(await originalsResources(), []);
  });

  it("a BillingConfig whose create was lost after its PATCH adopts the recorded originals, and destroy restores them", async function () {
    // The state a kill between the PATCH and the engine's checkpoint leaves: the record, no BillingConfig.
    await stack.declare([declared("a", 2)]);
    await stack.up();
    const bc = await stack.billingResource("a");
    await stack.pulumi(["state", "delete", bc.urn, "--yes"]);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-SET-2");
    stack.emulator.clearRequests();
    const again = await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2"]);
    assert.match(
      again.stdout + again.stderr,
      /adopting the originals recorded before this stack first changed it; vatin, paymentTerm, paymentData already differ/,
    );
    await stack.destroy();
    assertOriginal(2);
  });

  it("a rename without aliases restores the true originals on destroy", async function () {
    await stack.declare([declared("old", 2)]);
    await stack.up();
    await stack.declare([declared("new", 2)]);
    stack.emulator.clearRequests();
    const renamed = await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2"], "the old one is released, not restored, beneath its successor");
    assert.match(renamed.stdout, /released unchanged, not restored/);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-SET-2");
    await stack.destroy();
    assertOriginal(2);
  });

  it("a replace by orgId restores the old organisation, records the new one, and destroy restores both", async function () {
    await stack.declare([declared("a", 2)]);
    await stack.up();
    await stack.declare([declared("a", 3)]);
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 3", "GET 3", "PATCH 3", "GET 3", "PATCH 2"]);
    assertOriginal(2);
    assert.deepEqual(
      (await originalsResources()).map((r) => r.urn.split("::").pop()),
      ["org-3"],
    );
    await stack.destroy();
    assertOriginal(3);
  });

  it("two BillingConfigs for one organisation stop the program with one line naming both", async function () {
    await stack.declare([declared("first", 2), declared("second", 2)]);
    stack.emulator.clearRequests();
    const result = await stack.up([], { allowFailure: true });
    assert.notEqual(result.code, 0);
    assert.match(result.stdout + result.stderr, /BillingConfig "second" and BillingConfig "first" both declare emnify organisation 2/);
    assert.deepEqual(stack.billingCalls(), []);
  });

  it("an orgId given as an Output gets its record before the BillingConfig's PATCH too", async function () {
    await stack.declare([{ ...declared("a", 2), options: { orgIdAsOutput: true } }]);
    stack.emulator.clearRequests();
    const result = await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2", "GET 2", "PATCH 2", "GET 2"]);
    assert.doesNotMatch(result.stdout + result.stderr, /no recorded originals/);
    assert.equal((await originalsResources()).length, 1);
    const bc = await stack.billingResource("a");
    await stack.pulumi(["state", "delete", bc.urn, "--yes"]);
    await stack.up();
    await stack.destroy();
    assertOriginal(2);
  });

  it("restoreOnDelete false records nothing", async function () {
    await stack.declare([{ name: "a", args: { orgId: 2, vatin: "DE-SET-2" } }]);
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2", "PATCH 2", "GET 2"]);
    assert.deepEqual(await originalsResources(), []);
  });

  it("two ups at once on one stack: the second fails on the lock and nothing is lost", async function () {
    await stack.declare([declared("a", 2), declared("b", 3)]);
    const [first, second] = await Promise.all([stack.up([], { allowFailure: true }), stack.up([], { allowFailure: true })]);
    const statuses = [first.code, second.code].sort();
    assert.equal(statuses[0], 0, `${first.stdout}${first.stderr}\n${second.stdout}${second.stderr}`);
    assert.notEqual(statuses[1], 0);
    const failed = first.code === 0 ? second : first;
    assert.match(failed.stdout + failed.stderr, /currently locked/);
    await stack.up(["--expect-no-changes"]);
    await stack.destroy();
    assertOriginal(2);
    assertOriginal(3);
  });
});
