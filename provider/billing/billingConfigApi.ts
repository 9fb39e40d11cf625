/**
 * The two billing-config calls, on top of the generic client: typed, validated, with the
 * operation and organisation named for every error message.
 */
import { EmnifyClient } from "../client/emnifyClient";
import { LiveBillingConfig, liveFromApi } from "./mapping";
import { apiBillingConfigSchema, apiPatchResponseSchema } from "./apiSchemas";

export interface BillingConfigApi {
  /** GET /api/v1/organisation/:org_id/billing_config */
  get(orgId: number, operation: string): Promise<LiveBillingConfig>;
  /** PATCH /api/v1/organisation/:org_id/billing_config (answers `{}`; read back with get). */
  patch(orgId: number, body: Record<string, unknown>, operation: string): Promise<void>;
}

export function billingConfigPath(orgId: number): string {
  return `/api/v1/organisation/${orgId}/billing_config`;
}

export function billingConfigApi(client: EmnifyClient): BillingConfigApi {
  return {
    async get(orgId, operation) {
      const body = await client.request({
        method: "GET",
        path: billingConfigPath(orgId),
        operation,
        orgId,
        schema: apiBillingConfigSchema,
      });
      return liveFromApi(body);
    },
    async patch(orgId, body, operation) {
      await client.request({
        method: "PATCH",
        path: billingConfigPath(orgId),
        body,
        operation,
        orgId,
        schema: apiPatchResponseSchema,
      });
    },
  };
}
