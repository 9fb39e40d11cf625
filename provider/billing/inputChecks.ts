/**
 * What a program declares, checked in the provider's `check` before any API call, with plain
 * checks (no zod; see DECISIONS D28). Failures name the property (`chargingModel.id`) and give a
 * reason in plain words. Built from the field table (./fields).
 */
import { DeclaredValues, FIELDS, FieldSpec, UNKNOWN_VALUE, fieldSpec } from "./fields";

/** One `check` failure, in the shape Pulumi displays: `property: reason`. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Inputs after `check`: plain values, normalised, defaults applied. */
export type CheckedInputs = { orgId: number; restoreOnDelete: boolean } & Partial<DeclaredValues>;

export const MAX_VATIN_LENGTH: number = fieldSpec("vatin").maxLength!;
export const MAX_INVOICE_ISSUER_INFO_LENGTH: number = fieldSpec("invoiceIssuerInfo").maxLength!;
/** Counted in UTF-16 code units of the JSON text (JavaScript's `length`), as the reason says "characters". */
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

type FieldCheck = { ok: true; value: unknown } | { ok: false; failures: CheckFailure[] };

function failed(property: string, reason: string): FieldCheck {
  return { ok: false, failures: [{ property, reason }] };
}

/** A finite number that is a safe whole number of at least `min`. */
function checkWholeNumber(property: string, value: unknown, min: 0 | 1, typeReason: string): FieldCheck {
  if (typeof value !== "number" || !Number.isFinite(value)) return failed(property, `${typeReason}, got ${describeValue(value)}`);
  if (!Number.isSafeInteger(value) || value < min) {
    const wanted = min === 1 ? "a positive whole number" : "a whole number of 0 or more";
    return failed(property, `must be ${wanted}, got ${describeValue(value)}`);
  }
  return { ok: true, value };
}

/** Strings are measured in UTF-16 code units (JavaScript's `length`), the unit the reason states. */
function checkString(property: string, value: unknown, maxLength: number): FieldCheck {
  if (typeof value !== "string") return failed(property, `must be a string, got ${describeValue(value)}`);
  if (value.length > maxLength) return failed(property, `must be at most ${maxLength} characters, got ${value.length}`);
  return { ok: true, value };
}

function checkReference(property: string, value: unknown): FieldCheck {
  if (!isPlainObject(value)) {
    return failed(property, `must be an object like { id: 1 }, got ${describeValue(value)}`);
  }
  if (!Object.prototype.hasOwnProperty.call(value, "id")) {
    return failed(`${property}.id`, "is required");
  }
  // A description copied from the outputs is accepted and ignored: references compare by id only.
  if (value.id === UNKNOWN_VALUE) return { ok: true, value: { id: value.id } };
  const id = checkWholeNumber(`${property}.id`, value.id, 0, "must be a number");
  return id.ok ? { ok: true, value: { id: id.value } } : id;
}

/** Whether an object nests deeper than `limit`; stops looking at the limit, so it cannot overflow. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  return Object.values(value).some((child) => nestsDeeperThan(child, limit - 1));
}

function tooDeep(property: string): FieldCheck {
  return failed(property, `must be nested at most ${MAX_PAYMENT_DATA_DEPTH} levels deep`);
}

function checkPaymentData(property: string, value: unknown): FieldCheck {
  if (!isPlainObject(value)) {
    return failed(property, `must be an object, got ${describeValue(value)}`);
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
    return failed(property, "must be plain data (it could not be written as a JSON object)");
  }
  if (nestsDeeperThan(copy, MAX_PAYMENT_DATA_DEPTH)) return tooDeep(property);
  if (json.length > MAX_PAYMENT_DATA_JSON_LENGTH) {
    return failed(property, `must be at most ${MAX_PAYMENT_DATA_JSON_LENGTH} characters as JSON, got ${json.length}`);
  }
  return { ok: true, value: copy };
}

function checkField(field: FieldSpec, value: unknown): FieldCheck {
  switch (field.kind) {
    case "nullableString":
      if (value === null) return { ok: true, value: null };
      return checkString(field.name, value, field.maxLength!);
    case "string":
      return checkString(field.name, value, field.maxLength!);
    case "reference":
      return checkReference(field.name, value);
    case "object":
      return checkPaymentData(field.name, value);
  }
}

/** The input that carries the organisation's recorded originals (not a documented argument). */
export const ORIGINALS_INPUT = "originals";
const KNOWN_ARGUMENTS = ["orgId", ...FIELDS.map((f) => f.name), "restoreOnDelete"];
/** Keys the Pulumi runtime adds to every dynamic resource's inputs. */
const RUNTIME_KEYS = new Set(["__provider", ORIGINALS_INPUT]);

/**
 * Validates and normalises a program's declared inputs. Never throws, never calls the API.
 * Values still unknown during preview pass through untouched.
 */
export function checkInputs(news: unknown): { inputs: CheckedInputs; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const inputs: Record<string, unknown> = {};
  if (!isPlainObject(news)) {
    return { inputs: inputs as CheckedInputs, failures: [{ property: "orgId", reason: "is required (the inputs were not an object)" }] };
  }
  const has = (key: string) => Object.prototype.hasOwnProperty.call(news, key) && news[key] !== undefined;

  if (!has("orgId")) {
    failures.push({ property: "orgId", reason: "is required" });
  } else if (news.orgId === UNKNOWN_VALUE) {
    inputs.orgId = news.orgId;
  } else {
    const result = checkWholeNumber("orgId", news.orgId, 1, "must be a number (the emnify organisation id)");
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
    const result = checkField(field, value);
    if (result.ok) inputs[field.name] = result.value;
    else failures.push(...result.failures);
  }

  if (!has("restoreOnDelete")) {
    inputs.restoreOnDelete = false;
  } else if (news.restoreOnDelete === UNKNOWN_VALUE) {
    inputs.restoreOnDelete = news.restoreOnDelete;
  } else if (typeof news.restoreOnDelete === "boolean") {
    inputs.restoreOnDelete = news.restoreOnDelete;
  } else {
    failures.push({ property: "restoreOnDelete", reason: `must be true or false, got ${describeValue(news.restoreOnDelete)}` });
  }

  // The organisation's recorded originals, which BillingConfig wires in from its BillingOriginals.
  if (has(ORIGINALS_INPUT)) {
    const recorded = news[ORIGINALS_INPUT];
    if (recorded === UNKNOWN_VALUE || isPlainObject(recorded)) inputs[ORIGINALS_INPUT] = recorded;
    else failures.push({ property: ORIGINALS_INPUT, reason: "is set by pulumi-emnify and must be an object" });
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
  // Built key by key above from the checked values (an unknown marker passes through as it is).
  return { inputs: inputs as CheckedInputs, failures };
}
