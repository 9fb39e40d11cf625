import assert from "node:assert/strict";
import { UNKNOWN_VALUE } from "../../provider/billing/fields";
import { checkInputs } from "../../provider/billing/inputChecks";
import { references } from "../references";

describe("checkInputs (the provider's check)", () => {
  it("accepts a full, valid declaration and applies the restoreOnDelete default", () => {
    const { inputs, failures } = checkInputs({
      orgId: 101,
      vatin: "DE123456789",
      invoiceIssuerInfo: null,
      chargingModel: { id: 1 },
      paymentTerm: { id: 0 },
      vatRate: { id: 2, description: "copied from an output" },
      paymentData: { iban: "DE89370400440532013000" },
      __provider: "exports.handler = ...",
    });
    assert.deepEqual(failures, []);
    assert.deepEqual(inputs, {
      orgId: 101,
      vatin: "DE123456789",
      invoiceIssuerInfo: null,
      ...references(1, 0, 2),
      paymentData: { iban: "DE89370400440532013000" },
      restoreOnDelete: false,
    });
  });

  const cases: Array<[string, Record<string, unknown>, Array<{ property: string; reason: string }>]> = [
    ["a missing orgId", {}, [{ property: "orgId", reason: "is required" }]],
    [
      "an orgId given as a string",
      { orgId: "101" },
      [{ property: "orgId", reason: 'must be a number (the emnify organisation id), got the string "101"' }],
    ],
    ["a fractional orgId", { orgId: 1.5 }, [{ property: "orgId", reason: "must be a positive whole number, got the number 1.5" }]],
    ["a negative orgId", { orgId: -3 }, [{ property: "orgId", reason: "must be a positive whole number, got the number -3" }]],
    ["a vatin that is a number", { orgId: 1, vatin: 123 }, [{ property: "vatin", reason: "must be a string, got the number 123" }]],
    [
      "a vatin longer than 64 characters",
      { orgId: 1, vatin: "x".repeat(65) },
      [{ property: "vatin", reason: "must be at most 64 characters, got 65" }],
    ],
    [
      "a chargingModel id given as a string",
      { orgId: 1, chargingModel: { id: "1" } },
      [{ property: "chargingModel.id", reason: 'must be a number, got the string "1"' }],
    ],
    ["a chargingModel without an id", { orgId: 1, chargingModel: {} }, [{ property: "chargingModel.id", reason: "is required" }]],
    [
      "a paymentTerm given as a bare number",
      { orgId: 1, paymentTerm: 2 },
      [{ property: "paymentTerm", reason: "must be an object like { id: 1 }, got the number 2" }],
    ],
    [
      "a vatRate id that is negative",
      { orgId: 1, vatRate: { id: -1 } },
      [{ property: "vatRate.id", reason: "must be a whole number of 0 or more, got the number -1" }],
    ],
    ["paymentData given as a list", { orgId: 1, paymentData: [1] }, [{ property: "paymentData", reason: "must be an object, got a list" }]],
    [
      "invoiceIssuerInfo given as a boolean",
      { orgId: 1, invoiceIssuerInfo: true },
      [{ property: "invoiceIssuerInfo", reason: "must be a string, got true" }],
    ],
    [
      "restoreOnDelete given as a string",
      { orgId: 1, restoreOnDelete: "yes" },
      [{ property: "restoreOnDelete", reason: 'must be true or false, got the string "yes"' }],
    ],
    [
      "an unknown argument (a typo)",
      { orgId: 1, vatId: "DE1" },
      [
        {
          property: "vatId",
          reason:
            "is not an argument of BillingConfig (known: orgId, vatin, invoiceIssuerInfo, chargingModel, paymentTerm, vatRate, paymentData, restoreOnDelete)",
        },
      ],
    ],
  ];
  for (const [what, news, expected] of cases) {
    it(`refuses ${what}, naming the property and the reason`, () => {
      assert.deepEqual(checkInputs(news).failures, expected);
    });
  }

  it("reports every bad property at once", () => {
    const { failures } = checkInputs({ orgId: "x", vatin: 1, chargingModel: { id: "y" } });
    assert.deepEqual(
      failures.map((f) => f.property),
      ["orgId", "vatin", "chargingModel.id"],
    );
  });

  it("lets values that are unknown during preview pass, at any level", () => {
    const news = {
      orgId: UNKNOWN_VALUE,
      vatin: UNKNOWN_VALUE,
      chargingModel: { id: UNKNOWN_VALUE },
      paymentTerm: UNKNOWN_VALUE,
      restoreOnDelete: UNKNOWN_VALUE,
    };
    const { inputs, failures } = checkInputs(news);
    assert.deepEqual(failures, []);
    assert.deepEqual(inputs, news);
  });

  it("keeps a __proto__ key in paymentData as plain data without touching prototypes", () => {
    const paymentData = JSON.parse('{"__proto__": {"polluted": true}, "iban": "X"}');
    const { inputs, failures } = checkInputs({ orgId: 1, paymentData });
    assert.deepEqual(failures, []);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(inputs.paymentData), Object.prototype);
    assert.deepEqual(Object.keys(inputs.paymentData as object), ["__proto__", "iban"]);
  });

  it("never echoes a huge string back in a reason", () => {
    const { failures } = checkInputs({ orgId: "y".repeat(100_000) });
    assert.deepEqual(failures, [
      { property: "orgId", reason: "must be a number (the emnify organisation id), got a string of 100000 characters" },
    ]);
  });
});
