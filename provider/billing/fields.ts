/**
 * The billing-config fields this package manages: the one table every other module reads. Each
 * entry gives the resource (camelCase) and API (snake_case) names, the kind of value (which says
 * how it is checked, read from either API shape, compared, written in a PATCH and exported) and
 * the field's own limits. Adding a field starts with an entry here, but does not end there:
 * ARCHITECTURE.md lists the other places; the compiler points at the public argument and output
 * documentation in ../resource/billingConfig (see the assertions there).
 */

/** A reference to one of emnify's catalogue entries (charging model, payment term, VAT rate). */
export interface Reference {
  id: number;
  /** Set when the API gives one; never compared. */
  description?: string;
}

/**
 * The kinds of value, and what a declared value of each is:
 * - `string`: text the API cannot set to null;
 * - `nullableString`: text, or `null` to clear it (so a null original can be restored);
 * - `reference`: a catalogue entry, declared and compared by id; the API answers it nested
 *   (`charging_model: { id, description }`) or flat (`charging_model_id`);
 * - `object`: free-form JSON, compared as a whole (key order aside).
 */
export interface KindValues {
  string: string;
  nullableString: string | null;
  reference: Reference;
  object: Record<string, unknown>;
}

export type FieldKind = keyof KindValues;

export interface FieldSpec {
  readonly name: string;
  readonly apiName: string;
  readonly kind: FieldKind;
  /** For the string kinds: the most UTF-16 code units (JavaScript's `length`) a value may have. */
  readonly maxLength?: number;
  /** Always a secret: in the inputs, the outputs, the adopted originals, and never in plain export files unless asked. */
  readonly secret?: boolean;
}

export const FIELDS = [
  { name: "vatin", apiName: "vatin", kind: "string", maxLength: 64 },
  { name: "invoiceIssuerInfo", apiName: "invoice_issuer_info", kind: "nullableString", maxLength: 1000 },
  { name: "chargingModel", apiName: "charging_model", kind: "reference" },
  { name: "paymentTerm", apiName: "payment_term", kind: "reference" },
  { name: "vatRate", apiName: "vat_rate", kind: "reference" },
  { name: "paymentData", apiName: "payment_data", kind: "object", secret: true },
] as const satisfies readonly FieldSpec[];

type Entry = (typeof FIELDS)[number];

/** A billing setting that a program may declare. */
export type FieldName = Entry["name"];

/** The kind of one field. */
export type KindOf<N extends FieldName> = Extract<Entry, { name: N }>["kind"];

/** What a program declares for each field (after `check`). */
export type DeclaredValues = { [N in FieldName]: KindValues[KindOf<N>] };

/**
 * The value of each field, as declared or as live. `null` means "the API holds nothing". Live
 * payment data is whatever JSON the API holds: what GET answers for `payment_data` is
 * undocumented, so reading never fails on its shape (see `isComparablePaymentData` in ./mapping).
 */
export type FieldValues = { [N in FieldName]: DeclaredValues[N] | null };

export const FIELD_NAMES: readonly FieldName[] = FIELDS.map((f) => f.name);

/** The secret fields, for `additionalSecretOutputs` and the export's payment-data rules. */
export const SECRET_FIELDS: readonly FieldName[] = FIELDS.filter((f: FieldSpec) => f.secret === true).map((f) => f.name);

export function fieldSpec(name: FieldName): FieldSpec {
  const spec = FIELDS.find((f) => f.name === name);
  if (!spec) throw new Error(`unknown billing config field ${name}`);
  return spec;
}

/** Whether the API accepts `null` for a field (so a null original can be restored). */
export function isNullable(name: FieldName): boolean {
  return fieldSpec(name).kind === "nullableString";
}

export function isFieldName(value: unknown): value is FieldName {
  return typeof value === "string" && (FIELD_NAMES as readonly string[]).includes(value);
}

/** A value as a program declares it: references by id only (a description is the API's label). */
export function asDeclared(name: FieldName, value: unknown): unknown {
  return fieldSpec(name).kind === "reference" && value !== null && value !== undefined ? { id: (value as Reference).id } : value;
}

/** Pulumi's marker for a value not known yet (during preview), whatever the declared type. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a checked value holds an unknown anywhere (check bounds the nesting depth). */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN_VALUE) return true;
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}
