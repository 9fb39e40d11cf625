/**
 * How a stored billing config is answered by GET. emnify's response schema is unverified, so the
 * emulator offers both forms seen in public material: the nested one (default) and the legacy
 * flat one with ids as strings. The nested form carries an extra field that is in no schema, so
 * that clients prove they tolerate unknown fields.
 */
import type { ApiBillingConfig } from "./types";

type Reference = { id: number } | null | undefined;

export function renderNested(config: ApiBillingConfig): Record<string, unknown> {
  return {
    id: config.id ?? null,
    vatin: config.vatin ?? null,
    invoice_issuer_info: config.invoice_issuer_info ?? null,
    charging_model: describe(config.charging_model, "Charging model"),
    payment_term: describe(config.payment_term, "Payment term"),
    vat_rate: describe(config.vat_rate, "VAT rate"),
    payment_data: copy(config.payment_data),
    currency: { id: 1, code: "EUR" },
  };
}

export function renderFlat(config: ApiBillingConfig): Record<string, unknown> {
  return {
    billing_config_id: idString(config.id),
    charging_model_id: idString(config.charging_model?.id),
    payment_term_id: idString(config.payment_term?.id),
    vat_rate_id: idString(config.vat_rate?.id),
    vatin: config.vatin ?? null,
    invoice_issuer_info: config.invoice_issuer_info ?? null,
    payment_data: copy(config.payment_data),
  };
}

/** Neutral descriptions: what the ids mean is undocumented, so no names are invented. */
function describe(ref: Reference, label: string): unknown {
  if (ref === null || ref === undefined) return null;
  return { ...ref, description: `${label} ${ref.id}` };
}

function idString(id: number | undefined): string | null {
  return id === undefined || id === null ? null : String(id);
}

function copy(value: unknown): unknown {
  return value === undefined ? null : structuredClone(value);
}
