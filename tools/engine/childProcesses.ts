import type { ChildProcess } from "node:child_process";

// Children (program runs, provider hosts) still running when this process exits are killed, so a
// test that failed or an aborted run leaves no orphan behind.
const running = new Set<ChildProcess>();
let exitHooked = false;

/** Kills `child` when this process exits, unless it has exited by then. */
export function killOnExit(child: ChildProcess): void {
  if (!exitHooked) {
    process.once("exit", () => running.forEach((c) => c.kill("SIGKILL")));
    exitHooked = true;
  }
  running.add(child);
  child.once("exit", () => running.delete(child));
}
