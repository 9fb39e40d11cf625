/**
 * The check a program (and its unit tests) gets at construction: `checkBillingConfigArgs` and
 * `new BillingConfig` refuse what the provider's `check` refuses, in its words, and let through
 * what is not known yet (outputs, promises), which the provider checks later.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { BillingConfig, checkBillingConfigArgs } from "../../provider/index";
import { checkInputs } from "../../provider/billing/inputChecks";
import { MAX_VATIN_LENGTH } from "../../provider/billing/inputChecks";

const REFUSED: Record<string, unknown>[] = [
  { orgId: -1 },
  { orgId: 1.5 },
  { orgId: "101" },
  { vatin: "DE1" },
  { orgId: 101, vatin: "x".repeat(MAX_VATIN_LENGTH + 1) },
  { orgId: 101, invoiceIssuerInfo: 7 },
  { orgId: 101, chargingModel: 1 },
  { orgId: 101, vatRate: { id: "1" } },
  { orgId: 101, paymentTerm: {} },
  { orgId: 101, paymentData: [] },
  { orgId: 101, restoreOnDelete: "yes" },
  { orgId: 101, vatIn: "DE1" },
];

describe("checking BillingConfig's arguments where they are declared", () => {
  before(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args: pulumi.runtime.MockResourceArgs) => ({
          id: String(args.inputs.orgId),
          state: args.inputs as Record<string, unknown>,
        }),
        call: (args: pulumi.runtime.MockCallArgs) => args.inputs as Record<string, unknown>,
      },
      "args-check",
      "test",
    );
  });

  for (const args of REFUSED) {
    it(`refuses ${JSON.stringify(args).slice(0, 60)} with the failures of the provider's check`, () => {
      const failures = checkBillingConfigArgs(args);
      assert.ok(failures.length > 0);
      assert.deepEqual(failures, checkInputs(args).failures);
    });
  }

  it("accepts what check accepts", () => {
    const args = {
      orgId: 101,
      vatin: "DE123456789",
      invoiceIssuerInfo: null,
      chargingModel: { id: 1, description: "copied from the outputs" },
      paymentTerm: { id: 0 },
      vatRate: { id: 2 },
      paymentData: { iban: "DE02120300000000202051", nested: { a: [1, 2] } },
      restoreOnDelete: true,
    };
    assert.deepEqual(checkBillingConfigArgs(args), []);
    assert.deepEqual(checkInputs(args).failures, []);
  });

  it("does not judge values not known yet: outputs, promises, and objects holding them", () => {
    assert.deepEqual(
      checkBillingConfigArgs({
        orgId: pulumi.output(-1),
        vatin: Promise.resolve(42),
        chargingModel: { id: pulumi.output("1") },
        paymentTerm: pulumi.output({ id: -5 }),
        paymentData: { iban: pulumi.secret("DE02120300000000202051") },
        restoreOnDelete: pulumi.output("yes"),
      }),
      [],
    );
  });

  it("still judges the known values beside unknown ones", () => {
    assert.deepEqual(checkBillingConfigArgs({ orgId: pulumi.output(101), vatRate: { id: pulumi.output(1) }, paymentTerm: { id: -1 } }), [
      { property: "paymentTerm.id", reason: "must be a whole number of 0 or more, got the number -1" },
    ]);
  });

  it("new BillingConfig throws one line naming the resource, each property and its reason", () => {
    assert.throws(
      () => new BillingConfig("bad", { orgId: -1, vatRate: { id: "1" as unknown as number } }),
      (error: unknown) => {
        assert.ok(error instanceof pulumi.RunError);
        assert.equal(
          error.message,
          'BillingConfig "bad": orgId: must be a positive whole number, got the number -1; vatRate.id: must be a number, got the string "1"',
        );
        return true;
      },
    );
  });

  it("new BillingConfig with values not known yet is declared, and its outputs flow", async () => {
    const other = new BillingConfig("other", { orgId: 7 });
    const resource = new BillingConfig("follows", { orgId: other.orgId.apply((id) => id + 1), chargingModel: { id: other.orgId } });
    const orgId = await new Promise((resolve) => resource.orgId.apply(resolve));
    assert.equal(orgId, 8);
  });
});
