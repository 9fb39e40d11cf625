/**
 * `--target` with the records of originals, through the real CLI: what README's "When a run dies"
 * says about a targeted `up` that adopts, and a targeted `destroy` of a BillingConfig alone.
 */
import * as assert from "node:assert/strict";
import { BILLING_CONFIG_TYPE, BILLING_ORIGINALS_TYPE } from "../../tools/apiCalls";
import { CliStack, PROJECT } from "./world";

const ORGS = [2, 3].map((id) => ({
  id,
  billingConfig: { vatin: `DE-ORIGINAL-${id}`, payment_term: { id: 1 } },
}));

function declared(name: string, orgId: number) {
  return { name, args: { orgId, vatin: `DE-SET-${orgId}`, paymentTerm: { id: 2 }, restoreOnDelete: true } };
}

describe("real CLI: --target and the records of originals", function () {
  let stack: CliStack;

  beforeEach(async function () {
    stack = await CliStack.create({ organisations: ORGS, resources: [] });
  });
  afterEach(() => stack?.dispose());

  const urn = (type: string, name: string) => `urn:pulumi:${stack.name}::${PROJECT}::${type}::${name}`;

  function assertOriginal(orgId: number): void {
    assert.equal(stack.emulator.billingConfig(orgId).vatin, `DE-ORIGINAL-${orgId}`);
    assert.equal((stack.emulator.billingConfig(orgId).payment_term as { id: number } | null)?.id, 1);
  }

  it("an up targeting only a new BillingConfig is refused before any PATCH; targeting its record too adopts safely", async function () {
    await stack.declare([declared("a", 2), declared("b", 3)]);
    stack.emulator.clearRequests();
    const refused = await stack.up(["--target", urn(BILLING_CONFIG_TYPE, "a")], { allowFailure: true });
    assert.notEqual(refused.code, 0);
    // The engine's own words (its typo "was was" included, hence the optional word).
    assert.match(refused.stdout + refused.stderr, /BillingOriginals::org-2' which was (was )?not specified in --target list/);
    assert.deepEqual(
      stack.billingCalls().filter((call) => call.startsWith("PATCH")),
      [],
    );
    assertOriginal(2);

    stack.emulator.clearRequests();
    await stack.up(["--target", urn(BILLING_CONFIG_TYPE, "a"), "--target", urn(BILLING_ORIGINALS_TYPE, "org-2")]);
    // The record's GET, then the BillingConfig's GET, PATCH and read-back; organisation 3 is not touched.
    assert.deepEqual(stack.billingCalls(), ["GET 2", "GET 2", "PATCH 2", "GET 2"]);
    assertOriginal(3);
    await stack.up();
    await stack.destroy();
    assertOriginal(2);
    assertOriginal(3);
  });

  it("a destroy targeting a BillingConfig restores it and keeps its record; the next up adopts from the record", async function () {
    await stack.declare([declared("a", 2)]);
    await stack.up();
    stack.emulator.clearRequests();
    await stack.destroy(["--target", urn(BILLING_CONFIG_TYPE, "a")]);
    assert.deepEqual(stack.billingCalls(), ["PATCH 2"]);
    assertOriginal(2);
    assert.equal((await stack.runner.resources(stack.name, BILLING_ORIGINALS_TYPE)).length, 1, "the record stays");

    // Someone changes the organisation by hand meanwhile: the record, not what emnify now holds, is what destroy gives back.
    stack.emulator.setBillingConfig(2, { vatin: "DE-BY-HAND-2" });
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2", "PATCH 2", "GET 2"], "no new record: its GET is not made again");
    await stack.destroy();
    assertOriginal(2);
  });
});
