import { JsonObject, JsonValue } from "./types";

/**
 * Pulumi's wire and state marker for a secret: an object whose special signature key holds the
 * secret signature. These are the SDK's constants (runtime/rpc.js: specialSigKey and
 * specialSecretSig); they are part of Pulumi's state format and never change.
 */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A secret as the SDK sends it over RPC: the value wrapped in place. */
export interface RpcSecret {
  [SIG_KEY]: typeof SECRET_SIG;
  value: JsonValue;
}

/**
 * A secret as the simulated state stores it, in the shape of a real state file: the signature plus
 * `ciphertext`. Real stacks encrypt with the stack's secrets provider; here the ciphertext is only
 * base64 of the JSON-encoded value, which is NOT protection but keeps the property that matters
 * for tests: a secret value never appears verbatim in the state JSON, so scanning the serialized
 * state for a sensitive string finds it only if it leaked into a non-secret property.
 * Use `revealSecret` (or revealResource) to read it.
 */
export interface StateSecret {
  [SIG_KEY]: typeof SECRET_SIG;
  ciphertext: string;
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isRpcSecret(value: unknown): value is RpcSecret {
  return isObject(value) && value[SIG_KEY] === SECRET_SIG && "value" in value;
}

export function isStateSecret(value: unknown): value is StateSecret {
  return isObject(value) && value[SIG_KEY] === SECRET_SIG && typeof value.ciphertext === "string";
}

export function sealSecret(value: JsonValue): StateSecret {
  return { [SIG_KEY]: SECRET_SIG, ciphertext: Buffer.from(JSON.stringify(value), "utf8").toString("base64") };
}

export function revealSecret(secret: StateSecret): JsonValue {
  return JSON.parse(Buffer.from(secret.ciphertext, "base64").toString("utf8")) as JsonValue;
}

/**
 * Removes RPC secret wrappers anywhere inside a value, reporting whether there were any. The
 * engine tracks secretness per top-level property for a dynamic resource (the host refuses
 * secrets), so one nested secret makes the whole property secret.
 *
 * The provider plugin has its own unwrapping (provider/plugin/wire.ts). This stand-in keeps a
 * separate one on purpose: it plays the engine that the provider is tested against, so it must
 * not borrow the provider's code (a bug shared by both would pass unseen).
 */
export function unwrapRpcSecrets(value: JsonValue): { plain: JsonValue; hadSecret: boolean } {
  let hadSecret = false;
  const strip = (item: JsonValue): JsonValue => {
    if (isRpcSecret(item)) {
      hadSecret = true;
      return strip(item.value);
    }
    if (Array.isArray(item)) return item.map(strip);
    if (isObject(item)) return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, strip(inner)]));
    return item;
  };
  const plain = strip(value);
  return { plain, hadSecret };
}

/** Seals the named top-level properties of a plain property map for storage in the state. */
export function sealProperties(props: JsonObject, secretKeys: ReadonlySet<string>): JsonObject {
  const sealed: JsonObject = {};
  for (const [key, value] of Object.entries(props)) {
    sealed[key] = secretKeys.has(key) ? (sealSecret(value) as unknown as JsonValue) : value;
  }
  return sealed;
}

/** The inverse of sealProperties: plain values (as sent to the provider) and the secret names. */
export function revealProperties(props: JsonObject): { plain: JsonObject; secretKeys: Set<string> } {
  const plain: JsonObject = {};
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries(props)) {
    if (isStateSecret(value)) {
      plain[key] = revealSecret(value);
      secretKeys.add(key);
    } else {
      plain[key] = value;
    }
  }
  return { plain, secretKeys };
}
