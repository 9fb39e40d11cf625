/**
 * Property-based tests of `diff`: a state created from a declaration shows no change against it,
 * any one change is seen (a new orgId as a replacement), `__provider` is ignored, and junk states
 * never make it throw. Run counts and the seed come from FUZZ_RUNS (a multiplier of the defaults
 * below) and FUZZ_SEED: see ./harness.ts.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { FIELD_NAMES, FieldName, FieldValues, UNKNOWN_VALUE, fieldSpec } from "../../provider/billing/fields";
import { buildState, declaredFields, liveFromState, pickValues, sameValue } from "../../provider/billing/mapping";
import { MAX_PAYMENT_DATA_DEPTH, checkInputs } from "../../provider/billing/inputChecks";
import type { ProviderInputs } from "../../provider/resource/providerTypes";
import {
  declarationArb,
  declaredValueArb,
  hostileKey,
  hostileTree,
  hugeString,
  jsonLeaf,
  liveValuesArb,
  objectWithOwnKeys,
  orgIdArb,
  prng,
  withKeysReordered,
} from "./arbitraries";
import { assertNoPrototypePollution, countCase, describeFuzz, holdsAsync, providerWithoutApi } from "./harness";

const provider = providerWithoutApi();

type Inputs = Record<string, unknown>;

/** The inputs `check` makes of a declaration that must be valid. */
function checked(declaration: Inputs): ProviderInputs {
  const { inputs, failures } = checkInputs(declaration);
  assert.deepEqual(failures, [], "the generated declaration was expected to be valid");
  return inputs;
}

/** Extra freedom in how a create's state looks, none of which may matter to diff. */
interface StateVariation {
  billingConfigId: number | null;
  /**
   * What the API held before the create: the live values of the fields the declaration leaves
   * alone, and the adopted originals of the ones it manages.
   */
  before: FieldValues;
  /** A description the API may return on each reference (never compared). */
  description: string | null;
  /** Seed for the key order of the live payment data. */
  keyOrder: number;
  /** Whether the state went through JSON, as Pulumi stores it. */
  viaJson: boolean;
}

const stateVariationArb: fc.Arbitrary<StateVariation> = fc.record({
  billingConfigId: fc.option(fc.maxSafeNat()),
  before: liveValuesArb,
  description: fc.option(fc.string({ maxLength: 20 })),
  keyOrder: fc.integer(),
  viaJson: fc.boolean(),
});

const PLAIN_VARIATION: StateVariation = {
  billingConfigId: 7,
  before: { vatin: null, invoiceIssuerInfo: null, chargingModel: null, paymentTerm: null, vatRate: null, paymentData: null },
  description: null,
  keyOrder: 0,
  viaJson: false,
};

/** The state a create would produce from checked inputs whose values the API then holds. */
function createdState(x: Inputs, variation: StateVariation): Inputs {
  const managedFields = declaredFields(x);
  const values = { ...variation.before } as Record<FieldName, unknown>;
  const random = prng(variation.keyOrder);
  for (const name of managedFields) {
    let value = x[name];
    if (fieldSpec(name).kind === "reference" && value !== null && variation.description !== null) {
      value = { id: (value as { id: number }).id, description: variation.description };
    }
    if (name === "paymentData") value = withKeysReordered(value, random);
    values[name] = value;
  }
  const state = buildState({
    orgId: x.orgId as number,
    live: { billingConfigId: variation.billingConfigId, values: values as unknown as FieldValues },
    restoreOnDelete: x.restoreOnDelete as boolean,
    managedFields,
    adoptedOriginal: pickValues(variation.before, managedFields),
    adoptionId: "00000000-0000-4000-8000-000000000000",
  });
  return variation.viaJson ? (JSON.parse(JSON.stringify(state)) as Inputs) : state;
}

function assertNoReplacement(result: { changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }, what: string): void {
  assert.equal(result.changes, true, `${what} was not seen as a change`);
  assert.ok(
    result.replaces === undefined || result.replaces.length === 0,
    `${what} asked for a replacement: ${JSON.stringify(result.replaces)}`,
  );
  assert.notEqual(result.deleteBeforeReplace, true);
}

/** A field and two valid values for it (the declared one and another). */
const fieldWithTwoValues = fc
  .constantFrom(...FIELD_NAMES)
  .chain((field) => fc.tuple(fc.constant(field), declaredValueArb(field, false), declaredValueArb(field, false)));
const mutationKind = fc.constantFrom("change", "changeToUnknown", "flipRestoreOnDelete", "release", "declare");

describeFuzz("diff under property-based fuzzing", () => {
  it("reports no change between valid inputs and the state a create produces from them", async () => {
    await holdsAsync(
      "diff of a fresh state",
      700,
      fc.asyncProperty(declarationArb(false), stateVariationArb, async (declaration, variation) => {
        countCase();
        const x = checked(declaration);
        const olds = createdState(x, variation);
        assert.deepStrictEqual(await provider.diff(String(x.orgId), olds, x), { changes: false });
      }),
    );
  });

  it("ignores differences in __provider between the state and the inputs", async () => {
    await holdsAsync(
      "diff ignores __provider",
      300,
      fc.asyncProperty(
        declarationArb(false),
        stateVariationArb,
        fc.option(fc.oneof(fc.string(), hugeString, fc.constant(UNKNOWN_VALUE))),
        fc.option(fc.oneof(fc.string(), fc.constant(UNKNOWN_VALUE))),
        async (declaration, variation, oldProvider, newProvider) => {
          countCase();
          const x = checked(declaration);
          const olds = createdState(x, variation);
          if (oldProvider !== null) olds.__provider = oldProvider;
          const news = newProvider === null ? x : { ...x, __provider: newProvider };
          assert.deepStrictEqual(await provider.diff(String(x.orgId), olds, news), { changes: false });
        },
      ),
    );
  });

  it("sees any one change to the declared fields or restoreOnDelete as an in-place update, never a replacement", async () => {
    await holdsAsync(
      "diff of one change",
      900,
      fc.asyncProperty(
        declarationArb(false),
        stateVariationArb,
        fieldWithTwoValues,
        mutationKind,
        async (declaration, variation, [field, before, after], kind) => {
          countCase();
          const base: Inputs = { ...declaration };
          const next: Inputs = { ...declaration };
          switch (kind) {
            case "change":
              base[field] = before;
              next[field] = after;
              break;
            case "changeToUnknown":
              base[field] = before;
              next[field] = UNKNOWN_VALUE;
              break;
            case "flipRestoreOnDelete":
              next.restoreOnDelete = !(base.restoreOnDelete ?? false);
              break;
            case "release":
              base[field] = before;
              delete next[field];
              break;
            case "declare":
              delete base[field];
              next[field] = after;
              break;
          }
          const x = checked(base);
          const news = checked(next);
          if (kind === "change") fc.pre(!sameValue(field, x[field], news[field]));
          const olds = createdState(x, variation);
          assertNoReplacement(await provider.diff(String(x.orgId), olds, news), `${kind} of ${field}`);
        },
      ),
    );
  });

  it("asks to replace the resource, and only for orgId, when orgId changes or is not known yet", async () => {
    await holdsAsync(
      "diff of a new orgId",
      300,
      fc.asyncProperty(
        declarationArb(false),
        stateVariationArb,
        fc.oneof(orgIdArb, fc.constant(UNKNOWN_VALUE)),
        fc.option(declarationArb(false)),
        async (declaration, variation, newOrgId, otherwise) => {
          countCase();
          const x = checked(declaration);
          fc.pre(newOrgId !== x.orgId);
          // The other values may stay the same or change too: the replacement is about orgId alone.
          // During a preview the engine sends the unknown marker where a value is not known yet.
          const news = { ...(otherwise === null ? x : checked(otherwise)), orgId: newOrgId } as ProviderInputs;
          const result = await provider.diff(String(x.orgId), createdState(x, variation), news);
          assert.equal(result.changes, true);
          assert.deepStrictEqual(result.replaces, ["orgId"]);
        },
      ),
    );
  });

  it("never throws on a junk state and asks for a replacement exactly when the stored orgId differs", async () => {
    // The state comes back from Pulumi as JSON-like data, so junk states are JSON-like (plus NaN,
    // infinities and -0, which protobuf numbers can carry); they cannot hold functions or BigInts.
    const stateLeaf = fc.oneof(
      { weight: 6, arbitrary: jsonLeaf(true) },
      { weight: 2, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0) },
      { weight: 1, arbitrary: hugeString },
    );
    const junk = hostileTree(stateLeaf, hostileKey, 4);
    // JSON nested far deeper than check allows (a state written by hand, or an API answer).
    const deepJson = fc.tuple(fc.integer({ min: 30, max: 6_000 }), fc.boolean()).map(([depth, asLists]) => {
      const text = asLists ? `${"[".repeat(depth)}1${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      return JSON.parse(`{"data":${text}}`) as unknown;
    });
    const storedJunk = fc.oneof({ weight: 8, arbitrary: junk }, { weight: 1, arbitrary: deepJson });
    const managedFieldsJunk = fc.oneof(junk, fc.array(fc.oneof(fc.constantFrom(...FIELD_NAMES), stateLeaf), { maxLength: 8 }));
    // Every key of a state the provider writes, plus the one Pulumi adds.
    const written = buildState({
      orgId: 1,
      live: liveFromState({}),
      restoreOnDelete: false,
      managedFields: [],
      adoptedOriginal: {},
      adoptionId: null,
    });
    const stateKeys = [...Object.keys(written), "__provider"].filter((key) => key !== "orgId");
    await holdsAsync(
      "diff on junk states",
      600,
      fc.asyncProperty(
        fc.oneof(declarationArb(true), declarationArb(false)),
        fc.oneof(fc.constant("same" as const), junk),
        fc.tuple(...stateKeys.map((key) => fc.option(key === "managedFields" ? managedFieldsJunk : storedJunk, { freq: 2 }))),
        fc.array(fc.tuple(hostileKey, junk), { maxLength: 3 }),
        fc.boolean(),
        async (declaration, storedOrgId, stored, extra, nullPrototype) => {
          countCase();
          const news = checked(declaration);
          const entries: Array<readonly [string, unknown]> = [...extra];
          stateKeys.forEach((key, i) => {
            if (stored[i] !== null) entries.push([key, stored[i]]);
          });
          entries.push(["orgId", storedOrgId === "same" ? news.orgId : storedOrgId]);
          const olds = objectWithOwnKeys(entries, nullPrototype);
          const result = await provider.diff("1", olds, news);
          assert.equal(typeof result.changes, "boolean");
          const replaced = (news.orgId as unknown) === UNKNOWN_VALUE || olds.orgId !== news.orgId;
          if (replaced) assert.deepStrictEqual(result.replaces, ["orgId"]);
          else assert.ok(result.replaces === undefined || result.replaces.length === 0);
          assertNoPrototypePollution();
        },
      ),
    );
  });

  // Regression (found by this suite, fixed in 46b320c): payment data nested a few thousand levels
  // deep (2,025 nested lists: 4 KB of JSON) passed check, then canonicalJson recursed past the
  // call stack and diff threw RangeError: Maximum call stack size exceeded.
  it("compares payment data as deeply nested as check accepts without throwing", async () => {
    await holdsAsync(
      "diff on deeply nested payment data",
      60,
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 4_000 })),
        fc.constantFrom("object", "list"),
        async (depth, shape) => {
          countCase();
          let nested: unknown = 1;
          for (let level = 0; level < depth; level++) nested = shape === "object" ? { "": nested } : [nested];
          const { inputs: x, failures } = checkInputs({ orgId: 1, paymentData: { data: nested } });
          // {data: ...} adds one level; within the documented limit check must accept it.
          if (depth + 1 <= MAX_PAYMENT_DATA_DEPTH) assert.deepEqual(failures, [], `payment data ${depth + 1} levels deep was refused`);
          if (failures.length > 0) return; // too deep for check: refused, fine
          let result;
          try {
            result = await provider.diff("1", createdState(x, PLAIN_VARIATION), x);
          } catch (error) {
            assert.fail(`diff threw ${String(error)} for payment data ${depth} levels deep (${shape}s), which check accepted`);
          }
          assert.deepStrictEqual(result, { changes: false });
        },
      ),
    );
  });
});
