import assert from "node:assert/strict";
import { EmnifyEmulator, type ApiBillingConfig } from "pulumi-emnify/emulator";
import { assertApiError, authenticate, BILLING_CONFIG, call, useEmulator } from "./helpers";
import { apiDescribedReferences, apiReferences } from "../references";

const STORED: ApiBillingConfig = {
  id: 77,
  vatin: "DE123456789",
  invoice_issuer_info: "Acme GmbH, Berlin",
  ...apiReferences(1, 1, 3),
  payment_data: { iban: "DE02120300000000202051" },
};

/** STORED as the API answers it: references with their descriptions, and the currency. */
const NESTED = { ...STORED, ...apiDescribedReferences(1, 1, 3), currency: { id: 1, code: "EUR" } };

const ORGANISATIONS = [{ id: 42, name: "Customer A", billingConfig: STORED }, { id: 43 }, { id: 7, parentId: 500 }];

function validationBody(errors: unknown[]) {
  return { error_code: 1400, error_token: "InputValidationFailed", message: "Validation failed", errors };
}
const format = (field: string, message: string) => ({ error_code: 1403, error_token: "InvalidFormat", message, field });
const reference = (field: string, message: string) => ({
  error_code: 1401,
  error_token: "InvalidReference",
  message,
  field,
});

describe("emulator billing config", () => {
  const ctx = useEmulator({ organisations: ORGANISATIONS });
  let jwt: string;
  beforeEach(async () => {
    jwt = await authenticate(ctx.emulator);
  });

  describe("GET", () => {
    it("answers the nested shape with neutral descriptions and one extra unknown field", async () => {
      const answer = await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get("content-type"), "application/json");
      assert.deepEqual(answer.json, NESTED);
    });

    it("gives an organisation seeded without a config a plausible default with the first non-prepaid references", async () => {
      const answer = await call(ctx.emulator, "GET", BILLING_CONFIG(43), { jwt });
      assert.deepEqual(answer.json, {
        id: 9,
        vatin: "DE100000009",
        invoice_issuer_info: null,
        ...apiDescribedReferences(0, 0, 0),
        payment_data: {},
        currency: { id: 1, code: "EUR" },
      });
    });

    it("answers the legacy flat shape with ids as strings when billingConfigShape is flat", async () => {
      const emulator = await EmnifyEmulator.start({ billingConfigShape: "flat", organisations: ORGANISATIONS });
      try {
        const answer = await call(emulator, "GET", BILLING_CONFIG(42), { jwt: await authenticate(emulator) });
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.json, {
          billing_config_id: "77",
          charging_model_id: "1",
          payment_term_id: "1",
          vat_rate_id: "3",
          vatin: "DE123456789",
          invoice_issuer_info: "Acme GmbH, Berlin",
          payment_data: { iban: "DE02120300000000202051" },
        });
      } finally {
        await emulator.stop();
      }
    });

    it("lets the caller read its own organisation's config", async () => {
      const answer = await call(ctx.emulator, "GET", BILLING_CONFIG(1), { jwt });
      assert.equal(answer.status, 200);
      assert.equal((answer.json as { id: number }).id, 8);
    });

    it("shows an out-of-band change made with setBillingConfig, without logging it", async () => {
      ctx.emulator.clearRequests();
      ctx.emulator.setBillingConfig(42, { vatin: "changed elsewhere", charging_model: { id: 0 } });
      assert.equal(ctx.emulator.requests.length, 0);
      const answer = await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt });
      assert.deepEqual(answer.json, {
        ...NESTED,
        vatin: "changed elsewhere",
        charging_model: { id: 0, description: "Charging model 0" },
      });
    });

    it("shows an organisation seeded after start", async () => {
      ctx.emulator.seedOrganisation({ id: 50, billingConfig: { ...STORED, id: 500 } });
      const answer = await call(ctx.emulator, "GET", BILLING_CONFIG(50), { jwt });
      assert.deepEqual(answer.json, { ...NESTED, id: 500 });
    });
  });

  describe("PATCH", () => {
    it("answers exactly {} and GET reads the merged config back", async () => {
      const body = { vatin: "12345678901", charging_model: { id: 0 }, payment_data: { bic: "BELADEBEXXX" } };
      const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, body });
      assert.equal(answer.status, 200);
      assert.equal(answer.text, "{}");
      assert.deepEqual(ctx.emulator.billingConfig(42), {
        ...STORED,
        vatin: "12345678901",
        charging_model: { id: 0 },
        payment_data: { bic: "BELADEBEXXX" }, // replaced as a whole, not merged
      });
      const read = await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt });
      assert.deepEqual(read.json, {
        ...NESTED,
        vatin: "12345678901",
        charging_model: { id: 0, description: "Charging model 0" },
        payment_data: { bic: "BELADEBEXXX" },
      });
    });

    it("accepts a null invoice_issuer_info, the stored id and references carrying extra keys", async () => {
      const body = { id: 77, invoice_issuer_info: null, vat_rate: { id: 0, description: "VAT rate 0" } };
      const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, body });
      assert.equal(answer.status, 200);
      assert.deepEqual(ctx.emulator.billingConfig(42), { ...STORED, invoice_issuer_info: null, vat_rate: { id: 0 } });
    });

    it("hands out deep copies from billingConfig(), so a test cannot change the store by accident", () => {
      const copy = ctx.emulator.billingConfig(42);
      copy.charging_model = { id: 2 };
      (copy.payment_data as Record<string, unknown>).iban = "changed";
      assert.deepEqual(ctx.emulator.billingConfig(42), STORED);
    });

    const invalid: { name: string; body: Record<string, unknown>; errors: unknown[] }[] = [
      { name: "a vatin that is a number", body: { vatin: 123 }, errors: [format("vatin", "vatin must be a string")] },
      { name: "a null vatin", body: { vatin: null }, errors: [format("vatin", "vatin must be a string")] },
      {
        name: "a vatin of 65 characters",
        body: { vatin: "x".repeat(65) },
        errors: [format("vatin", "vatin must be at most 64 characters")],
      },
      {
        name: "an invoice_issuer_info that is a number",
        body: { invoice_issuer_info: 5 },
        errors: [format("invoice_issuer_info", "invoice_issuer_info must be a string or null")],
      },
      {
        name: "an invoice_issuer_info of 1001 characters",
        body: { invoice_issuer_info: "x".repeat(1001) },
        errors: [format("invoice_issuer_info", "invoice_issuer_info must be at most 1000 characters")],
      },
      {
        name: "a charging_model given as a bare number",
        body: { charging_model: 1 },
        errors: [format("charging_model", "charging_model must be an object with a numeric id")],
      },
      {
        name: "a charging_model id given as a string",
        body: { charging_model: { id: "1" } },
        errors: [format("charging_model", "charging_model must be an object with a numeric id")],
      },
      {
        name: "a null payment_term",
        body: { payment_term: null },
        errors: [format("payment_term", "payment_term must be an object with a numeric id")],
      },
      {
        name: "a vat_rate without an id",
        body: { vat_rate: {} },
        errors: [format("vat_rate", "vat_rate must be an object with a numeric id")],
      },
      {
        name: "a payment_term id outside the catalogue",
        body: { payment_term: { id: 9 } },
        errors: [reference("payment_term", "payment_term id 9 does not exist")],
      },
      {
        name: "a charging_model id outside the catalogue",
        body: { charging_model: { id: 3 } },
        errors: [reference("charging_model", "charging_model id 3 does not exist")],
      },
      {
        name: "payment_data given as a list",
        body: { payment_data: [] },
        errors: [format("payment_data", "payment_data must be an object")],
      },
      { name: "an id given as a string", body: { id: "77" }, errors: [format("id", "id must be a number")] },
      {
        name: "an id that is not the stored one",
        body: { id: 9 },
        errors: [reference("id", "id 9 does not match billing config 77")],
      },
      {
        name: "an unknown top-level field",
        body: { currency: { id: 1 } },
        errors: [format("currency", "currency is not a known field")],
      },
    ];
    for (const { name, body, errors } of invalid) {
      it(`refuses ${name} with 422 and the exact error, changing nothing`, async () => {
        const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, body });
        assert.equal(answer.status, 422);
        assert.deepEqual(answer.json, validationBody(errors));
        assert.deepEqual(ctx.emulator.billingConfig(42), STORED);
      });
    }

    it("reports every invalid field at once, in body order, and applies none of the valid ones", async () => {
      const body = { vatin: "valid", payment_data: "x", charging_model: { id: 7 }, chargingModel: { id: 1 } };
      const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, body });
      assert.equal(answer.status, 422);
      assert.deepEqual(
        answer.json,
        validationBody([
          format("payment_data", "payment_data must be an object"),
          reference("charging_model", "charging_model id 7 does not exist"),
          format("chargingModel", "chargingModel is not a known field"),
        ]),
      );
      assert.deepEqual(ctx.emulator.billingConfig(42), STORED);
    });

    for (const [name, rawBody] of [
      ["a JSON list", "[]"],
      ["JSON null", "null"],
      ["a JSON string", '"vatin"'],
    ]) {
      it(`answers a body that is ${name} with 400 BadRequest`, async () => {
        const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, rawBody });
        assertApiError(answer, 400, 1000, "BadRequest", "Request body must be a JSON object");
      });
    }

    for (const [name, rawBody] of [
      ["not JSON", "{vatin: 1}"],
      ["empty", ""],
    ]) {
      it(`answers a body that is ${name} with 400 Cannot parse`, async () => {
        const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, rawBody });
        assert.equal(answer.status, 400);
        assert.deepEqual(answer.json, { error_code: 1000, error_token: "BadRequest", message: "Cannot parse request body as JSON" });
      });
    }
  });

  describe("the prepaid rule", () => {
    const PREPAID_REFUSAL = {
      error_code: 1400,
      error_token: "InputValidationFailed",
      message: "If there are active Data packages or inclusive volume present, charging_model can not be updated to prepaid.",
    };

    it("refuses switching to the prepaid charging model while inclusive volumes are active with 409, changing nothing", async () => {
      ctx.emulator.setInclusiveVolumes(42, [{ id: 1, volume: 1024 }]);
      const body = { vatin: "new", charging_model: { id: 2 } };
      const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, body });
      assert.equal(answer.status, 409);
      assert.deepEqual(answer.json, PREPAID_REFUSAL);
      assert.deepEqual(ctx.emulator.billingConfig(42), STORED);
    });

    it("answers the prepaid rule and the own organisation with 422 when ruleViolationStatus is 422", async () => {
      const emulator = await EmnifyEmulator.start({ ruleViolationStatus: 422, organisations: [{ id: 42, inclusiveVolumes: [{ id: 1 }] }] });
      try {
        const token = await authenticate(emulator);
        const prepaid = await call(emulator, "PATCH", BILLING_CONFIG(42), { jwt: token, body: { charging_model: { id: 2 } } });
        assert.deepEqual([prepaid.status, prepaid.json], [422, PREPAID_REFUSAL]);
        const own = await call(emulator, "PATCH", BILLING_CONFIG(1), { jwt: token, body: { vatin: "x" } });
        assert.deepEqual(
          [own.status, own.json],
          [422, { error_code: 1406, error_token: "NotAllowed", message: "Updating of own organisation not allowed." }],
        );
      } finally {
        await emulator.stop();
      }
    });

    it("allows switching to prepaid when no inclusive volume is active", async () => {
      const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, body: { charging_model: { id: 2 } } });
      assert.equal(answer.status, 200);
      assert.deepEqual(ctx.emulator.billingConfig(42).charging_model, { id: 2 });
    });

    it("allows re-sending prepaid to an organisation that is already prepaid, even with inclusive volumes", async () => {
      ctx.emulator.seedOrganisation({ id: 44, billingConfig: { charging_model: { id: 2 } }, inclusiveVolumes: [{ id: 1 }] });
      const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(44), { jwt, body: { charging_model: { id: 2 } } });
      assert.equal(answer.status, 200);
    });

    it("follows the catalogue's prepaidChargingModelId", async () => {
      const emulator = await EmnifyEmulator.start({
        catalogue: { chargingModels: [5, 6], paymentTerms: [1], vatRates: [1], prepaidChargingModelId: 6 },
        organisations: [{ id: 42, inclusiveVolumes: [{ id: 1 }] }],
      });
      try {
        const token = await authenticate(emulator);
        assert.deepEqual(emulator.billingConfig(42).charging_model, { id: 5 });
        const answer = await call(emulator, "PATCH", BILLING_CONFIG(42), { jwt: token, body: { charging_model: { id: 6 } } });
        assert.deepEqual(answer.json, PREPAID_REFUSAL);
        const unknown = await call(emulator, "PATCH", BILLING_CONFIG(42), { jwt: token, body: { charging_model: { id: 2 } } });
        assert.deepEqual(unknown.json, validationBody([reference("charging_model", "charging_model id 2 does not exist")]));
      } finally {
        await emulator.stop();
      }
    });
  });

  describe("organisation access", () => {
    for (const method of ["GET", "PATCH"]) {
      const body = method === "PATCH" ? {} : undefined;
      it(`answers ${method} for an unknown organisation with 404 InvalidReference, as recorded traffic shows`, async () => {
        const answer = await call(ctx.emulator, method, BILLING_CONFIG(999), { jwt, body });
        assert.equal(answer.status, 404);
        assert.deepEqual(answer.json, { error_code: 1401, error_token: "InvalidReference", message: "Organisation 999 not found" });
      });

      it(`answers ${method} for an organisation that is not the caller's child with 403 Forbidden`, async () => {
        const answer = await call(ctx.emulator, method, BILLING_CONFIG(7), { jwt, body });
        assertApiError(answer, 403, 1104, "Forbidden", "Organisation 7 is not managed by organisation 1");
      });

      it(`answers ${method} with a non-numeric org_id with 400 BadRequest, as recorded traffic shows`, async () => {
        const answer = await call(ctx.emulator, method, BILLING_CONFIG("abc" as unknown as number), { jwt, body });
        assert.equal(answer.status, 400);
        assert.deepEqual(answer.json, { error_code: 1000, error_token: "BadRequest", message: "Cannot parse parameter id as Long" });
      });
    }

    it("answers 404 for an organisation after removeOrganisation", async () => {
      ctx.emulator.removeOrganisation(42);
      const answer = await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt });
      assert.equal(answer.status, 404);
      assert.deepEqual(answer.json, { error_code: 1401, error_token: "InvalidReference", message: "Organisation 42 not found" });
      assert.throws(() => ctx.emulator.billingConfig(42), /no organisation 42/);
    });

    it("refuses a PATCH of the caller's own organisation with 409 1406 NotAllowed, in the documented words", async () => {
      const answer = await call(ctx.emulator, "PATCH", BILLING_CONFIG(1), { jwt, body: { vatin: "x" } });
      assertApiError(answer, 409, 1406, "NotAllowed", "Updating of own organisation not allowed.");
    });

    it("answers a fractional or oversized org_id with 400, since it is not a whole number the API can parse", async () => {
      for (const id of ["42.5", "1e3", "12345678901234567890"]) {
        const answer = await call(ctx.emulator, "GET", `/api/v1/organisation/${id}/billing_config`, { jwt });
        assert.equal(answer.status, 400, id);
        assert.deepEqual(answer.json, { error_code: 1000, error_token: "BadRequest", message: "Cannot parse parameter id as Long" });
      }
    });
  });
});
