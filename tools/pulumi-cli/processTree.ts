/**
 * The processes a `pulumi` command started, read from Linux's /proc, and killing them by pid.
 *
 * Pulumi starts each plugin (the language host, the provider host) in a process group of its own,
 * so a signal to the CLI's process group reaches neither them nor the Node.js program: a test that
 * means "the whole run died" must find every descendant and signal each. A process is identified by
 * its pid and its start time, so a pid reused after the process exited is never signalled.
 */
import { readFileSync, readdirSync } from "node:fs";

/** What a process is, in a `pulumi` command's tree. */
export type PulumiProcessRole = "engine" | "language host" | "program" | "provider host" | "other";

export interface TreeProcess {
  pid: number;
  ppid: number;
  role: PulumiProcessRole;
  /** Field 22 of /proc/<pid>/stat: with the pid, names the process for life. */
  startTime: string;
  command: string;
}

/** Classifies a process by its command line (argv joined by spaces). */
export function pulumiRoleOf(comm: string, cmdline: string): PulumiProcessRole {
  if (/(^|\/)pulumi-language-nodejs( |$)/.test(cmdline) || comm === "pulumi-language-") return "language host";
  // The dynamic-provider host, or the provider plugin (its bin link, or the module it runs).
  if (/pulumi-resource-pulumi-nodejs|cmd\/dynamic-provider|pulumi-resource-emnify|dist\/provider\/plugin\/main\.js/.test(cmdline))
    return "provider host";
  if (/@pulumi\/pulumi\/cmd\/run|pulumi\/cmd\/run(\/index\.js)?( |$)/.test(cmdline)) return "program";
  if (comm === "pulumi" || /(^|\/)pulumi( |$)/.test(cmdline)) return "engine";
  return "other";
}

function read(pid: number): TreeProcess | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return undefined; // a zombie is dead already
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return { pid, ppid: Number(fields[1]), role: pulumiRoleOf(comm, cmdline), startTime: fields[19], command: cmdline.slice(0, 200) };
  } catch {
    return undefined; // exited meanwhile
  }
}

function allProcesses(): TreeProcess[] {
  const found: TreeProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const process = read(Number(entry));
    if (process) found.push(process);
  }
  return found;
}

/** The root and every live descendant, root first (breadth first). */
export function processTree(root: number): TreeProcess[] {
  const all = allProcesses();
  const children = new Map<number, TreeProcess[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const rootProcess = all.find((p) => p.pid === root);
  if (!rootProcess) return [];
  const tree: TreeProcess[] = [];
  const queue = [rootProcess];
  while (queue.length > 0) {
    const p = queue.shift()!;
    tree.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return tree;
}

/** Whether this very process (pid and start time) still runs. */
export function isAlive(p: TreeProcess): boolean {
  const now = read(p.pid);
  return now !== undefined && now.startTime === p.startTime;
}

/** Signals each process that is still the one recorded; returns those signalled. */
export function signalEach(processes: readonly TreeProcess[], signal: NodeJS.Signals): TreeProcess[] {
  const signalled: TreeProcess[] = [];
  for (const p of processes) {
    if (!isAlive(p)) continue;
    try {
      process.kill(p.pid, signal);
      signalled.push(p);
    } catch {
      // exited between the check and the signal
    }
  }
  return signalled;
}

/** Waits until none of the processes runs, or the time is up; returns those still running. */
export async function waitGone(processes: readonly TreeProcess[], timeoutMs: number): Promise<TreeProcess[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const alive = processes.filter(isAlive);
    if (alive.length === 0 || Date.now() >= until) return alive;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
