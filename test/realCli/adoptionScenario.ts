/**
 * The adoption scenario, run through both paths: the dynamic resource (adoption.test.ts) and the
 * provider plugin (pluginLifecycle.test.ts). One body of checks on a stack each path starts its own
 * way, so the two paths are held to the same behaviour.
 */
import * as assert from "node:assert/strict";
import type { SeedOrganisation } from "pulumi-emnify/emulator";
import type { DeclaredResource, StackUnderTest } from "./world";

export interface AdoptionWorld {
  organisations: SeedOrganisation[];
  resources: DeclaredResource[];
}

/** Organisation 2 already holds what "matching" declares; organisation 3 differs in two fields from "differing". */
const ADOPTION: AdoptionWorld = {
  organisations: [
    { id: 2, billingConfig: { vatin: "DE200000002", charging_model: { id: 1 }, payment_term: { id: 1 } } },
    { id: 3, billingConfig: { vatin: "DE300000003", charging_model: { id: 1 }, payment_term: { id: 1 } } },
  ],
  resources: [
    { name: "matching", args: { orgId: 2, vatin: "DE200000002", chargingModel: { id: 1 } } },
    { name: "differing", args: { orgId: 3, vatin: "DE399999999", paymentTerm: { id: 2 } } },
  ],
};

/**
 * Preview plans the creates without an API call; up adopts the matching organisation with one GET
 * (no PATCH) and changes only the differing fields of the other; a second up changes nothing.
 * `providerCodeInState`: whether the path keeps its provider's code in the state (the dynamic
 * resource's `__provider`) or not (the plugin).
 */
export function describeAdoption(
  title: string,
  start: (world: AdoptionWorld) => Promise<StackUnderTest>,
  options: { providerCodeInState: boolean },
): void {
  describe(title, function () {
    let stack: StackUnderTest;

    before(async function () {
      stack = await start(ADOPTION);
    });
    after(() => stack?.dispose());

    it("preview plans the creates and makes no API call", async function () {
      stack.emulator.clearRequests();
      const result = await stack.preview();
      assert.match(result.stdout, /\+ 3 to create/);
      assert.equal(stack.emulator.requests.length, 0);
    });

    it("up adopts the matching organisation with one GET (no PATCH) and changes only the differing fields of the other", async function () {
      stack.emulator.clearRequests();
      await stack.up();
      assert.deepEqual([...stack.billingCalls()].sort(), ["GET 2", "GET 3", "GET 3", "PATCH 3"]);
      assert.equal(stack.authentications(), 1);
      assert.deepEqual(stack.emulator.requests.find((r) => r.method === "PATCH")?.body, { vatin: "DE399999999", payment_term: { id: 2 } });
      assert.equal(stack.emulator.billingConfig(3).vatin, "DE399999999");
      const differing = await stack.billingResource("differing");
      assert.equal(differing.id, "3");
      assert.equal(differing.outputs?.vatin, "DE399999999");
      assert.equal(
        typeof differing.outputs?.__provider,
        options.providerCodeInState ? "string" : "undefined",
        "provider code in the state",
      );
    });

    it("a second up with --expect-no-changes succeeds without any API call", async function () {
      stack.emulator.clearRequests();
      await stack.up(["--expect-no-changes"]);
      assert.equal(stack.emulator.requests.length, 0);
    });
  });
}
