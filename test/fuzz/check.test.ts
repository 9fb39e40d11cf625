/**
 * Property-based tests of `check` / `checkInputs` against random and hostile declarations.
 * Run counts and the seed come from FUZZ_RUNS (a multiplier of the defaults below) and FUZZ_SEED:
 * see ./harness.ts.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { FIELDS, FieldSpec, UNKNOWN_VALUE } from "../../provider/billing/fields";
import {
  CheckFailure,
  MAX_INVOICE_ISSUER_INFO_LENGTH,
  MAX_PAYMENT_DATA_DEPTH,
  MAX_PAYMENT_DATA_JSON_LENGTH,
  MAX_VATIN_LENGTH,
  checkInputs,
} from "../../provider/billing/inputChecks";
import {
  declarationArb,
  declaredValueArb,
  deeplyNested,
  expectedCheckedInputs,
  hostileKey,
  hostileLeaf,
  hostileReference,
  hostileValue,
  hugeString,
  jsonKey,
  jsonTree,
  nearlyValidDeclaration,
  nearlyValidValue,
  objectWithOwnKeys,
  paymentDataArb,
} from "./arbitraries";
import { assertNoPrototypePollution, countCase, describeFuzz, holds, holdsAsync, providerWithoutApi } from "./harness";

const provider = providerWithoutApi();

const KNOWN_ARGUMENTS = new Set(["orgId", ...FIELDS.map((f) => f.name), "restoreOnDelete"]);
const MAX_REASON_LENGTH = 300;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether a failure's property names the given extra key: the key itself or its JSON spelling
 * (check quotes keys that would otherwise be invisible), possibly cut short with an ellipsis.
 */
function namesKey(property: string, key: string): boolean {
  const cut = property.endsWith("…");
  const stem = cut ? property.slice(0, -1) : property;
  if (stem.length === 0) return false;
  return [key, JSON.stringify(key)].some((spelling) =>
    cut ? spelling.startsWith(stem) && spelling.length > stem.length : spelling === stem,
  );
}

/** How many containers deep a value nests (iteratively, so any depth can be measured). */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (current === null || typeof current !== "object") continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** Every failure names a property at fault and gives a short, one-line reason. */
function assertWellFormedFailures(failures: unknown, news: unknown): void {
  assert.ok(Array.isArray(failures), "failures is not an array");
  const ownKeys = isPlainObject(news) ? Object.keys(news) : [];
  for (const failure of failures as CheckFailure[]) {
    assert.ok(isPlainObject(failure), "a failure is not an object");
    const { property, reason } = failure;
    assert.equal(typeof property, "string", "a failure's property is not a string");
    assert.ok(property.length > 0, `a failure has an empty property (reason: ${reason})`);
    assert.ok(property.length <= MAX_REASON_LENGTH, `a failure's property is ${property.length} characters long`);
    assert.ok(
      KNOWN_ARGUMENTS.has(property.split(".")[0]) || ownKeys.some((key) => namesKey(property, key)),
      `the failure property ${JSON.stringify(property)} is neither an argument nor a key of the inputs`,
    );
    assert.equal(typeof reason, "string", `the reason for ${property} is not a string`);
    assert.ok(reason.length > 0, `the reason for ${property} is empty`);
    assert.ok(reason.length <= MAX_REASON_LENGTH, `the reason for ${property} is ${reason.length} characters long`);
    assert.ok(!/[\r\n]/.test(reason), `the reason for ${property} spans lines: ${JSON.stringify(reason.slice(0, 200))}`);
  }
}

function isSafeJson(value: unknown, maxLength: number): boolean {
  try {
    const json = JSON.stringify(value);
    return typeof json === "string" && json.length <= maxLength;
  } catch {
    return false;
  }
}

/** The documented types of checked inputs; `complete` when check reported no failure. */
function assertCheckedTypes(inputs: Record<string, unknown>, complete: boolean): void {
  assert.ok(isPlainObject(inputs), "inputs is not a plain object");
  for (const key of Object.keys(inputs))
    assert.ok(KNOWN_ARGUMENTS.has(key), `inputs has the unexpected key ${JSON.stringify(key.slice(0, 50))}`);
  const has = (key: string) => Object.prototype.hasOwnProperty.call(inputs, key);
  const unknown = (value: unknown) => value === UNKNOWN_VALUE;

  if (complete) assert.ok(has("orgId"), "no failure but no orgId");
  if (has("orgId")) {
    const orgId = inputs.orgId;
    assert.ok(
      unknown(orgId) || (typeof orgId === "number" && Number.isSafeInteger(orgId) && orgId > 0),
      `orgId ${String(orgId)} is not a positive safe integer`,
    );
  }
  for (const field of FIELDS) {
    if (!has(field.name) || unknown(inputs[field.name])) continue;
    assertCheckedField(field, inputs[field.name], unknown);
  }
  if (complete) assert.ok(has("restoreOnDelete"), "no failure but no restoreOnDelete");
  if (has("restoreOnDelete")) {
    const v = inputs.restoreOnDelete;
    assert.ok(unknown(v) || typeof v === "boolean", "restoreOnDelete is not a boolean");
  }
}

/** The documented type of one checked field, by its kind and limits in the field table. */
function assertCheckedField(field: FieldSpec, value: unknown, unknown: (value: unknown) => boolean): void {
  const name = field.name;
  switch (field.kind) {
    case "nullableString":
    case "string":
      if (value === null && field.kind === "nullableString") return;
      assert.ok(
        typeof value === "string" && value.length <= field.maxLength!,
        `${name} is not a string of at most ${field.maxLength} characters`,
      );
      return;
    case "reference": {
      assert.ok(isPlainObject(value), `${name} is not an object`);
      assert.deepEqual(Object.keys(value), ["id"], `${name} has keys other than id`);
      const id = value.id;
      assert.ok(
        unknown(id) || (typeof id === "number" && Number.isSafeInteger(id) && id >= 0),
        `${name}.id ${String(id)} is not a whole number >= 0`,
      );
      return;
    }
    case "object": {
      assert.ok(isPlainObject(value), `${name} is ${value === null ? "null" : typeof value}, not an object`);
      assert.ok(isSafeJson(value, MAX_PAYMENT_DATA_JSON_LENGTH), `${name} is not JSON within the size limit`);
      const depth = nestingDepth(value);
      assert.ok(depth <= MAX_PAYMENT_DATA_DEPTH, `${name} nests ${depth} levels deep, more than ${MAX_PAYMENT_DATA_DEPTH}`);
      return;
    }
  }
}

function assertWellFormedResult(result: unknown, news: unknown): void {
  assert.ok(isPlainObject(result), "check did not return an object");
  assert.deepEqual(Object.keys(result).sort(), ["failures", "inputs"]);
  assertWellFormedFailures(result.failures, news);
  const failures = result.failures as CheckFailure[];
  assertCheckedTypes(result.inputs as Record<string, unknown>, failures.length === 0);
}

/** A value for one argument: valid, shaped like the argument but hostile, or any junk at all. */
function anyValueFor(name: string): fc.Arbitrary<unknown> {
  const field = FIELDS.find((f) => f.name === name);
  const shaped: Array<fc.Arbitrary<unknown>> = [hostileLeaf, hostileValue, hostileReference];
  if (field) shaped.push(declaredValueArb(field.name, true));
  if (name === "orgId") shaped.push(fc.maxSafeInteger(), fc.double());
  if (name === "paymentData") shaped.push(hostileValue.map((v) => objectWithOwnKeys([["data", v]])));
  return fc.oneof(...shaped);
}

/** Declarations with junk anywhere: at every argument, in extra keys, or instead of an object. */
const hostileDeclaration: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        known: fc.tuple(
          ...[...KNOWN_ARGUMENTS].map((name) =>
            fc.option(
              anyValueFor(name).map((value) => [name, value] as const),
              { freq: 3 },
            ),
          ),
        ),
        extra: fc.array(fc.tuple(hostileKey, hostileValue), { maxLength: 3 }),
        nullPrototype: fc.boolean(),
      })
      .map(({ known, extra, nullPrototype }) => {
        const entries = [...known.filter((entry) => entry !== null), ...extra] as Array<readonly [string, unknown]>;
        return objectWithOwnKeys(entries, nullPrototype);
      }),
  },
  { weight: 6, arbitrary: nearlyValidDeclaration },
  { weight: 1, arbitrary: hostileValue },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("orgId", "vatin", "chargingModel", "paymentData", "__proto__", "extra"), deeplyNested, fc.boolean())
      .map(([key, deep, alone]) =>
        alone
          ? deep
          : objectWithOwnKeys([
              ["orgId", 1],
              [key, deep],
            ]),
      ),
  },
  {
    weight: 1,
    arbitrary: hugeString.map((s) =>
      objectWithOwnKeys([
        ["orgId", s],
        ["vatin", s],
        ["invoiceIssuerInfo", s],
        [s, s],
      ]),
    ),
  },
);

/** The same declarations as JSON would carry them: keys "__proto__", "constructor", "prototype". */
const prototypeKeyedDeclaration: fc.Arbitrary<unknown> = fc
  .record({
    orgId: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(UNKNOWN_VALUE)),
    junk: fc.constantFrom(
      '{"polluted":true}',
      '{"__proto__":{"polluted":true}}',
      '{"prototype":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"id":1,"__proto__":{"id":2}}',
      '[{"__proto__":{"polluted":true}}]',
      '"' + UNKNOWN_VALUE + '"',
      "null",
    ),
    where: fc.subarray(["top", "chargingModel", "paymentData", "paymentDataNested", "vatRateExtra"], { minLength: 1 }),
  })
  .map(({ orgId, junk, where }) => {
    const parts = [`"orgId":${JSON.stringify(orgId)}`];
    if (where.includes("top")) parts.push(`"__proto__":${junk}`, `"constructor":${junk}`, `"prototype":${junk}`);
    if (where.includes("chargingModel")) parts.push(`"chargingModel":{"id":3,"__proto__":${junk},"constructor":${junk}}`);
    if (where.includes("paymentData")) parts.push(`"paymentData":{"__proto__":${junk},"constructor":${junk},"prototype":${junk}}`);
    if (where.includes("paymentDataNested"))
      parts.push(`"paymentData":{"a":[{"__proto__":${junk}}],"b":{"constructor":{"prototype":${junk}}}}`);
    if (where.includes("vatRateExtra")) parts.push(`"vatRate":{"__proto__":{"id":9},"prototype":${junk}}`);
    return JSON.parse(`{${parts.join(",")}}`) as unknown;
  });

describeFuzz("check under property-based fuzzing", () => {
  it("never throws on hostile declarations and always answers inputs and well-formed failures", async () => {
    await holdsAsync(
      "check on hostile declarations",
      1400,
      fc.asyncProperty(hostileValue, hostileDeclaration, async (olds, news) => {
        countCase();
        const result = await provider.check(olds, news);
        assertWellFormedResult(result, news);
        assertNoPrototypePollution();
      }),
    );
  });

  it("gives checkInputs the same answer as check, and neither pollutes prototypes through own __proto__, constructor or prototype keys", async () => {
    await holdsAsync(
      "checkInputs on prototype-keyed declarations",
      600,
      fc.asyncProperty(fc.oneof(prototypeKeyedDeclaration, hostileDeclaration), async (news) => {
        countCase();
        const direct = checkInputs(news);
        assertNoPrototypePollution();
        assertWellFormedResult(direct, news);
        const viaProvider = await provider.check({}, news);
        assert.deepStrictEqual(viaProvider, direct);
        assertNoPrototypePollution();
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
      }),
    );
  });

  it("accepts every valid declaration unchanged apart from the restoreOnDelete default, reference descriptions and __provider", async () => {
    await holdsAsync(
      "check accepts valid declarations",
      900,
      fc.asyncProperty(declarationArb(true), async (declaration) => {
        countCase();
        const result = await provider.check({}, declaration);
        assert.deepStrictEqual(result, { inputs: expectedCheckedInputs(declaration), failures: [] });
        assertCheckedTypes(result.inputs, true);
        assertNoPrototypePollution();
      }),
    );
  });

  it("keeps a valid declaration's values when other arguments are junk, and reports only the junk", async () => {
    const spoiledArgument = fc
      .constantFrom(...KNOWN_ARGUMENTS)
      .chain((name) => fc.tuple(fc.constant(name), fc.oneof(hostileLeaf, nearlyValidValue(name))));
    await holds(
      "valid arguments survive junk elsewhere",
      400,
      fc.property(declarationArb(false), spoiledArgument, (declaration, [spoiled, junk]) => {
        countCase();
        const isValidHere = checkInputs({ orgId: 1, [spoiled]: junk }).failures.length === 0;
        const news = objectWithOwnKeys([...Object.entries(declaration).filter(([key]) => key !== spoiled), [spoiled, junk]]);
        const result = checkInputs(news);
        assertWellFormedResult(result, news);
        const { inputs, failures } = result;
        if (isValidHere) return;
        assert.ok(
          failures.length > 0 && failures.every((f) => f.property.split(".")[0] === spoiled),
          "junk was not reported at its own argument",
        );
        const expected = expectedCheckedInputs(declaration);
        for (const key of Object.keys(expected))
          if (key !== spoiled) assert.deepStrictEqual((inputs as Record<string, unknown>)[key], expected[key], `${key} was lost`);
      }),
    );
  });

  // Regression (found by this suite, fixed in 46b320c): zod's max() also ran on non-strings with a
  // `length` property and converted that value to a number, so `vatin: {"length": {"toString": 0,
  // "valueOf": 0}}` (plain JSON, reachable from any program) made checkInputs throw TypeError.
  it("never throws when a string argument is an object with a length property", async () => {
    // JSON data only, so that every counterexample is one a program could really declare.
    const lengthValue = fc
      .oneof(
        fc
          .constantFrom(
            '{"toString":0,"valueOf":0}',
            '{"valueOf":{},"toString":[]}',
            '{"toString":null,"valueOf":null}',
            "{}",
            "[]",
            "65",
            '"65"',
            "null",
          )
          .map((text) => JSON.parse(text) as unknown),
        jsonTree(false, 2),
      )
      .map((value) => JSON.parse(JSON.stringify(value) ?? "null") as unknown);
    await holdsAsync(
      "objects with a length property",
      200,
      fc.asyncProperty(
        fc.constantFrom("vatin", "invoiceIssuerInfo"),
        lengthValue,
        fc.array(fc.tuple(jsonKey, jsonTree(false, 1)), { maxLength: 2 }),
        async (field, length, extra) => {
          countCase();
          const news = JSON.parse(JSON.stringify({ orgId: 1, [field]: objectWithOwnKeys([...extra, ["length", length]]) })) as Record<
            string,
            unknown
          >;
          let result: Awaited<ReturnType<typeof provider.check>>;
          try {
            result = await provider.check({}, news);
          } catch (error) {
            assert.fail(`check threw ${String(error)} for ${field} = an object whose length is ${shown(length)}`);
          }
          assertWellFormedResult(result, news);
          assert.ok(
            (result.failures ?? []).some((f) => f.property === field),
            `${field} given an object was not refused`,
          );
        },
      ),
    );
  });

  // Regression (found by this suite, fixed in 46b320c): zod 4.6's max() counts Unicode code
  // points, while the API (see the emulator's validation) and check's own reason ("got N") count
  // UTF-16 code units, so "😀" + 63 × "x" (65 units, 64 code points) passed check.
  it("refuses a vatin or invoiceIssuerInfo longer than its limit in UTF-16 code units, the unit the API and the reason count", async () => {
    const limits = { vatin: MAX_VATIN_LENGTH, invoiceIssuerInfo: MAX_INVOICE_ISSUER_INFO_LENGTH } as const;
    const tooLong = fc
      .constantFrom("vatin" as const, "invoiceIssuerInfo" as const)
      .chain((field) =>
        fc.tuple(
          fc.constant(field),
          fc.integer({ min: limits[field] + 1, max: 2 * limits[field] }),
          fc.nat(),
          fc.constantFrom("😀", "𝄞", "\u{10FFFF}"),
        ),
      );
    await holds(
      "length limits in UTF-16 code units",
      200,
      fc.property(tooLong, ([field, units, split, astral]) => {
        countCase();
        const astralCount = split % (Math.floor(units / 2) + 1);
        const value = astral.repeat(astralCount) + "x".repeat(units - 2 * astralCount);
        assert.equal(value.length, units);
        const { failures } = checkInputs({ orgId: 1, [field]: value });
        assert.ok(
          failures.some((f) => f.property === field),
          `${field} of ${value.length} UTF-16 code units (${[...value].length} code points) was accepted; its limit is ${limits[field]}`,
        );
      }),
    );
  });

  // Regression (found by this suite, fixed in 46b320c): an extra key "" was reported with an empty
  // property name.
  it("names every unknown argument with a non-empty property, whatever its key", async () => {
    await holds(
      "extra keys are named",
      200,
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.constant(""), fc.string({ maxLength: 3 }), hostileKey), fc.oneof(fc.integer(), hostileLeaf)), {
          minLength: 1,
          maxLength: 3,
        }),
        (extra) => {
          countCase();
          const news = objectWithOwnKeys([["orgId", 1], ...extra]);
          assertWellFormedFailures(checkInputs(news).failures, news);
        },
      ),
    );
  });

  // Regression (found by this suite, fixed in 46b320c): a toJSON method returning nothing made
  // checkInputs throw, one returning a non-object smuggled that value through as paymentData.
  // Still open: the depth limit is checked on the object, not on its JSON copy, so a toJSON method
  // returning data nested 100 levels deep is accepted although the limit is 32. Reachable only by
  // calling check/checkInputs directly (the Pulumi engine cannot send functions).
  it("never throws on payment data with a toJSON method and accepts only an object within the limits", async () => {
    const deepData = fc.integer({ min: 1, max: 200 }).map((depth) => {
      let nested: unknown = "leaf";
      for (let level = 0; level < depth; level++) nested = { level: nested };
      return nested;
    });
    const toJsonResult = fc.oneof(hostileLeaf, paymentDataArb(false), fc.constant(undefined), deepData);
    await holdsAsync(
      "payment data with toJSON",
      200,
      fc.asyncProperty(toJsonResult, fc.boolean(), async (returned, nested) => {
        countCase();
        const method = () => returned;
        const paymentData = nested ? { inner: { toJSON: method } } : { toJSON: method };
        const news = { orgId: 1, paymentData };
        let result: unknown;
        try {
          result = await provider.check({}, news);
        } catch (error) {
          assert.fail(`check threw ${String(error)} for paymentData with a toJSON method returning ${shown(returned)}`);
        }
        assertWellFormedResult(result, news);
      }),
    );
  });
});

function shown(value: unknown): string {
  if (typeof value === "string") return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === "bigint" || typeof value === "symbol" || typeof value === "function") return `a ${typeof value}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
}
