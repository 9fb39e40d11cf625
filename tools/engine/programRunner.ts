import { fork } from "node:child_process";
import * as path from "node:path";
import { secretLedger } from "../secretLedger";
import { childEnv } from "./env";
import { ProgramChildJob, ProgramChildResult, RegisteredResource } from "./types";
import { killOnExit } from "./childProcesses";

/**
 * The program to run. A string is a path to a JavaScript file (absolute, or relative to
 * projectDir). `{ source }` is JavaScript source text, compiled as if it were the file
 * `<projectDir>/<filename ?? "index.js">` without writing anything to disk, so require() and
 * package self-reference resolve from the project directory.
 */
export type ProgramSpec = string | { source: string; filename?: string };

export interface RunProgramOptions {
  /** The program's working directory, as `pulumi up` runs it in the project directory. */
  projectDir: string;
  program: ProgramSpec;
  /** Stack configuration, keys with their namespace ("emnify:endpoint"). */
  config?: Record<string, string>;
  /** Which of the config keys are secrets (`pulumi config set --secret`). */
  secretConfigKeys?: string[];
  project?: string;
  stack?: string;
  /** Extra environment variables for the program process. */
  env?: Record<string, string>;
}

export class ProgramRunError extends Error {
  constructor(
    message: string,
    readonly errors: string[],
    readonly stderr: string,
  ) {
    super(message);
    this.name = "ProgramRunError";
  }
}

const childScript = path.join(__dirname, "programChild.js");

/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` in a child Node process and returns every
 * resource it registered, with the inputs the engine would receive (including `__provider`).
 *
 * Rejects with ProgramRunError if the program throws, leaves an unhandled rejection (the way a
 * closure serialization failure shows up), or logs a Pulumi error.
 */
export function runProgramUnderMocks(opts: RunProgramOptions): Promise<RegisteredResource[]> {
  const project = opts.project ?? "project";
  const stack = opts.stack ?? "stack";
  const job: ProgramChildJob = {
    kind: "run",
    projectDir: opts.projectDir,
    program:
      typeof opts.program === "string"
        ? { file: opts.program }
        : { source: opts.program.source, filename: path.join(opts.projectDir, opts.program.filename ?? "index.js") },
    project,
    stack,
  };
  secretLedger.token(opts.config?.["emnify:applicationToken"], "a program's stack config");
  const env = childEnv({
    // The same variables the Node.js language host sets for a program.
    PULUMI_CONFIG: JSON.stringify(opts.config ?? {}),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.secretConfigKeys ?? []),
    PULUMI_NODEJS_PROJECT: project,
    PULUMI_NODEJS_STACK: stack,
    ...opts.env,
  });

  return new Promise((resolve, reject) => {
    const child = fork(childScript, [], {
      cwd: opts.projectDir,
      env,
      execArgv: [],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    killOnExit(child);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    let result: ProgramChildResult | undefined;
    child.on("message", (message: ProgramChildResult) => (result = message));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (result?.kind === "ok") {
        // Registered inputs, `__provider` included: part of the suite-wide secret scan.
        secretLedger.record("program-resources", result.resources, "resources registered by a program run under mocks");
      }
      if (result === undefined) {
        reject(new ProgramRunError(`program process exited (code ${code}, signal ${signal}) without a result:\n${output}`, [], output));
      } else if (result.kind === "failed") {
        reject(new ProgramRunError(`program failed:\n${result.errors.join("\n")}\n--- output ---\n${output}`, result.errors, output));
      } else {
        resolve(result.resources);
      }
    });
    child.send(job);
  });
}
