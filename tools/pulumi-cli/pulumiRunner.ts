/**
 * Runs the real `pulumi` CLI offline: a file backend in a temp directory, the passphrase secrets
 * provider, no update check, no plugin downloads, and only this machine's loopback reachable.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCli, offlinePulumiEnv } from "./locate";
import type { StateResourceJson } from "../../provider/cli/migrateToPlugin";

export interface PulumiResult {
  /** The command line after `pulumi`, for messages. */
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

export class PulumiCommandFailed extends Error {
  override name = "PulumiCommandFailed";
  constructor(readonly result: PulumiResult) {
    super(`pulumi ${result.command} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
}

/** One resource of a state checkpoint, as `pulumi stack export` writes it, with the fields the tests read beyond the migration's. */
export interface StateResource extends StateResourceJson {
  protect?: boolean;
  retainOnDelete?: boolean;
  initErrors?: string[];
  aliases?: string[];
}

export interface StackExport {
  version: number;
  deployment: { resources?: StateResource[]; pending_operations?: unknown[]; secrets_providers?: unknown };
}

export interface PulumiRunnerOptions {
  cli: PulumiCli;
  projectDir: string;
  backendDir: string;
  passphrase: string;
  /** Added to every command's environment (after the offline settings). */
  env?: NodeJS.ProcessEnv;
  /** Called with every finished command, e.g. to scan its output for secrets. */
  onResult?: (result: PulumiResult) => void;
}

export class PulumiRunner {
  constructor(private readonly options: PulumiRunnerOptions) {
    fs.mkdirSync(options.backendDir, { recursive: true });
  }

  /** The environment every command runs with: the caller's, minus PULUMI_* and EMNIFY_*. */
  environment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const base: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith("PULUMI_") && !key.startsWith("EMNIFY_")) base[key] = value;
    }
    return {
      ...base,
      ...offlinePulumiEnv(this.options.cli, this.options.backendDir, this.options.passphrase),
      ...this.options.env,
      ...extra,
    };
  }

  /** Runs `pulumi <args> --non-interactive --color never` in the project; throws on a non-zero exit. */
  async run(
    args: string[],
    options: {
      allowFailure?: boolean;
      env?: NodeJS.ProcessEnv;
      cwd?: string;
      /** Called with the `pulumi` process's id once it started. */
      onSpawn?: (pid: number) => void;
      /** Called with each chunk of stdout as it arrives. */
      onStdout?: (chunk: string) => void;
    } = {},
  ): Promise<PulumiResult> {
    const full = ["--non-interactive", "--color", "never", ...args];
    const started = Date.now();
    const result = await new Promise<PulumiResult>((resolve, reject) => {
      const child = spawn(this.options.cli.pulumi, full, {
        cwd: options.cwd ?? this.options.projectDir,
        env: this.environment(options.env),
        stdio: ["ignore", "pipe", "pipe"],
      });
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        options.onStdout?.(chunk);
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.on("error", reject);
      child.on("close", (code, signal) =>
        resolve({ command: args.join(" "), code: code ?? (signal ? 128 : 1), stdout, stderr, seconds: (Date.now() - started) / 1000 }),
      );
    });
    this.options.onResult?.(result);
    if (result.code !== 0 && !options.allowFailure) throw new PulumiCommandFailed(result);
    return result;
  }

  /** `pulumi stack init` with the passphrase secrets provider, then select it. */
  async initStack(stack: string): Promise<void> {
    await this.run(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  }

  async setConfig(stack: string, key: string, value: string, options: { secret?: boolean; path?: boolean } = {}): Promise<void> {
    const args = ["config", "set", key, "--stack", stack];
    if (options.secret) args.push("--secret");
    if (options.path) args.push("--path");
    // `--` keeps a value starting with "-" from being read as a flag.
    await this.run([...args, "--", value]);
  }

  /** The state the engine really wrote. */
  async exportStack(stack: string): Promise<StackExport> {
    const result = await this.run(["stack", "export", "--stack", stack]);
    return JSON.parse(result.stdout) as StackExport;
  }

  /** The resources of the state of one type. */
  async resources(stack: string, type: string): Promise<StateResource[]> {
    return ((await this.exportStack(stack)).deployment.resources ?? []).filter((r) => r.type === type);
  }

  /** Path of the file backend's checkpoint for a stack, for measuring its size. */
  checkpointFile(project: string, stack: string): string {
    return path.join(this.options.backendDir, ".pulumi", "stacks", project, `${stack}.json`);
  }
}
