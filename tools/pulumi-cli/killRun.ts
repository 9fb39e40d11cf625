/**
 * Runs a `pulumi` command and kills it at the moment a `RequestGate` stops the world, the way a CI
 * runner dies: SIGKILL of the whole tree (a lost runner, a job timeout), of the engine alone or of
 * the provider host alone (the OOM killer picks one process), or SIGINT to the engine (a graceful
 * cancel). Whatever of the tree is still running afterwards is SIGKILLed by pid, so no process
 * outlives the run.
 */
import type { PulumiResult, PulumiRunner } from "./pulumiRunner";
import { type TreeProcess, processTree, signalEach, waitGone } from "./processTree";
import type { RequestGate } from "./requestGate";

export type KillKind = "tree" | "engine" | "provider host" | "sigint";
export const KILL_KINDS: readonly KillKind[] = ["tree", "engine", "provider host", "sigint"];

export interface KilledRun {
  result: PulumiResult;
  /** False when the command ended before the gate was reached. */
  killed: boolean;
  /** The processes signalled by the kill itself (not the clean-up). */
  signalled: TreeProcess[];
  /** Processes of the tree still running 3 s after the kill (or after a SIGINTed run ended), SIGKILLed by the clean-up. */
  leftovers: TreeProcess[];
}

/** How long a SIGINTed run may take to finish its in-flight operations before it is SIGKILLed. */
const GRACEFUL_LIMIT_MS = 180_000;

export async function runAndKill(
  runner: PulumiRunner,
  args: string[],
  options: { gate: RequestGate; reached: Promise<void>; kind: KillKind; env?: NodeJS.ProcessEnv },
): Promise<KilledRun> {
  let rootPid: number | undefined;
  const running = runner.run(args, { allowFailure: true, env: options.env, onSpawn: (pid) => (rootPid = pid) });
  const first = await Promise.race([options.reached.then(() => "reached" as const), running.then(() => "ended" as const)]);
  if (first === "ended" || rootPid === undefined) {
    options.gate.release();
    return { result: await running, killed: false, signalled: [], leftovers: [] };
  }
  // Read the tree before killing anything: an orphan is re-parented and no longer found below the root.
  const tree = processTree(rootPid);
  let signalled: TreeProcess[];
  switch (options.kind) {
    case "tree":
      signalled = signalEach(tree, "SIGKILL");
      break;
    case "engine":
      signalled = signalEach(
        tree.filter((p) => p.pid === rootPid),
        "SIGKILL",
      );
      break;
    case "provider host":
      signalled = signalEach(
        tree.filter((p) => p.role === "provider host"),
        "SIGKILL",
      );
      break;
    case "sigint":
      signalled = signalEach(
        tree.filter((p) => p.pid === rootPid),
        "SIGINT",
      );
      // A graceful cancel waits for the operations in flight: let their requests through.
      options.gate.release();
      break;
  }
  if (options.kind === "sigint") {
    const timer = setTimeout(() => signalEach(processTree(rootPid!), "SIGKILL"), GRACEFUL_LIMIT_MS);
    await running;
    clearTimeout(timer);
  } else {
    // The rest of the tree may notice on its own (a broken gRPC stream); give it a moment, then kill it.
    await waitGone(tree, 3000);
  }
  const everything = [...tree, ...processTree(rootPid)];
  const leftovers = signalEach(everything, "SIGKILL");
  const stillAlive = await waitGone(everything, 10_000);
  if (stillAlive.length > 0) throw new Error(`processes survived SIGKILL: ${stillAlive.map((p) => p.pid).join(", ")}`);
  options.gate.drop();
  const result = await running;
  return { result, killed: true, signalled, leftovers };
}
