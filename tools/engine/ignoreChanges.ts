import { JsonObject, JsonValue } from "./types";

/**
 * The engine's `processIgnoreChanges` before Check: for each ignored property path, the value of
 * the old *inputs* replaces the program's (a path absent from the old inputs is removed). Paths
 * are property names, optionally dotted into objects (`paymentData.iban`); array indexes and `*`
 * are not modelled. The secret mark travels with a copied top-level value (`secretKeys`).
 */
export function applyIgnoreChanges(
  news: JsonObject,
  oldInputs: JsonObject,
  ignoreChanges: readonly string[] | undefined,
  oldSecretKeys: ReadonlySet<string>,
): { inputs: JsonObject; secretKeys: Set<string> } {
  const inputs = structuredClone(news);
  const secretKeys = new Set<string>();
  for (const path of ignoreChanges ?? []) {
    const keys = path.split(".");
    let from: JsonValue | undefined = oldInputs;
    let into: JsonValue | undefined = inputs;
    for (const key of keys.slice(0, -1)) {
      from = isObject(from) ? from[key] : undefined;
      into = isObject(into) ? into[key] : undefined;
    }
    const leaf = keys[keys.length - 1];
    if (!isObject(into)) {
      continue;
    }
    if (isObject(from) && Object.prototype.hasOwnProperty.call(from, leaf)) {
      into[leaf] = structuredClone(from[leaf]);
      if (oldSecretKeys.has(keys[0])) {
        secretKeys.add(keys[0]);
      }
    } else {
      delete into[leaf];
    }
  }
  return { inputs, secretKeys };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
