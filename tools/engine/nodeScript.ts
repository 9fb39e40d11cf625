/** Running a built script of this repository as a user would: its own Node process, output collected. */
import { spawn } from "node:child_process";
import { childEnv } from "./env";

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node <script> ...args` with stdin closed, in `cwd`, with {@link childEnv}: this process's
 * environment without PULUMI_* / EMNIFY_* variables, plus `env`.
 */
export function runNodeScript(script: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
