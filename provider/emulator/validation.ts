/**
 * Validation of a PATCH billing_config body, following the documented field types. It checks the
 * whole body and reports every problem at once (as emnify's `errors[]` does), then applies the
 * documented prepaid rule only to a body that is otherwise valid.
 */
import type { ApiBillingConfig, EmulatorCatalogue } from "./types";
import { invalidFormat, invalidReference, type FieldError } from "./errors";

export const PREPAID_RULE_MESSAGE =
  "If there are active Data packages or inclusive volume present, charging_model can not be updated to prepaid.";

export const MAX_VATIN_LENGTH = 64;
export const MAX_INVOICE_ISSUER_INFO_LENGTH = 1000;

export type PatchValidation =
  { ok: true; patch: ApiBillingConfig } | { ok: false; errors: FieldError[] } | { ok: false; prepaidRule: true };

export interface PatchContext {
  stored: ApiBillingConfig;
  inclusiveVolumes: unknown[];
  catalogue: EmulatorCatalogue;
}

type ReferenceField = "charging_model" | "payment_term" | "vat_rate";

export function validateBillingConfigPatch(body: Record<string, unknown>, ctx: PatchContext): PatchValidation {
  const errors: FieldError[] = [];
  const patch: ApiBillingConfig = {};
  const known: Record<ReferenceField, number[]> = {
    charging_model: ctx.catalogue.chargingModels,
    payment_term: ctx.catalogue.paymentTerms,
    vat_rate: ctx.catalogue.vatRates,
  };

  // Body order decides error order, so callers see problems in the order they sent the fields.
  for (const [field, value] of Object.entries(body)) {
    switch (field) {
      case "vatin":
        if (typeof value !== "string") errors.push(invalidFormat(field, "vatin must be a string"));
        else if (value.length > MAX_VATIN_LENGTH) {
          errors.push(invalidFormat(field, `vatin must be at most ${MAX_VATIN_LENGTH} characters`));
        } else patch.vatin = value;
        break;
      case "invoice_issuer_info":
        if (value !== null && typeof value !== "string") {
          errors.push(invalidFormat(field, "invoice_issuer_info must be a string or null"));
        } else if (typeof value === "string" && value.length > MAX_INVOICE_ISSUER_INFO_LENGTH) {
          errors.push(invalidFormat(field, `invoice_issuer_info must be at most ${MAX_INVOICE_ISSUER_INFO_LENGTH} characters`));
        } else patch.invoice_issuer_info = value;
        break;
      case "charging_model":
      case "payment_term":
      case "vat_rate": {
        const id = referenceId(value);
        if (id === undefined) errors.push(invalidFormat(field, `${field} must be an object with a numeric id`));
        else if (!known[field].includes(id)) errors.push(invalidReference(field, `${field} id ${id} does not exist`));
        else patch[field] = { id }; // extra keys (e.g. a description read back) are ignored
        break;
      }
      case "payment_data":
        if (!isPlainObject(value)) errors.push(invalidFormat(field, "payment_data must be an object"));
        else patch.payment_data = structuredClone(value);
        break;
      case "id":
        if (typeof value !== "number" || !Number.isFinite(value)) errors.push(invalidFormat(field, "id must be a number"));
        else if (value !== ctx.stored.id) {
          errors.push(invalidReference(field, `id ${value} does not match billing config ${String(ctx.stored.id)}`));
        }
        break;
      default:
        errors.push(invalidFormat(field, `${field} is not a known field`));
    }
  }
  if (errors.length > 0) return { ok: false, errors };

  // Only a switch counts: re-sending the prepaid model the org already has changes nothing.
  const prepaid = ctx.catalogue.prepaidChargingModelId;
  const switchesToPrepaid = patch.charging_model?.id === prepaid && ctx.stored.charging_model?.id !== prepaid;
  if (switchesToPrepaid && ctx.inclusiveVolumes.length > 0) return { ok: false, prepaidRule: true };

  return { ok: true, patch };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function referenceId(value: unknown): number | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = value.id;
  return typeof id === "number" && Number.isFinite(id) ? id : undefined;
}
