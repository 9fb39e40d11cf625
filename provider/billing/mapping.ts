/**
 * Pure functions between the API's billing config, the declared inputs and the resource state.
 * No I/O here: the provider decides what to do, these functions say what differs and how it is
 * written on each side.
 */
import {
  FIELDS,
  FieldName,
  FieldSpec,
  FieldValues,
  Reference,
  UNKNOWN_VALUE,
  asDeclared,
  fieldSpec,
  isFieldName,
  isNullable,
} from "./fields";
import { CheckedInputs } from "./inputChecks";
import { ApiBillingConfig } from "./apiSchemas";

/** What GET billing_config says, normalised. */
export interface LiveBillingConfig {
  billingConfigId: number | null;
  values: FieldValues;
}

/** The resource's outputs as stored in the Pulumi state. */
export type BillingConfigState = FieldValues & {
  orgId: number;
  billingConfigId: number | null;
  restoreOnDelete: boolean;
  /** The fields the program declares (and so manages); others are left alone. */
  managedFields: FieldName[];
  /** The value each managed field had before this resource first managed it (for restoreOnDelete). */
  adoptedOriginal: Partial<FieldValues>;
  /** Names this resource's adoption of the organisation, to tell it from another resource's. */
  adoptionId: string | null;
};

function reference(nested: unknown, flatId: unknown): Reference | null {
  if (nested !== null && nested !== undefined) {
    const { id, description } = nested as { id: number; description?: unknown };
    return typeof description === "string" ? { id, description } : { id };
  }
  return flatId === null || flatId === undefined ? null : { id: flatId as number };
}

/** One field of a checked GET answer (see `apiFieldShape` in ./apiSchemas), normalised. */
function liveValue(field: FieldSpec, api: ApiBillingConfig): unknown {
  switch (field.kind) {
    case "reference":
      return reference(api[field.apiName], api[`${field.apiName}_id`]);
    default:
      // Payment data is opaque: held as the API sent it (see FieldValues).
      return api[field.apiName] ?? null;
  }
}

/** The same value for every field: how a {@link FieldValues} is built from the table. */
function eachField(value: (field: FieldSpec) => unknown): FieldValues {
  const values: Record<string, unknown> = {};
  for (const field of FIELDS) values[field.name] = value(field);
  return values as FieldValues;
}

/** Reads either API shape (nested objects or the flat legacy form) into one normalised form. */
export function liveFromApi(api: ApiBillingConfig): LiveBillingConfig {
  return {
    billingConfigId: api.id ?? api.billing_config_id ?? null,
    values: eachField((field) => liveValue(field, api)),
  };
}

/**
 * Whether live payment data has a shape the resource can compare with a declared object: an
 * object or nothing. The API's GET shape of `payment_data` is undocumented; anything else (a
 * string, an array, a number) is held and shown, but managing it would PATCH on every run.
 */
export function isComparablePaymentData(live: unknown): boolean {
  return live === null || live === undefined || (typeof live === "object" && !Array.isArray(live));
}

/** Names the JSON type of a value, for messages: "a string", "an array". */
export function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}

/** The PATCH body for the given fields: snake_case, references as `{ id }` only. */
export function patchBody(values: Partial<FieldValues>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of FIELDS) {
    if (!Object.prototype.hasOwnProperty.call(values, field.name)) continue;
    const value = values[field.name];
    if (value === undefined) continue;
    body[field.apiName] = asDeclared(field.name, value);
  }
  return body;
}

/** Deeper than this, values are not compared: they count as different (an update, never a crash). */
const MAX_COMPARE_DEPTH = 64;

class TooDeepToCompare extends Error {}

/** Key-order-independent JSON, for comparing free-form objects such as payment data. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_COMPARE_DEPTH) throw new TooDeepToCompare();
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, depth + 1)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], depth + 1)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch (error) {
    if (error instanceof TooDeepToCompare) return false;
    throw error;
  }
}

/** Whether a declared value and a live one mean the same setting. Unknown values never match. */
export function sameValue(field: FieldName, declared: unknown, live: unknown): boolean {
  if (declared === UNKNOWN_VALUE || live === UNKNOWN_VALUE) return false;
  const a = declared ?? null;
  const b = live ?? null;
  switch (fieldSpec(field).kind) {
    case "reference": {
      const idA = a === null ? null : (a as { id?: unknown }).id;
      const idB = b === null ? null : (b as { id?: unknown }).id;
      if (idA === UNKNOWN_VALUE || idB === UNKNOWN_VALUE) return false;
      return idA === idB;
    }
    case "object":
      return sameJson(a, b);
    default:
      return a === b;
  }
}

/** The fields a program declares, in the fixed field order. */
export function declaredFields(inputs: object): FieldName[] {
  return FIELDS.map((f) => f.name).filter((name) => (inputs as Record<string, unknown>)[name] !== undefined);
}

/** The declared fields whose value differs from the given live values: what a PATCH must send. */
export function fieldsToPatch(inputs: Partial<CheckedInputs>, live: Partial<FieldValues>): FieldName[] {
  return declaredFields(inputs).filter((name) => !sameValue(name, inputs[name], live[name]));
}

/** The declared values of the given fields, as field values. */
export function pickDeclared(inputs: Partial<CheckedInputs>, fields: FieldName[]): Partial<FieldValues> {
  const picked: Partial<FieldValues> = {};
  for (const name of fields) (picked as Record<string, unknown>)[name] = inputs[name];
  return picked;
}

export function pickValues(values: Partial<FieldValues>, fields: FieldName[]): Partial<FieldValues> {
  const picked: Partial<FieldValues> = {};
  for (const name of fields) (picked as Record<string, unknown>)[name] = values[name] ?? null;
  return picked;
}

export function buildState(args: {
  orgId: number;
  live: LiveBillingConfig;
  restoreOnDelete: boolean;
  managedFields: FieldName[];
  adoptedOriginal: Partial<FieldValues>;
  adoptionId: string | null;
}): BillingConfigState {
  return {
    orgId: args.orgId,
    billingConfigId: args.live.billingConfigId,
    ...args.live.values,
    restoreOnDelete: args.restoreOnDelete,
    managedFields: args.managedFields,
    adoptedOriginal: args.adoptedOriginal,
    adoptionId: args.adoptionId,
  };
}

/** The live part of a stored state, for comparing against declared values. */
export function liveFromState(state: Partial<BillingConfigState>): LiveBillingConfig {
  return {
    billingConfigId: typeof state.billingConfigId === "number" ? state.billingConfigId : null,
    values: eachField((field) => state[field.name as FieldName] ?? null),
  };
}

/** Reads a stored state defensively: it may come from an older version of this package. */
export function readStoredState(props: Record<string, unknown>): {
  managedFields: FieldName[];
  adoptedOriginal: Partial<FieldValues>;
  restoreOnDelete: boolean;
  adoptionId: string | null;
} {
  const managedFields = Array.isArray(props.managedFields) ? props.managedFields.filter(isFieldName) : [];
  const original = props.adoptedOriginal;
  const adoptedOriginal: Partial<FieldValues> = {};
  if (original !== null && typeof original === "object") {
    for (const name of managedFields) {
      if (Object.prototype.hasOwnProperty.call(original, name)) {
        (adoptedOriginal as Record<string, unknown>)[name] = (original as Record<string, unknown>)[name];
      }
    }
  }
  return {
    managedFields,
    adoptedOriginal,
    restoreOnDelete: props.restoreOnDelete === true,
    adoptionId: typeof props.adoptionId === "string" ? props.adoptionId : null,
  };
}

/**
 * The PATCH body that puts the adopted original values back. A field whose original was empty and
 * that the API cannot set to null (a reference, VAT id, payment data) cannot be restored: it is
 * listed in `skipped` so the caller can say so.
 */
export function restoreBody(
  managedFields: FieldName[],
  original: Partial<FieldValues>,
): {
  body: Record<string, unknown>;
  skipped: FieldName[];
} {
  const restorable: Partial<FieldValues> = {};
  const skipped: FieldName[] = [];
  for (const name of managedFields) {
    if (!Object.prototype.hasOwnProperty.call(original, name)) {
      skipped.push(name);
      continue;
    }
    const value = original[name] ?? null;
    if (value === null && !isNullable(name)) skipped.push(name);
    else (restorable as Record<string, unknown>)[name] = value;
  }
  return { body: patchBody(restorable), skipped };
}
