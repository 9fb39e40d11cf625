/**
 * The lifecycle of a BillingOriginals: the record of an organisation's billing settings as they
 * were before this stack first changed them, kept as a resource of its own so that the engine
 * checkpoints it before the BillingConfig's first PATCH (DECISIONS D36).
 *
 * API calls per operation: create 1 (GET); read, update, delete, check and diff 0. Read never
 * re-reads the API: the record is history, and a refresh must not replace it with values this
 * stack has since set. Delete forgets the record.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { BillingConfigApi } from "../billing/billingConfigApi";
import { FIELDS, FieldValues, UNKNOWN_VALUE } from "../billing/fields";

/** The organisation id of a BillingOriginals' inputs, or a reason it is not one. */
function checkedOrgId(value: unknown): { ok: true; value: number | typeof UNKNOWN_VALUE } | { ok: false; reason: string } {
  if (value === UNKNOWN_VALUE) return { ok: true, value };
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 1) return { ok: true, value };
  return { ok: false, reason: "must be a positive whole number (the emnify organisation id)" };
}

/** The recorded values of a stored BillingOriginals (or of a BillingConfig's `originals` input). */
export function recordedValues(value: unknown): Partial<FieldValues> | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const recorded: Partial<FieldValues> = {};
  for (const field of FIELDS) {
    if (Object.prototype.hasOwnProperty.call(value, field.name)) {
      (recorded as Record<string, unknown>)[field.name] = (value as Record<string, unknown>)[field.name];
    }
  }
  return recorded;
}

export class BillingOriginalsProvider implements dynamic.ResourceProvider {
  constructor(private readonly api: () => BillingConfigApi) {}

  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    const orgId = checkedOrgId(news.orgId);
    if (!orgId.ok) return { inputs: {}, failures: [{ property: "orgId", reason: orgId.reason }] };
    return { inputs: { orgId: orgId.value }, failures: [] };
  }

  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
    // The name holds the organisation id, so a different id is a different record.
    if (news.orgId !== olds.orgId) return { changes: true, replaces: ["orgId"], deleteBeforeReplace: false };
    return { changes: false };
  }

  async create(inputs: Record<string, unknown>): Promise<dynamic.CreateResult> {
    const orgId = inputs.orgId as number;
    const live = await this.api().get(orgId, "recording the billing config before any change");
    return { id: String(orgId), outs: { orgId, originals: live.values } };
  }

  async read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult> {
    return { id, props: { orgId: props.orgId, originals: props.originals }, inputs: { orgId: props.orgId } };
  }

  async update(_id: string, olds: Record<string, unknown>): Promise<dynamic.UpdateResult> {
    return { outs: { orgId: olds.orgId, originals: olds.originals } };
  }

  async delete(): Promise<void> {
    // Forgetting the record changes nothing in emnify.
  }
}
