/**
 * From what the API holds to the document the renderers write: only the values the API holds,
 * references as `{ id }`, stable names, shared values folded into defaults, ordered by id so that
 * a re-export diffs cleanly.
 */
import { FIELDS, FieldValues, asDeclared } from "../billing/fields";
import type { OrganisationsDocument } from "../billing/organisationsFile";
import { HeldValues, foldDefaults } from "./fold";
import { defaultResourceName, resourceNames } from "./names";

/** One organisation as read from the API. */
export interface FetchedOrganisation {
  id: number;
  /** The emnify name, when the organisation list gave one. */
  name?: string;
  live: FieldValues;
}

export interface ExportedEntry {
  id: number;
  /** The Pulumi resource name (always set; `org-<id>` when the organisation has no name). */
  resourceName: string;
  /** The entry's own values: those that differ from the defaults. */
  values: HeldValues;
}

export interface ExportDocument {
  defaults: HeldValues;
  /** By id. */
  orgs: ExportedEntry[];
  includesPaymentData: boolean;
  /** Exported organisations holding payment data that was left out. */
  paymentDataLeftOut: number;
}

function isEmptyObject(value: Record<string, unknown>): boolean {
  return Object.keys(value).length === 0;
}

/**
 * Whether an organisation holds payment data worth writing. The GET shape of `payment_data` is
 * undocumented: only an object can be declared back, so anything else is held but never written
 * (and counted as left out). Empty payment data (`{}`) holds nothing.
 */
function holdsPaymentData(value: unknown): value is Record<string, unknown> {
  if (value === null || value === undefined) return false;
  if (typeof value !== "object" || Array.isArray(value)) return true;
  return !isEmptyObject(value as Record<string, unknown>);
}

function writablePaymentData(value: unknown): value is Record<string, unknown> {
  return holdsPaymentData(value) && typeof value === "object" && !Array.isArray(value);
}

/**
 * The values an organisation holds, as a program would declare them (references by id: a
 * description is the API's label, not a setting). A field the API holds nothing for is left out
 * (adoption then never touches it), except a `nullableString` such as `invoiceIssuerInfo`: the API
 * accepts null for it, so null is a value it holds and is written. Secret fields (payment data)
 * only when asked for, and only when they hold a JSON object; empty payment data (`{}`) holds
 * nothing.
 */
export function heldValues(live: FieldValues, includePaymentData: boolean): HeldValues {
  const held: HeldValues = {};
  for (const field of FIELDS) {
    const value = live[field.name];
    switch (field.kind) {
      case "nullableString":
        held[field.name] = value;
        break;
      case "object":
        if (includePaymentData && writablePaymentData(value)) held[field.name] = value;
        break;
      default:
        if (value !== null) held[field.name] = asDeclared(field.name, value);
    }
  }
  return held;
}

export function buildDocument(fetched: readonly FetchedOrganisation[], includePaymentData: boolean): ExportDocument {
  const sorted = [...fetched].sort((a, b) => a.id - b.id);
  const names = resourceNames(sorted);
  const folded = foldDefaults(sorted.map((org) => ({ id: org.id, values: heldValues(org.live, includePaymentData) })));
  return {
    defaults: folded.defaults,
    orgs: folded.orgs.map((org) => ({ id: org.id, resourceName: names.get(org.id)!, values: org.values })),
    includesPaymentData: includePaymentData,
    paymentDataLeftOut: sorted.filter(
      (org) => holdsPaymentData(org.live.paymentData) && !(includePaymentData && writablePaymentData(org.live.paymentData)),
    ).length,
  };
}

/**
 * The document as the organisations file holds it (the YAML and JSON renderers write this): a
 * name only where it is not the file's own default, and no `defaults` key when nothing is shared.
 */
export function toOrganisationsFile(doc: ExportDocument): OrganisationsDocument {
  const orgs = doc.orgs.map((org) => ({
    id: org.id,
    ...(org.resourceName === defaultResourceName(org.id) ? {} : { name: org.resourceName }),
    ...org.values,
  }));
  return Object.keys(doc.defaults).length === 0 ? { orgs } : { defaults: { ...doc.defaults }, orgs };
}
