/**
 * Validation at both edges, with zod:
 * - {@link checkInputs}: what a program declares, checked in the provider's `check` before any API
 *   call. Failures name the property (`chargingModel.id`) and give a reason in plain words.
 * - {@link apiBillingConfigSchema}: what the API answers, checked on arrival. Both documented
 *   shapes are accepted (nested `{id, description}` objects and the flat legacy `charging_model_id:
 *   "0"` form), ids as numbers or numeric strings, and unknown extra fields.
 *
 * Schemas are built inside functions or at module scope of this file only; this module is never
 * captured by Pulumi's closure serializer (zod holds native functions that cannot be serialized).
 */
import { z } from "zod";
import { FIELDS, FieldName, Reference, UNKNOWN_VALUE } from "./fields";

/** One `check` failure, in the shape Pulumi displays: `property: reason`. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Inputs after `check`: plain values, normalised, defaults applied. */
export interface CheckedInputs {
  orgId: number;
  vatin?: string;
  invoiceIssuerInfo?: string | null;
  chargingModel?: Reference;
  paymentTerm?: Reference;
  vatRate?: Reference;
  paymentData?: Record<string, unknown>;
  restoreOnDelete: boolean;
}

export const MAX_VATIN_LENGTH = 64;
export const MAX_INVOICE_ISSUER_INFO_LENGTH = 1000;
export const MAX_PAYMENT_DATA_JSON_LENGTH = 16_384;
export const MAX_PAYMENT_DATA_DEPTH = 32;

/** Names a value's type the way a person would, for "got ..." in failure reasons. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return value.length > 40 ? `a string of ${value.length} characters` : `the string ${JSON.stringify(value)}`;
    case "number":
      return Number.isFinite(value) ? `the number ${value}` : `the number ${String(value)}`;
    case "boolean":
      return `${value}`;
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

const orgIdSchema = z
  .number({ error: (issue) => `must be a number (the emnify organisation id), got ${describeValue(issue.input)}` })
  .refine((n) => Number.isSafeInteger(n) && n > 0, {
    error: (issue) => `must be a positive whole number, got ${describeValue(issue.input)}`,
  });

const referenceIdSchema = z
  .number({ error: (issue) => `must be a number, got ${describeValue(issue.input)}` })
  .refine((n) => Number.isSafeInteger(n) && n >= 0, {
    error: (issue) => `must be a whole number of 0 or more, got ${describeValue(issue.input)}`,
  });

/** Strings are measured in UTF-16 code units (JavaScript's `length`), the unit the reason states. */
function stringSchema(maxLength: number) {
  return z
    .string({ error: (issue) => `must be a string, got ${describeValue(issue.input)}` })
    .refine((text) => text.length <= maxLength, {
      error: (issue) => `must be at most ${maxLength} characters, got ${typeof issue.input === "string" ? issue.input.length : "more"}`,
    });
}

const restoreOnDeleteSchema = z.boolean({
  error: (issue) => `must be true or false, got ${describeValue(issue.input)}`,
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

type FieldCheck = { ok: true; value: unknown } | { ok: false; failures: CheckFailure[] };

function fromZod(property: string, result: z.ZodSafeParseResult<unknown>): FieldCheck {
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    failures: result.error.issues.map((issue) => ({
      property: [property, ...issue.path.map(String)].join("."),
      reason: issue.message,
    })),
  };
}

function checkReference(property: string, value: unknown): FieldCheck {
  if (!isPlainObject(value)) {
    return { ok: false, failures: [{ property, reason: `must be an object like { id: 1 }, got ${describeValue(value)}` }] };
  }
  if (!Object.prototype.hasOwnProperty.call(value, "id")) {
    return { ok: false, failures: [{ property: `${property}.id`, reason: "is required" }] };
  }
  // A description copied from the outputs is accepted and ignored: references compare by id only.
  if (value.id === UNKNOWN_VALUE) return { ok: true, value: { id: value.id } };
  const id = fromZod(`${property}.id`, referenceIdSchema.safeParse(value.id));
  return id.ok ? { ok: true, value: { id: id.value } } : id;
}

/** Whether an object nests deeper than `limit`; stops looking at the limit, so it cannot overflow. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  return Object.values(value).some((child) => nestsDeeperThan(child, limit - 1));
}

function tooDeep(property: string): FieldCheck {
  return { ok: false, failures: [{ property, reason: `must be nested at most ${MAX_PAYMENT_DATA_DEPTH} levels deep` }] };
}

function checkPaymentData(property: string, value: unknown): FieldCheck {
  if (!isPlainObject(value)) {
    return { ok: false, failures: [{ property, reason: `must be an object, got ${describeValue(value)}` }] };
  }
  // The first look bounds the work of JSON.stringify; the second covers what toJSON methods produce.
  if (nestsDeeperThan(value, MAX_PAYMENT_DATA_DEPTH)) return tooDeep(property);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  // JSON.parse defines keys such as "__proto__" as own properties, so the copy cannot pollute prototypes.
  const copy: unknown = typeof json === "string" ? JSON.parse(json) : undefined;
  if (typeof json !== "string" || !isPlainObject(copy)) {
    return { ok: false, failures: [{ property, reason: "must be plain data (it could not be written as a JSON object)" }] };
  }
  if (nestsDeeperThan(copy, MAX_PAYMENT_DATA_DEPTH)) return tooDeep(property);
  if (json.length > MAX_PAYMENT_DATA_JSON_LENGTH) {
    return {
      ok: false,
      failures: [{ property, reason: `must be at most ${MAX_PAYMENT_DATA_JSON_LENGTH} characters as JSON, got ${json.length}` }],
    };
  }
  return { ok: true, value: copy };
}

function checkField(name: FieldName, value: unknown): FieldCheck {
  switch (name) {
    case "vatin":
      return fromZod(name, stringSchema(MAX_VATIN_LENGTH).safeParse(value));
    case "invoiceIssuerInfo":
      if (value === null) return { ok: true, value: null };
      return fromZod(name, stringSchema(MAX_INVOICE_ISSUER_INFO_LENGTH).safeParse(value));
    case "chargingModel":
    case "paymentTerm":
    case "vatRate":
      return checkReference(name, value);
    case "paymentData":
      return checkPaymentData(name, value);
  }
}

const KNOWN_ARGUMENTS = ["orgId", ...FIELDS.map((f) => f.name), "restoreOnDelete"];
/** Keys the Pulumi runtime adds to every dynamic resource's inputs. */
const RUNTIME_KEYS = new Set(["__provider"]);

/**
 * Validates and normalises a program's declared inputs. Never throws, never calls the API.
 * Values still unknown during preview pass through untouched.
 */
export function checkInputs(news: unknown): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const inputs: Record<string, unknown> = {};
  if (!isPlainObject(news)) {
    return { inputs, failures: [{ property: "orgId", reason: "is required (the inputs were not an object)" }] };
  }
  const has = (key: string) => Object.prototype.hasOwnProperty.call(news, key) && news[key] !== undefined;

  if (!has("orgId")) {
    failures.push({ property: "orgId", reason: "is required" });
  } else if (news.orgId === UNKNOWN_VALUE) {
    inputs.orgId = news.orgId;
  } else {
    const result = fromZod("orgId", orgIdSchema.safeParse(news.orgId));
    if (result.ok) inputs.orgId = result.value;
    else failures.push(...result.failures);
  }

  for (const field of FIELDS) {
    if (!has(field.name)) continue;
    const value = news[field.name];
    if (value === UNKNOWN_VALUE) {
      inputs[field.name] = value;
      continue;
    }
    const result = checkField(field.name, value);
    if (result.ok) inputs[field.name] = result.value;
    else failures.push(...result.failures);
  }

  if (!has("restoreOnDelete")) {
    inputs.restoreOnDelete = false;
  } else if (news.restoreOnDelete === UNKNOWN_VALUE) {
    inputs.restoreOnDelete = news.restoreOnDelete;
  } else {
    const result = fromZod("restoreOnDelete", restoreOnDeleteSchema.safeParse(news.restoreOnDelete));
    if (result.ok) inputs.restoreOnDelete = result.value;
    else failures.push(...result.failures);
  }

  for (const key of Object.keys(news)) {
    if (RUNTIME_KEYS.has(key) || KNOWN_ARGUMENTS.includes(key)) continue;
    // An empty key, or one with spaces or control characters, is shown quoted so it stays visible.
    const quoted = key === "" || /[\s\p{C}]/u.test(key) ? JSON.stringify(key) : key;
    const shown = quoted.length > 40 ? `${quoted.slice(0, 40)}…` : quoted;
    failures.push({
      property: shown,
      reason: `is not an argument of BillingConfig (known: ${KNOWN_ARGUMENTS.join(", ")})`,
    });
  }
  return { inputs, failures };
}

// ---------------------------------------------------------------------------------------------
// API responses

/** An id the API may send as a number or as a numeric string ("8"). */
const apiId = z
  .union([
    z.number().int(),
    z
      .string()
      .regex(/^-?\d+$/, { error: "must be a whole number" })
      .transform((s) => Number(s)),
  ])
  .refine(Number.isSafeInteger, { error: "must be a whole number small enough to compare exactly" });

const apiReference = z.looseObject({
  id: apiId,
  description: z.unknown().optional(),
});

/**
 * GET /api/v1/organisation/:org_id/billing_config. The response schema is not documented, so
 * every field is optional, both shapes are accepted and unknown fields are kept and ignored.
 */
export const apiBillingConfigSchema = z.looseObject({
  id: apiId.nullish(),
  billing_config_id: apiId.nullish(),
  vatin: z.string().nullish(),
  invoice_issuer_info: z.string().nullish(),
  charging_model: apiReference.nullish(),
  charging_model_id: apiId.nullish(),
  payment_term: apiReference.nullish(),
  payment_term_id: apiId.nullish(),
  vat_rate: apiReference.nullish(),
  vat_rate_id: apiId.nullish(),
  // Undocumented in GET answers: kept as the API sends it, never a reason to fail a read.
  payment_data: z.unknown().optional(),
});

export type ApiBillingConfig = z.infer<typeof apiBillingConfigSchema>;

/** PATCH answers `{}` as documented; anything that is a JSON object is accepted. */
export const apiPatchResponseSchema = z.looseObject({});
