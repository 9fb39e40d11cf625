/** A JSON value as it crosses the gRPC boundary (google.protobuf.Struct carries nothing else). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Resource options recorded from the RegisterResource request the program sent. */
export interface RegisteredOptions {
  protect?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  replaceOnChanges?: string[];
  retainOnDelete?: boolean;
  dependencies?: string[];
  parent?: string;
  provider?: string;
}

/**
 * One resource a program registered, as the engine would receive it. `inputs` hold plain values:
 * secret inputs are unwrapped here (the dynamic provider host declares acceptSecrets=false, so the
 * engine sends them to it in plain form) and their names are listed in `secretInputKeys` instead.
 */
export interface RegisteredResource {
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  /** Includes `__provider`, the serialized provider text, for dynamic resources. */
  inputs: JsonObject;
  additionalSecretOutputs?: string[];
  secretInputKeys?: string[];
  options: RegisteredOptions;
}

/** The message the program child sends back to the parent over IPC. */
export type ProgramChildResult = { kind: "ok"; resources: RegisteredResource[] } | { kind: "failed"; errors: string[] };

/** The message the parent sends to the program child over IPC. */
export interface ProgramChildJob {
  kind: "run";
  projectDir: string;
  program: { file: string } | { source: string; filename: string };
  project: string;
  stack: string;
}
