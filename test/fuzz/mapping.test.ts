/**
 * Property-based tests of the mapping between API bodies, field values and PATCH bodies, and of
 * the value comparisons diff relies on. Run counts and the seed come from FUZZ_RUNS (a multiplier
 * of the defaults below) and FUZZ_SEED: see ./harness.ts.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { FIELDS, FIELD_NAMES, FieldName, FieldValues, UNKNOWN_VALUE, fieldSpec } from "../../provider/billing/fields";
import { canonicalJson, liveFromApi, patchBody, sameValue } from "../../provider/billing/mapping";
import { MAX_PAYMENT_DATA_DEPTH } from "../../provider/billing/inputChecks";
import { apiBillingConfigSchema } from "../../provider/billing/apiSchemas";
import {
  ReferenceShape,
  apiIdArb,
  binaryString,
  declaredValueArb,
  hostileKey,
  hostileLeaf,
  hostileReference,
  hostileValue,
  jsonKey,
  jsonText,
  jsonTree,
  liveValueArb,
  objectWithOwnKeys,
  paymentDataArb,
  prng,
  referenceShapeArb,
  stringUpTo,
  withKeysReordered,
} from "./arbitraries";
import { assertNoPrototypePollution, countCase, describeFuzz, holds } from "./harness";

const API_NAMES = new Set([
  "id",
  "billing_config_id",
  ...FIELDS.map((f) => f.apiName),
  ...FIELDS.filter((f) => f.kind === "reference").map((f) => `${f.apiName}_id`),
]);
const REFERENCE_FIELDS = FIELDS.filter((f) => f.kind === "reference");

/** What a value becomes on the wire: JSON in, JSON out. */
function overTheWire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function idNumber(id: number | string): number {
  const sent = overTheWire(id);
  return typeof sent === "string" ? Number(sent) : sent;
}

/** The reference liveFromApi must read from one generated shape. */
function expectedReference(shape: ReferenceShape): { id: number; description?: string } | null {
  switch (shape.shape) {
    case "absent":
    case "nestedNull":
    case "flatNull":
      return null;
    case "nested":
      return shape.hasDescription && typeof shape.description === "string"
        ? { id: idNumber(shape.id), description: shape.description }
        : { id: idNumber(shape.id) };
    case "flat":
      return { id: idNumber(shape.id) };
    case "both":
      return { id: idNumber(shape.nestedId) };
  }
}

function writeReference(body: Record<string, unknown>, apiName: string, shape: ReferenceShape): void {
  switch (shape.shape) {
    case "absent":
      return;
    case "nestedNull":
      body[apiName] = null;
      return;
    case "flatNull":
      body[`${apiName}_id`] = null;
      return;
    case "nested": {
      const entries: Array<readonly [string, unknown]> = [...shape.extras, ["id", shape.id]];
      if (shape.hasDescription) entries.push(["description", shape.description]);
      body[apiName] = objectWithOwnKeys(entries);
      return;
    }
    case "flat":
      body[`${apiName}_id`] = shape.id;
      return;
    case "both":
      body[apiName] = { id: shape.nestedId };
      body[`${apiName}_id`] = shape.flatId;
      return;
  }
}

/** absent (undefined), null, or a value. */
const maybe = <T>(value: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), fc.constant(null), value);

const apiBodyArb = fc.record({
  id: maybe(apiIdArb),
  billingConfigId: maybe(apiIdArb),
  vatin: maybe(binaryString(0, 32)),
  invoiceIssuerInfo: maybe(binaryString(0, 500)),
  references: fc.tuple(...REFERENCE_FIELDS.map(() => referenceShapeArb)),
  paymentData: maybe(paymentDataArb(false)),
  extras: fc.array(fc.tuple(jsonKey, jsonTree(false, 2)), { maxLength: 5 }),
  keyOrder: fc.integer(),
});

/** A partial set of field values: each field absent, `undefined`, `null` or a valid value. */
const partialValuesArb: fc.Arbitrary<Partial<FieldValues>> = fc
  .tuple(...FIELD_NAMES.map((name) => fc.oneof(fc.constant("absent" as const), fc.constant(undefined), liveValueArb(name))))
  .map((slots) => {
    const values: Record<string, unknown> = {};
    FIELD_NAMES.forEach((name, i) => {
      if (slots[i] !== "absent") values[name] = slots[i];
    });
    return values;
  });

/** JSON objects and lists nested up to `maxDepth` containers deep. */
function nestedData(maxDepth: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(fc.integer({ min: 1, max: maxDepth }), fc.integer()).map(([depth, seed]) => {
    const random = prng(seed);
    let nested: unknown = random() < 0.5 ? "leaf" : null;
    for (let level = 1; level < depth; level++) nested = random() < 0.5 ? [nested, level] : { [`k${level}`]: nested, other: level };
    return { data: nested };
  });
}

function isUnknownFor(field: FieldName, value: unknown): boolean {
  if (value === UNKNOWN_VALUE) return true;
  return (
    fieldSpec(field).kind === "reference" && value !== null && typeof value === "object" && (value as { id?: unknown }).id === UNKNOWN_VALUE
  );
}

describeFuzz("mapping under property-based fuzzing", () => {
  it("parses API bodies of both shapes with unknown extra fields and reads references with numeric ids", async () => {
    await holds(
      "API bodies parse",
      700,
      fc.property(apiBodyArb, (spec) => {
        countCase();
        const body: Record<string, unknown> = {};
        if (spec.id !== undefined) body.id = spec.id;
        if (spec.billingConfigId !== undefined) body.billing_config_id = spec.billingConfigId;
        if (spec.vatin !== undefined) body.vatin = spec.vatin;
        if (spec.invoiceIssuerInfo !== undefined) body.invoice_issuer_info = spec.invoiceIssuerInfo;
        REFERENCE_FIELDS.forEach((field, i) => writeReference(body, field.apiName, spec.references[i]));
        if (spec.paymentData !== undefined) body.payment_data = spec.paymentData;
        const withExtras = objectWithOwnKeys([...spec.extras.filter(([key]) => !API_NAMES.has(key)), ...Object.entries(body)]);
        const received = JSON.parse(jsonText(withExtras, prng(spec.keyOrder))) as unknown;

        const parsed = apiBillingConfigSchema.safeParse(received);
        assertNoPrototypePollution();
        assert.ok(parsed.success, `a valid body was refused: ${parsed.success ? "" : parsed.error.message}`);
        const live = liveFromApi(parsed.data);

        const firstId = [spec.id, spec.billingConfigId].find((id) => id !== undefined && id !== null);
        assert.deepStrictEqual(live.billingConfigId, firstId === undefined || firstId === null ? null : idNumber(firstId));
        assert.equal(live.values.vatin, spec.vatin ?? null);
        assert.equal(live.values.invoiceIssuerInfo, spec.invoiceIssuerInfo ?? null);
        REFERENCE_FIELDS.forEach((field, i) => {
          const reference = live.values[field.name];
          if (reference !== null)
            assert.ok(typeof reference.id === "number" && !Number.isNaN(reference.id), `${field.name}.id is not a number`);
          assert.deepStrictEqual(reference, expectedReference(spec.references[i]), `${field.name} read wrongly`);
        });
        assert.deepStrictEqual(
          live.values.paymentData,
          spec.paymentData === undefined || spec.paymentData === null ? null : overTheWire(spec.paymentData),
        );
      }),
    );
  });

  it("never throws on junk API bodies, and anything it accepts reads as well-typed values", async () => {
    const junkBody = fc.oneof(
      hostileValue,
      fc
        .tuple(
          fc.array(fc.tuple(fc.constantFrom(...API_NAMES), fc.oneof(hostileLeaf, hostileValue, hostileReference, apiIdArb)), {
            maxLength: 6,
          }),
          fc.array(fc.tuple(hostileKey, hostileLeaf), { maxLength: 2 }),
          fc.boolean(),
        )
        .map(([known, extra, nullPrototype]) => objectWithOwnKeys([...known, ...extra], nullPrototype)),
    );
    await holds(
      "API junk",
      700,
      fc.property(junkBody, (body) => {
        countCase();
        const parsed = apiBillingConfigSchema.safeParse(body);
        assertNoPrototypePollution();
        if (!parsed.success) return;
        const live = liveFromApi(parsed.data);
        assert.ok(live.billingConfigId === null || typeof live.billingConfigId === "number");
        for (const field of FIELDS) {
          const value: unknown = live.values[field.name];
          if (field.kind === "string" || field.kind === "nullableString") assert.ok(value === null || typeof value === "string");
          if (field.kind === "reference") {
            const id = value === null ? null : (value as { id?: unknown }).id;
            assert.ok(value === null || (typeof id === "number" && !Number.isNaN(id)), `${field.name} has a non-numeric id`);
          }
        }
        // Payment data is opaque (its GET shape is undocumented): kept as sent, never undefined.
        const data = live.values.paymentData;
        assert.deepEqual(data, (body as { payment_data?: unknown }).payment_data ?? null);
      }),
    );
  });

  it("round-trips any field values through a PATCH body read back as an API body", async () => {
    await holds(
      "patchBody round-trip",
      900,
      fc.property(partialValuesArb, (values) => {
        countCase();
        const body = patchBody(values);
        for (const key of Object.keys(body)) assert.ok(API_NAMES.has(key), `the PATCH body has the unexpected key ${key}`);
        for (const field of REFERENCE_FIELDS) {
          const sent = body[field.apiName];
          if (sent !== undefined && sent !== null)
            assert.deepStrictEqual(Object.keys(sent), ["id"], `${field.apiName} is sent with more than its id`);
        }
        for (const received of [body, overTheWire(body)]) {
          const live = liveFromApi(apiBillingConfigSchema.parse(received)).values;
          for (const field of FIELDS) {
            const value = values[field.name];
            const back = live[field.name];
            if (value === undefined) {
              assert.equal(back, null, `${field.name} was not sent but read back as ${JSON.stringify(back)}`);
            } else if (field.kind === "reference") {
              assert.deepStrictEqual(
                back,
                value === null ? null : { id: (value as { id: number }).id },
                `${field.name} did not round-trip`,
              );
            } else {
              assert.ok(sameValue(field.name, value, back), `${field.name} did not round-trip`);
            }
          }
        }
      }),
    );
  });

  it("finds every known value the same as itself and as a key-reordered copy, and never the same as an unknown", async () => {
    const fieldAndValue = fc.constantFrom(...FIELD_NAMES).chain((field) =>
      fc.tuple(
        fc.constant(field),
        fc.oneof(
          { arbitrary: liveValueArb(field).map((v) => ({ v, valid: true })), weight: 2 },
          { arbitrary: declaredValueArb(field, false).map((v) => ({ v, valid: true })), weight: 2 },
          { arbitrary: fc.oneof(jsonTree(true, 3), fc.constant(undefined), stringUpTo(10)).map((v) => ({ v, valid: false })), weight: 1 },
          // As deep as check lets a program nest payment data.
          { arbitrary: nestedData(MAX_PAYMENT_DATA_DEPTH).map((v) => ({ v, valid: field === "paymentData" })), weight: 1 },
        ),
        fc.integer(),
      ),
    );
    await holds(
      "sameValue is reflexive",
      900,
      fc.property(fieldAndValue, ([field, { v, valid }, order]) => {
        countCase();
        fc.pre(!isUnknownFor(field, v));
        assert.equal(sameValue(field, v, v), true, `sameValue(${field}, v, v) is false`);
        if (valid) {
          const copy = withKeysReordered(overTheWire(v), prng(order));
          assert.equal(sameValue(field, v, copy), true, `sameValue(${field}) differs for a copy`);
          assert.equal(sameValue(field, copy, v), true, `sameValue(${field}) is not symmetric`);
        }
        assert.equal(sameValue(field, v, UNKNOWN_VALUE), false);
        assert.equal(sameValue(field, UNKNOWN_VALUE, v), false);
      }),
    );
  });

  it("writes the same canonical JSON whatever the key order, and it reads back as the same data", async () => {
    await holds(
      "canonicalJson ignores key order",
      900,
      fc.property(fc.oneof(jsonTree(true, 4), paymentDataArb(true)), fc.integer(), fc.integer(), (value, first, second) => {
        countCase();
        const canonical = canonicalJson(value);
        assert.equal(canonicalJson(withKeysReordered(value, prng(first))), canonical);
        assert.equal(canonicalJson(withKeysReordered(value, prng(second))), canonical);
        assert.deepStrictEqual(JSON.parse(canonical), overTheWire(value));
        assertNoPrototypePollution();
      }),
    );
  });
});
