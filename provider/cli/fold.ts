/**
 * Folding shared values into the file's `defaults`, so that a file of hundreds of organisations
 * shows what is common once and what is special where it is.
 *
 * The rule, per field: the most common value goes to `defaults` when
 *   - more than half of the organisations hold it (so an entry reads as "the usual, except ..."),
 *   - at least two do (one organisation alone gains nothing from a default), and
 *   - every organisation holds some value for the field. An organisation that holds nothing must
 *     not inherit a default: adopting it would then set a field nobody had set.
 * Organisations with another value override the default in their entry. Payment data is never
 * folded: it is one organisation's bank details, and an edit to a shared default should not
 * change many organisations' payment details at once.
 *
 * The result always means exactly the same values: `{ ...defaults, ...entry }` gives back every
 * organisation's own values.
 */
import { canonicalJson } from "../billing/mapping";
import { FIELD_NAMES, FieldName, SECRET_FIELDS } from "../billing/fields";

/** The fields an organisation holds, as they are written to the file. */
export type HeldValues = Partial<Record<FieldName, unknown>>;

const NEVER_FOLDED: ReadonlySet<FieldName> = new Set(SECRET_FIELDS);

export interface Folded<T extends { values: HeldValues }> {
  defaults: HeldValues;
  /** Each organisation with only the values that differ from the defaults. */
  orgs: Array<Omit<T, "values"> & { values: HeldValues }>;
}

/** The value the rule above puts in `defaults` for one field, if any. */
function sharedValue(field: FieldName, all: HeldValues[]): { value: unknown } | undefined {
  if (NEVER_FOLDED.has(field) || all.length < 2) return undefined;
  if (!all.every((values) => Object.prototype.hasOwnProperty.call(values, field))) return undefined;
  const counts = new Map<string, { value: unknown; count: number }>();
  for (const values of all) {
    const key = canonicalJson(values[field]);
    const entry = counts.get(key) ?? { value: values[field], count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  // More than half can only be one value, so the order of the map does not matter.
  const winner = [...counts.values()].find((entry) => entry.count * 2 > all.length && entry.count >= 2);
  return winner === undefined ? undefined : { value: winner.value };
}

export function foldDefaults<T extends { values: HeldValues }>(orgs: readonly T[]): Folded<T> {
  const all = orgs.map((org) => org.values);
  const defaults: HeldValues = {};
  for (const field of FIELD_NAMES) {
    const shared = sharedValue(field, all);
    if (shared !== undefined) defaults[field] = shared.value;
  }
  return {
    defaults,
    orgs: orgs.map((org) => {
      const own: HeldValues = {};
      for (const field of FIELD_NAMES) {
        if (!Object.prototype.hasOwnProperty.call(org.values, field)) continue;
        const value = org.values[field];
        const inherited = Object.prototype.hasOwnProperty.call(defaults, field) && canonicalJson(defaults[field]) === canonicalJson(value);
        if (!inherited) own[field] = value;
      }
      return { ...org, values: own };
    }),
  };
}
