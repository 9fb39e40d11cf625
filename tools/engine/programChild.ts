/**
 * Child-process entry point for runProgramUnderMocks. It stands in for the Pulumi Node.js language
 * host: loads @pulumi/pulumi from the project directory, installs mocks, runs the program, and
 * reports every registered resource back to the parent over the IPC channel.
 *
 * It is a separate process so that every run gets a fresh module cache (the program, the package
 * under test and the SDK's global state are loaded anew) and runs with cwd = project directory,
 * which the closure serializer uses to decide how modules are captured.
 */
import Module, { createRequire } from "node:module";
import * as path from "node:path";
import { unwrapRpcSecrets } from "./secrets";
import { JsonObject, ProgramChildJob, ProgramChildResult, RegisteredResource } from "./types";

const errors: string[] = [];

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

// A serialization failure or a crash inside the program surfaces as an unhandled rejection or an
// uncaught exception, not as a failed registration: collect them so the run fails loudly.
process.on("unhandledRejection", (reason) => errors.push(`unhandled rejection: ${describe(reason)}`));
process.on("uncaughtException", (error) => errors.push(`uncaught exception: ${describe(error)}`));

/** The parts of the SDK's generated protobuf request we read. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): { [key: string]: unknown } } | undefined;
  getAdditionalsecretoutputsList(): string[];
  getProtect(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getRetainondelete(): boolean | undefined;
  getDependenciesList(): string[];
  getParent(): string;
  getProvider(): string;
}
type Callback = (error: unknown, response?: { getUrn(): string }) => void;
interface MockMonitorPrototype {
  // An arrow-free signature with `this` typed: the original is called back with the mock monitor as `this`.
  registerResource: (this: unknown, request: RegisterRequest, callback: Callback) => Promise<void>;
}

function record(request: RegisterRequest, urn: string): RegisteredResource {
  const raw = (request.getObject()?.toJavaScript() ?? {}) as JsonObject;
  const inputs: JsonObject = {};
  const secretInputKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const { plain, hadSecret } = unwrapRpcSecrets(value);
    inputs[key] = plain;
    if (hadSecret) {
      secretInputKeys.push(key);
    }
  }
  const additionalSecretOutputs = request.getAdditionalsecretoutputsList();
  return {
    type: request.getType(),
    name: request.getName(),
    urn,
    custom: request.getCustom(),
    inputs,
    ...(additionalSecretOutputs.length > 0 ? { additionalSecretOutputs } : {}),
    ...(secretInputKeys.length > 0 ? { secretInputKeys } : {}),
    options: {
      ...(request.getProtect() ? { protect: true } : {}),
      ...(request.getDeletebeforereplace() ? { deleteBeforeReplace: true } : {}),
      ...(request.getIgnorechangesList().length > 0 ? { ignoreChanges: request.getIgnorechangesList() } : {}),
      ...(request.getReplaceonchangesList().length > 0 ? { replaceOnChanges: request.getReplaceonchangesList() } : {}),
      ...(request.getRetainondelete() ? { retainOnDelete: true } : {}),
      ...(request.getDependenciesList().length > 0 ? { dependencies: request.getDependenciesList() } : {}),
      ...(request.getParent() ? { parent: request.getParent() } : {}),
      ...(request.getProvider() ? { provider: request.getProvider() } : {}),
    },
  };
}

/** Loads a program given as source text as if it were the file `filename` in the project. */
function loadSource(source: string, filename: string): unknown {
  // Module internals are the only way to compile a module from a string with a real filename
  // (so that require() and package self-reference resolve from the project directory).
  const internals = Module as unknown as {
    new (id: string, parent?: unknown): { filename: string; paths: string[]; exports: unknown; _compile(code: string, file: string): void };
    _nodeModulePaths(dir: string): string[];
  };
  const mod = new internals(filename);
  mod.filename = filename;
  mod.paths = internals._nodeModulePaths(path.dirname(filename));
  mod._compile(source, filename);
  return mod.exports;
}

async function run(job: ProgramChildJob): Promise<ProgramChildResult> {
  // Everything Pulumi is loaded from the project, exactly as the program itself will load it, so
  // the mocks are installed on the same SDK instance that registers the resources.
  const projectRequire = createRequire(path.join(job.projectDir, "__pulumi_program__.js"));
  const pulumi = projectRequire("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  const settings = projectRequire("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  const log = projectRequire("@pulumi/pulumi/log") as { hasErrors(): boolean };
  const { MockMonitor } = projectRequire("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: MockMonitorPrototype } };

  // Mocks only hand name/type/inputs to newResource; resource options such as
  // additionalSecretOutputs are only on the raw request, so intercept it there.
  const registered: RegisteredResource[] = [];
  const originalRegister = MockMonitor.prototype.registerResource;
  MockMonitor.prototype.registerResource = function (request, callback) {
    return originalRegister.call(this, request, (error, response) => {
      if (!error && response) {
        registered.push(record(request, response.getUrn()));
      }
      callback(error, response);
    });
  };

  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs as JsonObject }),
      call: (args) => args.inputs as JsonObject,
    },
    job.project,
    job.stack,
    false,
  );

  // Like the language host: a module exporting a function (or a promise) is awaited.
  let exported: unknown =
    "file" in job.program
      ? projectRequire(path.resolve(job.projectDir, job.program.file))
      : loadSource(job.program.source, job.program.filename);
  if (typeof exported === "function") {
    exported = (exported as () => unknown)();
  }
  await exported;
  await settings.waitForRPCs();
  // A failed registration (e.g. a provider the closure serializer rejects) marks its RPC done
  // and only then rethrows, so the resulting unhandled rejection is reported at the end of the
  // current tick. One macrotask turn lets Node emit it before we look at `errors`.
  await new Promise((resolve) => setImmediate(resolve));
  await settings.waitForRPCs();

  if (log.hasErrors()) {
    errors.push("the program logged errors (see its stderr)");
  }
  return errors.length > 0 ? { kind: "failed", errors } : { kind: "ok", resources: registered };
}

// If the parent goes away (test run aborted), there is nobody to report to: do not linger.
process.once("disconnect", () => process.exit(1));

process.once("message", (job: ProgramChildJob) => {
  void run(job)
    .catch((error: unknown): ProgramChildResult => ({ kind: "failed", errors: [...errors, describe(error)] }))
    .then((result) => {
      // Exit as soon as the parent has the result: timers or sockets a program leaves open
      // must not keep the run alive.
      process.send!(result, () => process.exit(0));
    });
});
