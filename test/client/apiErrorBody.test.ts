import assert from "node:assert/strict";
import { z } from "zod";
import { parseErrorBody } from "../../provider/client/apiErrorBody";
import { describeIssues } from "../../provider/client/zodIssues";

const DENIED = "User is not authorized to access this resource";
const UPSTREAM_RESET = "upstream connect error or disconnect/reset before headers";

describe("reading emnify error bodies", () => {
  const table: { name: string; body: string; expected: ReturnType<typeof parseErrorBody> }[] = [
    {
      name: "the documented body",
      body: '{"error_code":1201,"error_token":"NotFound","message":"Organisation 999 not found"}',
      expected: { errorCode: 1201, errorToken: "NotFound", message: "Organisation 999 not found", details: [] },
    },
    {
      name: "a validation error with nested errors",
      body: JSON.stringify({
        error_code: 1400,
        error_token: "InputValidationFailed",
        message: "Validation failed",
        errors: [
          { error_code: 1403, error_token: "InvalidFormat", message: "vatin must be a string", field: "vatin" },
          { error_code: "1401", error_token: "InvalidReference", message: "no such charging model" },
          "payment_term is required",
          42,
          {},
        ],
      }),
      expected: {
        errorCode: 1400,
        errorToken: "InputValidationFailed",
        message: "Validation failed",
        details: [
          { errorCode: 1403, errorToken: "InvalidFormat", message: "vatin must be a string", field: "vatin" },
          { errorCode: 1401, errorToken: "InvalidReference", message: "no such charging model" },
          { message: "payment_term is required" },
        ],
      },
    },
    { name: "a gateway body with only a message", body: '{"message":"Unauthorized"}', expected: { message: "Unauthorized", details: [] } },
    {
      name: "a gateway body that capitalises Message",
      body: JSON.stringify({ Message: DENIED }),
      expected: { message: DENIED, details: [] },
    },
    { name: "an empty body", body: "", expected: { details: [] } },
    { name: "a body of whitespace", body: " \n ", expected: { details: [] } },
    { name: "plain text", body: UPSTREAM_RESET, expected: { message: UPSTREAM_RESET, details: [] } },
    {
      name: "an HTML error page",
      body: "<html><head><title>502</title><style>b{}</style></head><body><h1>502 Bad Gateway</h1>\n<hr>nginx</body></html>",
      expected: { message: "502 502 Bad Gateway nginx", details: [] },
    },
    { name: "a JSON array", body: "[1,2]", expected: { details: [] } },
    { name: "JSON null", body: "null", expected: { details: [] } },
    {
      name: "fields of the wrong types",
      body: '{"error_code":"abc","error_token":7,"message":{"text":"x"},"errors":"none"}',
      expected: { details: [] },
    },
  ];

  for (const row of table) {
    it(`reads ${row.name} without failing`, () => {
      assert.deepEqual(parseErrorBody(row.body), row.expected);
    });
  }

  it("shortens a long text body to one line of 200 characters", () => {
    const parsed = parseErrorBody(`${"x".repeat(150)}\n${"y".repeat(150)}`);
    assert.equal(parsed.message, `${"x".repeat(150)} ${"y".repeat(48)}…`);
    assert.equal(parsed.message?.length, 200);
  });
});

describe("describing schema mismatches", () => {
  const schema = z.object({
    id: z.number(),
    charging_model: z.object({ id: z.number() }),
    tags: z.array(z.string()).optional(),
  });

  it("names each offending path and the reason in plain words", () => {
    const result = schema.safeParse({ charging_model: { id: "1" }, tags: ["a", 2] });
    assert.ok(!result.success);
    assert.equal(
      describeIssues(result.error),
      "id: missing; charging_model.id: expected number, received string; tags[1]: expected string, received number",
    );
  });

  it("speaks of the whole body when the body itself has the wrong type", () => {
    const result = schema.safeParse("secret value that must not be quoted");
    assert.ok(!result.success);
    assert.equal(describeIssues(result.error), "(whole body): expected object, received string");
  });

  it("lists five problems and counts the rest", () => {
    const many = z.object({ a: z.number(), b: z.number(), c: z.number(), d: z.number(), e: z.number(), f: z.number(), g: z.number() });
    const result = many.safeParse({});
    assert.ok(!result.success);
    assert.equal(describeIssues(result.error), "a: missing; b: missing; c: missing; d: missing; e: missing; and 2 more problems");
  });
});
