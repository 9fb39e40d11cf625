/**
 * The billing-config fields this package manages: their resource (camelCase) and API (snake_case)
 * names and how their values compare. The one table every other module reads, so adding a field
 * is one line here plus its schema.
 */

/** A billing setting that a program may declare. */
export type FieldName =
  | "vatin"
  | "invoiceIssuerInfo"
  | "chargingModel"
  | "paymentTerm"
  | "vatRate"
  | "paymentData";

export type FieldKind = "string" | "nullableString" | "reference" | "object";

export interface FieldSpec {
  name: FieldName;
  apiName: string;
  kind: FieldKind;
  /** Whether the API accepts `null` for it (so a null original can be restored). */
  nullable: boolean;
}

export const FIELDS: readonly FieldSpec[] = [
  { name: "vatin", apiName: "vatin", kind: "string", nullable: false },
  { name: "invoiceIssuerInfo", apiName: "invoice_issuer_info", kind: "nullableString", nullable: true },
  { name: "chargingModel", apiName: "charging_model", kind: "reference", nullable: false },
  { name: "paymentTerm", apiName: "payment_term", kind: "reference", nullable: false },
  { name: "vatRate", apiName: "vat_rate", kind: "reference", nullable: false },
  { name: "paymentData", apiName: "payment_data", kind: "object", nullable: false },
];

export const FIELD_NAMES: readonly FieldName[] = FIELDS.map((f) => f.name);

export function fieldSpec(name: FieldName): FieldSpec {
  const spec = FIELDS.find((f) => f.name === name);
  if (!spec) throw new Error(`unknown billing config field ${name}`);
  return spec;
}

export function isFieldName(value: unknown): value is FieldName {
  return typeof value === "string" && (FIELD_NAMES as readonly string[]).includes(value);
}

/** A reference to one of emnify's catalogue entries (charging model, payment term, VAT rate). */
export interface Reference {
  id: number;
  /** Set when the API gives one; never compared. */
  description?: string;
}

/** The value of each field, as declared or as live. `null` means "the API holds nothing". */
export interface FieldValues {
  vatin: string | null;
  invoiceIssuerInfo: string | null;
  chargingModel: Reference | null;
  paymentTerm: Reference | null;
  vatRate: Reference | null;
  /**
   * Declared: an object. Live: whatever JSON the API holds; what GET answers for `payment_data` is
   * undocumented, so reading never fails on its shape (see {@link isComparablePaymentData}).
   */
  paymentData: Record<string, unknown> | null;
}

/** Pulumi's marker for a value not known yet (during preview), whatever the declared type. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a checked value holds an unknown anywhere (check bounds the nesting depth). */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN_VALUE) return true;
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}
