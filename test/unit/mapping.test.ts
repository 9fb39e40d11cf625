import assert from "node:assert/strict";
import { UNKNOWN_VALUE } from "../../provider/billing/fields";
import {
  canonicalJson,
  fieldsToPatch,
  liveFromApi,
  patchBody,
  readStoredState,
  restoreBody,
  sameValue,
} from "../../provider/billing/mapping";
import { apiBillingConfigSchema } from "../../provider/billing/apiSchemas";

const parse = (body: unknown) => liveFromApi(apiBillingConfigSchema.parse(body));

/** The values of a billing config that holds nothing. */
const NOTHING = { vatin: null, invoiceIssuerInfo: null, chargingModel: null, paymentTerm: null, vatRate: null, paymentData: null };

describe("mapping between the API, the declaration and the state", () => {
  it("reads the nested shape, keeping descriptions and ignoring unknown fields", () => {
    assert.deepEqual(
      parse({
        id: 8,
        vatin: "DE1",
        invoice_issuer_info: null,
        charging_model: { id: 1, description: "Charging model 1" },
        payment_term: { id: 0 },
        vat_rate: { id: "2", description: null },
        payment_data: { iban: "X" },
        currency: { id: 1, code: "EUR" },
      }),
      {
        billingConfigId: 8,
        values: {
          vatin: "DE1",
          invoiceIssuerInfo: null,
          chargingModel: { id: 1, description: "Charging model 1" },
          paymentTerm: { id: 0 },
          vatRate: { id: 2 },
          paymentData: { iban: "X" },
        },
      },
    );
  });

  it("reads the flat legacy shape with ids as strings", () => {
    assert.deepEqual(
      parse({ billing_config_id: "8", charging_model_id: "0", payment_term_id: "1", vatin: "DE1", invoice_issuer_info: "ACME" }),
      {
        billingConfigId: 8,
        values: { ...NOTHING, vatin: "DE1", invoiceIssuerInfo: "ACME", chargingModel: { id: 0 }, paymentTerm: { id: 1 } },
      },
    );
  });

  it("reads an empty body as a config that holds nothing", () => {
    assert.deepEqual(parse({}).values, NOTHING);
  });

  it("refuses an id that is not a number", () => {
    assert.equal(apiBillingConfigSchema.safeParse({ charging_model: { id: "prepaid" } }).success, false);
  });

  it("refuses an id too large to compare exactly instead of rounding it", () => {
    const result = apiBillingConfigSchema.safeParse({ charging_model_id: "123456789012345678901234567890" });
    assert.equal(result.success, false);
    assert.equal(result.error?.issues[0].message, "must be a whole number small enough to compare exactly");
  });

  it("writes PATCH bodies in snake_case with references reduced to their id", () => {
    assert.deepEqual(patchBody({ vatin: "DE1", chargingModel: { id: 1, description: "x" }, invoiceIssuerInfo: null }), {
      vatin: "DE1",
      invoice_issuer_info: null,
      charging_model: { id: 1 },
    });
  });

  const same: Array<[Parameters<typeof sameValue>[0], unknown, unknown, boolean]> = [
    ["chargingModel", { id: 1 }, { id: 1, description: "Charging model 1" }, true],
    ["chargingModel", { id: 1 }, { id: 2 }, false],
    ["chargingModel", { id: 1 }, null, false],
    ["chargingModel", { id: UNKNOWN_VALUE }, { id: 1 }, false],
    ["vatin", "DE1", "DE1", true],
    ["vatin", "DE1", null, false],
    ["invoiceIssuerInfo", null, null, true],
    ["invoiceIssuerInfo", null, undefined, true],
    ["paymentData", { a: 1, b: { c: 2 } }, { b: { c: 2 }, a: 1 }, true],
    ["paymentData", { a: 1 }, { a: 1, b: 2 }, false],
    ["vatin", UNKNOWN_VALUE, UNKNOWN_VALUE, false],
  ];
  for (const [field, declared, live, expected] of same) {
    it(`says ${field} ${JSON.stringify(declared)} ${expected ? "matches" : "differs from"} ${JSON.stringify(live)}`, () => {
      assert.equal(sameValue(field, declared, live), expected);
    });
  }

  it("patches only declared fields whose live value differs", () => {
    assert.deepEqual(
      fieldsToPatch(
        { orgId: 1, vatin: "DE1", chargingModel: { id: 1 }, paymentTerm: { id: 2 } },
        { vatin: "DE1", chargingModel: { id: 0 }, paymentTerm: { id: 2 }, vatRate: { id: 9 } },
      ),
      ["chargingModel"],
    );
  });

  it("sorts keys in canonical JSON at every depth", () => {
    assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: null }), '{"a":null,"b":[{"c":2,"d":1}]}');
  });

  it("restores originals, skipping empty ones the API cannot set to null", () => {
    assert.deepEqual(
      restoreBody(["vatin", "invoiceIssuerInfo", "chargingModel", "vatRate"], {
        vatin: "OLD",
        invoiceIssuerInfo: null,
        chargingModel: { id: 0, description: "x" },
        vatRate: null,
      }),
      { body: { vatin: "OLD", invoice_issuer_info: null, charging_model: { id: 0 } }, skipped: ["vatRate"] },
    );
  });

  it("reads a stored state from an older version without managedFields as managing nothing", () => {
    assert.deepEqual(readStoredState({ vatin: "x" }), { managedFields: [], adoptedOriginal: {}, restoreOnDelete: false, adoptionId: null });
  });

  it("ignores unknown names in a stored managedFields list", () => {
    assert.deepEqual(
      readStoredState({
        managedFields: ["vatin", "bogus"],
        adoptedOriginal: { vatin: "A", bogus: 1 },
        restoreOnDelete: true,
        adoptionId: "a-1",
      }),
      {
        managedFields: ["vatin"],
        adoptedOriginal: { vatin: "A" },
        restoreOnDelete: true,
        adoptionId: "a-1",
      },
    );
  });
});
