/**
 * A faithful stand-in for `pulumi up` around this package's dynamic resource: run a program under
 * mocks to get what it registers (including the serialized `__provider`), start Pulumi's own
 * dynamic-provider host, and drive it over gRPC with an engine-like lifecycle and state.
 */
export { preparePackedProject } from "./installedPackage";
export { runProgramUnderMocks, ProgramRunError } from "./programRunner";
export type { ProgramSpec, RunProgramOptions } from "./programRunner";
export { startProviderHost, ProviderOperationError } from "./providerHost";
export { runNodeScript, type ScriptRun } from "./nodeScript";
export type {
  CheckResult,
  CreateResult,
  DiffChanges,
  DiffResult,
  ProviderHost,
  ReadResult,
  StartProviderHostOptions,
  UpdateResult,
} from "./providerHost";
export { EngineSimulator, defaultParallelism } from "./engine";
export type {
  DestroyResult,
  EngineSimulatorOptions,
  OperationResult,
  PlanStep,
  RefreshResult,
  StepOp,
  StepResult,
  UpResult,
} from "./engine";
export type { PlainResource, StateFile, StateResource } from "./stateFile";
export { reveal as revealResource } from "./stateFile";
export { SECRET_SIG, SIG_KEY, isStateSecret, revealSecret, sealSecret } from "./secrets";
export type { StateSecret } from "./secrets";
export type { ResourceInitFailure } from "./wire";
export type { JsonObject, JsonValue, RegisteredOptions, RegisteredResource } from "./types";
export { repoRoot } from "../repoRoot";
export { makeTempDir, removeTempDir } from "./tempDirs";
