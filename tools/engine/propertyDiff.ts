import { JsonObject, JsonValue } from "./types";

/** The serialized provider travels as an ordinary property; it is never a user-visible change. */
export const PROVIDER_KEY = "__provider";

/** Structural equality for JSON values; key order does not matter. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) {
    return true;
  }
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== "object" || typeof b !== "object") {
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!jsonEqual(a[key], b[key])) {
      return false;
    }
  }
  return true;
}

/**
 * Whether an output still holds what was declared: equal, except that an object output may carry
 * more members than the declaration (a provider enriching `{ id: 1 }` with a `description` has not
 * changed anything the program said). Arrays and scalars must be equal.
 */
export function holdsDeclared(output: JsonValue | undefined, declared: JsonValue | undefined): boolean {
  if (declared !== null && typeof declared === "object" && !Array.isArray(declared)) {
    if (output === null || output === undefined || typeof output !== "object" || Array.isArray(output)) {
      return false;
    }
    return Object.entries(declared).every(([key, value]) => holdsDeclared(output[key], value));
  }
  return jsonEqual(output, declared);
}

/**
 * The declared input names whose values the old outputs no longer hold, sorted. This is the
 * display diff only: the dynamic host drops detailed diffs, so we compare what the program
 * declares against what the state holds (see holdsDeclared). An input that is not an output (such
 * as the originals a BillingConfig takes) is compared with the old inputs, as the CLI shows it.
 */
export function changedDeclaredKeys(oldOutputs: JsonObject, news: JsonObject, oldInputs: JsonObject = {}): string[] {
  return Object.keys(news)
    .filter((key) => key !== PROVIDER_KEY && !holdsDeclared(oldOutputs[key], news[key]))
    .filter((key) => key in oldOutputs || !jsonEqual(oldInputs[key], news[key]))
    .sort();
}

/** Every property name whose value differs between two property maps, sorted. */
export function changedKeys(before: JsonObject, after: JsonObject): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => key !== PROVIDER_KEY && !jsonEqual(before[key], after[key])).sort();
}

/** The declared input names (what a create sets), sorted. */
export function declaredKeys(news: JsonObject): string[] {
  return Object.keys(news)
    .filter((key) => key !== PROVIDER_KEY)
    .sort();
}

/**
 * The engine's own fallback when a provider answers DIFF_UNKNOWN (or has no diff method): compare
 * old inputs with new inputs, `__provider` included. This is why a dynamic resource without a
 * diff shows an update whenever its provider code changes (pulumi/pulumi#12401).
 */
export function legacyInputsDiffer(oldInputs: JsonObject, news: JsonObject): boolean {
  return !jsonEqual(oldInputs, news);
}
