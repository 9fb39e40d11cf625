/**
 * Property values as the engine sends them to a provider plugin that accepts secrets, and back.
 * Secrets arrive wrapped (`{ <sig>: <secret sig>, value }`) at any depth; unknowns (preview) arrive
 * as Pulumi's unknown marker string, which the lifecycle already understands. The lifecycle works on
 * plain values: secrets are unwrapped on the way in, and on the way out every secret field (the
 * field table's, plus the recorded originals, which hold them) is wrapped again, whatever came in.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { SECRET_FIELDS } from "../billing/fields";
import { asRpcSecret, isRpcSecret } from "../resource/secretValue";

/** Outputs that are secret whatever the inputs were: payment data, and the originals (they hold payment data). */
export const SECRET_OUTPUTS: readonly string[] = [...SECRET_FIELDS, "adoptedOriginal"];

/** Inputs that are secret whatever the program passed: payment data, and the recorded originals (they hold payment data). */
export const SECRET_INPUTS: readonly string[] = [...SECRET_FIELDS, "originals"];

export type PropertyMap = Record<string, unknown>;

/** Removes secret wrappers at any depth; reports the top-level keys that held one. */
export function unwrapSecrets(props: PropertyMap): { plain: PropertyMap; secretKeys: Set<string> } {
  const secretKeys = new Set<string>();
  const plain: PropertyMap = {};
  for (const [key, value] of Object.entries(props)) {
    const inner = unwrapValue(value);
    if (inner.hadSecret) secretKeys.add(key);
    plain[key] = inner.plain;
  }
  return { plain, secretKeys };
}

function unwrapValue(value: unknown): { plain: unknown; hadSecret: boolean } {
  if (isRpcSecret(value)) return { plain: unwrapValue(value.value).plain, hadSecret: true };
  if (Array.isArray(value)) {
    let hadSecret = false;
    const plain = value.map((item) => {
      const inner = unwrapValue(item);
      hadSecret ||= inner.hadSecret;
      return inner.plain;
    });
    return { plain, hadSecret };
  }
  if (value !== null && typeof value === "object") {
    let hadSecret = false;
    const plain: PropertyMap = {};
    for (const [key, item] of Object.entries(value)) {
      const inner = unwrapValue(item);
      hadSecret ||= inner.hadSecret;
      plain[key] = inner.plain;
    }
    return { plain, hadSecret };
  }
  return { plain: value, hadSecret: false };
}

/** Wraps the named top-level keys as secrets (once; a value already wrapped stays as it is). */
export function wrapSecrets(props: PropertyMap, keys: Iterable<string>): PropertyMap {
  const wrapped: PropertyMap = { ...props };
  for (const key of keys) {
    if (wrapped[key] !== undefined && !isRpcSecret(wrapped[key])) wrapped[key] = asRpcSecret(wrapped[key]);
  }
  return wrapped;
}

/** google.protobuf.Struct cannot carry `undefined`; the engine reads an absent property the same way. */
function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : dropUndefined(item)));
  if (value !== null && typeof value === "object") {
    const out: PropertyMap = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = dropUndefined(item);
    return out;
  }
  return value;
}

export function toStruct(props: PropertyMap): Struct {
  return Struct.fromJavaScript(dropUndefined(props) as Parameters<typeof Struct.fromJavaScript>[0]);
}

/** A request's property map; an absent one (the import's Read sends no state) is empty. */
export function fromStruct(struct: Struct | undefined): PropertyMap {
  return (struct?.toJavaScript() as PropertyMap | undefined) ?? {};
}
