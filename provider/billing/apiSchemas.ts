/**
 * What the API answers, checked on arrival with zod (DECISIONS D28). Both documented shapes of a
 * billing config are accepted (nested `{id, description}` objects and the flat legacy
 * `charging_model_id: "0"` form), ids as numbers or numeric strings, and unknown extra fields.
 *
 * Built from the field table (./fields). This module is never captured by Pulumi's closure
 * serializer (zod holds native functions that cannot be serialized).
 */
import { z } from "zod";
import { FIELDS, FieldSpec } from "./fields";

/** An id the API may send as a number or as a numeric string ("8"); exact, or refused (DECISIONS D18). */
export const apiId = z
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

/** What each kind of field may look like in a GET answer, by API name. */
function apiFieldShape(field: FieldSpec): Record<string, z.ZodType> {
  switch (field.kind) {
    case "string":
    case "nullableString":
      return { [field.apiName]: z.string().nullish() };
    case "reference":
      // Nested `{ id, description }`, or the flat legacy `<name>_id`.
      return { [field.apiName]: apiReference.nullish(), [`${field.apiName}_id`]: apiId.nullish() };
    case "object":
      // Undocumented in GET answers: kept as the API sends it, never a reason to fail a read.
      return { [field.apiName]: z.unknown().optional() };
  }
}

/**
 * GET /api/v1/organisation/:org_id/billing_config. The response schema is not documented, so
 * every field is optional, both shapes are accepted and unknown fields are kept and ignored.
 */
export const apiBillingConfigSchema = z.looseObject({
  id: apiId.nullish(),
  billing_config_id: apiId.nullish(),
  ...Object.assign({}, ...FIELDS.map(apiFieldShape)),
}) as z.ZodType<ApiBillingConfig>;

/** A checked GET answer: the record ids, and each field's value under its API name(s), as {@link apiFieldShape} allows. */
export interface ApiBillingConfig {
  id?: number | null;
  billing_config_id?: number | null;
  [apiName: string]: unknown;
}

/** PATCH answers `{}` as documented; anything that is a JSON object is accepted. */
export const apiPatchResponseSchema = z.looseObject({});
