/**
 * The emulator's data: organisations, their billing configs and active inclusive volumes, and who
 * may see whom. Pure data logic, no HTTP: the routes turn its results into answers.
 */
import type { ApiBillingConfig, EmulatorCatalogue, SeedOrganisation } from "./types";
import { isPlainObject, validateBillingConfigPatch } from "./validation";
import type { FieldError } from "./errors";

export interface StoredOrganisation {
  id: number;
  name: string;
  parentId?: number;
  billingConfig: ApiBillingConfig;
  inclusiveVolumes: unknown[];
}

export type AccessResult = { ok: true; org: StoredOrganisation } | { ok: false; reason: "not_found" | "forbidden" | "own_organisation" };

export type PatchResult =
  | { ok: true }
  | { ok: false; reason: "not_an_object" }
  | { ok: false; reason: "invalid"; errors: FieldError[] }
  | { ok: false; reason: "prepaid_rule" };

/** First id handed out to configs seeded without one; 8 as in emnify's documented example. */
const FIRST_BILLING_CONFIG_ID = 8;

export class EmulatorState {
  private readonly orgs = new Map<number, StoredOrganisation>();
  private nextBillingConfigId = FIRST_BILLING_CONFIG_ID;

  constructor(
    readonly catalogue: EmulatorCatalogue,
    /** Organisations of the accounts: top level, and the first one parents seeds that name none. */
    private readonly accountOrgIds: readonly number[],
  ) {}

  /** Adds an organisation, or replaces the one with the same id entirely. */
  seed(seed: SeedOrganisation): void {
    if (!Number.isFinite(seed.id)) throw new TypeError(`organisation id must be a number, got ${String(seed.id)}`);
    const parentId = seed.parentId ?? (this.accountOrgIds.includes(seed.id) ? undefined : this.accountOrgIds[0]);
    const billingConfig = { ...this.defaultBillingConfig(seed.billingConfig?.id), ...withoutUndefined(seed.billingConfig) };
    this.orgs.set(seed.id, {
      id: seed.id,
      name: seed.name ?? `Organisation ${seed.id}`,
      parentId,
      billingConfig: structuredClone(billingConfig),
      inclusiveVolumes: structuredClone(seed.inclusiveVolumes ?? []),
    });
  }

  remove(id: number): void {
    this.require(id);
    this.orgs.delete(id);
  }

  get(id: number): StoredOrganisation | undefined {
    return this.orgs.get(id);
  }

  /** The direct children of an organisation, by id. */
  children(parentId: number): StoredOrganisation[] {
    return [...this.orgs.values()].filter((o) => o.parentId === parentId).sort((a, b) => a.id - b.id);
  }

  /**
   * What GET /api/v1/organisation lists for a caller: itself and its direct children, by id. Which
   * organisations the real list holds is undocumented; listing the caller too makes clients prove
   * they leave it out of anything meant as "children".
   */
  visibleTo(callerOrgId: number): StoredOrganisation[] {
    const own = this.orgs.get(callerOrgId);
    return [...(own ? [own] : []), ...this.children(callerOrgId)].sort((a, b) => a.id - b.id);
  }

  billingConfig(id: number): ApiBillingConfig {
    return structuredClone(this.require(id).billingConfig);
  }

  /** Out-of-band change (drift): merged over what is stored, without any validation. */
  setBillingConfig(id: number, patch: ApiBillingConfig): void {
    const org = this.require(id);
    org.billingConfig = structuredClone({ ...org.billingConfig, ...withoutUndefined(patch) });
  }

  inclusiveVolumes(id: number): unknown[] {
    return structuredClone(this.require(id).inclusiveVolumes);
  }

  setInclusiveVolumes(id: number, volumes: unknown[]): void {
    this.require(id).inclusiveVolumes = structuredClone(volumes);
  }

  /** A caller may read itself and read or change its direct children; it may not change itself. */
  access(callerOrgId: number, orgId: number, write: boolean): AccessResult {
    const org = this.orgs.get(orgId);
    if (!org) return { ok: false, reason: "not_found" };
    if (orgId === callerOrgId) return write ? { ok: false, reason: "own_organisation" } : { ok: true, org };
    if (org.parentId !== callerOrgId) return { ok: false, reason: "forbidden" };
    return { ok: true, org };
  }

  /** Validates and applies a PATCH body atomically: on any error nothing changes. */
  patchBillingConfig(orgId: number, body: unknown): PatchResult {
    if (!isPlainObject(body)) return { ok: false, reason: "not_an_object" };
    const org = this.require(orgId);
    const result = validateBillingConfigPatch(body, {
      stored: org.billingConfig,
      inclusiveVolumes: org.inclusiveVolumes,
      catalogue: this.catalogue,
    });
    if (!result.ok) {
      return "errors" in result ? { ok: false, reason: "invalid", errors: result.errors } : { ok: false, reason: "prepaid_rule" };
    }
    // Top-level merge: a field that is sent replaces the stored one (payment_data as a whole).
    org.billingConfig = { ...org.billingConfig, ...result.patch };
    return { ok: true };
  }

  private require(id: number): StoredOrganisation {
    const org = this.orgs.get(id);
    if (!org) throw new RangeError(`the emulator has no organisation ${id}`);
    return org;
  }

  /** A plausible config: a fresh id, a German-looking VAT id and the first non-prepaid references. */
  private defaultBillingConfig(givenId: number | undefined): ApiBillingConfig {
    const { chargingModels, paymentTerms, vatRates, prepaidChargingModelId } = this.catalogue;
    const chargingModel = chargingModels.find((id) => id !== prepaidChargingModelId) ?? chargingModels[0];
    const id = givenId ?? this.nextBillingConfigId++;
    return {
      id,
      vatin: `DE${String(100_000_000 + id).slice(-9)}`,
      invoice_issuer_info: null,
      charging_model: chargingModel === undefined ? null : { id: chargingModel },
      payment_term: paymentTerms[0] === undefined ? null : { id: paymentTerms[0] },
      vat_rate: vatRates[0] === undefined ? null : { id: vatRates[0] },
      payment_data: {},
    };
  }
}

function withoutUndefined(config: ApiBillingConfig | undefined): ApiBillingConfig {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config ?? {})) if (value !== undefined) copy[key] = value;
  return copy;
}
