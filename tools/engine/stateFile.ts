import { revealProperties, sealProperties } from "./secrets";
import { JsonObject } from "./types";

/**
 * One resource in the simulated state, shaped like a resource in `pulumi stack export` output.
 * Secret properties in `inputs` and `outputs` are sealed (see secrets.ts: StateSecret), so this
 * object can be JSON-serialised and scanned for leaked values as a real state file would be.
 */
export interface StateResource {
  urn: string;
  type: string;
  id: string;
  custom: true;
  inputs: JsonObject;
  outputs: JsonObject;
  additionalSecretOutputs?: string[];
  /** Reasons from a create/update that left the object half-initialised. */
  initErrors?: string[];
  /** A replaced object whose delete failed: it is deleted first on the next `up` (as in a real state). */
  delete?: true;
}

export interface StateFile {
  version: 3;
  project: string;
  stack: string;
  resources: StateResource[];
}

/** Plain (unsealed) inputs and outputs of a stored resource, as the engine sends them to the host. */
export interface PlainResource {
  inputs: JsonObject;
  outputs: JsonObject;
  secretInputKeys: Set<string>;
  secretOutputKeys: Set<string>;
}

export function reveal(resource: StateResource): PlainResource {
  const inputs = revealProperties(resource.inputs);
  const outputs = revealProperties(resource.outputs);
  return { inputs: inputs.plain, outputs: outputs.plain, secretInputKeys: inputs.secretKeys, secretOutputKeys: outputs.secretKeys };
}

/**
 * Seals outputs the way the engine decides output secretness: a property is secret if it is named
 * in additionalSecretOutputs, if the input of the same name was secret, or if it already was a
 * secret output (refresh never makes a secret public again).
 */
export function sealOutputs(outputs: JsonObject, ...secretNameSets: Iterable<string>[]): JsonObject {
  const secret = new Set<string>();
  for (const names of secretNameSets) {
    for (const name of names) {
      secret.add(name);
    }
  }
  return sealProperties(outputs, secret);
}

export function sealInputs(inputs: JsonObject, secretInputKeys: Iterable<string>): JsonObject {
  return sealProperties(inputs, new Set(secretInputKeys));
}
