/**
 * An example program as `pulumi up` runs it, on top of the engine harness (tools/engine): the
 * program under mocks gives the resources and their serialized `__provider`, Pulumi's own
 * dynamic-provider host is started in the same project directory and configured with the stack
 * config, and an EngineSimulator drives it. Shared by the example tests and `npm run demo`.
 */
import * as path from "node:path";
import {
  EngineSimulator,
  ProgramSpec,
  ProviderHost,
  RegisteredResource,
  StateFile,
  repoRoot,
  runProgramUnderMocks,
  startProviderHost,
} from "../engine";

export interface ExampleStackOptions {
  /** The compiled program (e.g. "dist/examples/basic/index.js") or a program given as source. */
  program: ProgramSpec;
  /**
   * The program's and the host's working directory, as `pulumi up` uses the directory of
   * Pulumi.yaml for both.
   * @default the repository root
   */
  projectDir?: string;
  project: string;
  stack: string;
  /** Stack config, namespaced keys ("emnify:endpoint"). */
  config: Record<string, string>;
  /** The keys set with `pulumi config set --secret`. */
  secretConfigKeys?: string[];
  /** The state left by an earlier command, to continue from. */
  state?: StateFile;
}

/** One `pulumi` command's worth of machinery: the registered resources, the host and the engine. */
export interface ExampleStack {
  readonly resources: RegisteredResource[];
  readonly host: ProviderHost;
  readonly engine: EngineSimulator;
  /** Stops the host; safe to call more than once. */
  stop(): Promise<void>;
}

export const REPO_ROOT = repoRoot();

/** A file of this repository's source tree (tsc copies no YAML into dist/). */
export function sourcePath(...parts: string[]): string {
  return path.join(REPO_ROOT, ...parts);
}

export async function startExampleStack(options: ExampleStackOptions): Promise<ExampleStack> {
  const projectDir = options.projectDir ?? REPO_ROOT;
  const secretConfigKeys = options.secretConfigKeys ?? [];
  const resources = await runProgramUnderMocks({
    projectDir,
    program: options.program,
    config: options.config,
    secretConfigKeys,
    project: options.project,
    stack: options.stack,
  });
  const host = await startProviderHost({ cwd: projectDir, project: options.project, stack: options.stack });
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= host.stop());
  try {
    await host.configure(options.config, secretConfigKeys);
  } catch (error) {
    await stop();
    throw error;
  }
  const engine = new EngineSimulator(host, { project: options.project, stack: options.stack, state: options.state });
  return { resources, host, engine, stop };
}
