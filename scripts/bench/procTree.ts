/**
 * CPU and peak memory of a whole process tree (a `pulumi` command and everything it starts), read
 * from Linux's /proc by sampling: every `intervalMs` the tree below the root is walked and each
 * process's utime+stime and VmHWM are recorded. A process's figures are those of its last sample
 * before it exited, so a process that lives shorter than one interval can be missed (the report
 * says how many processes were seen per role). Elsewhere than Linux nothing is recorded.
 */
import { readFileSync, readdirSync } from "node:fs";
import { type PulumiProcessRole, pulumiRoleOf } from "../../tools/pulumi-cli/processTree";
import { clockTicks } from "./proc";

/** What a process is, in a `pulumi` command's tree (classified as the kill tests classify it). */
export type ProcessRole = PulumiProcessRole;

export const ROLES: readonly ProcessRole[] = ["engine", "language host", "program", "provider host", "other"];

export interface SampledProcess {
  pid: number;
  role: ProcessRole;
  command: string;
  /** utime + stime at the last sample, ms. */
  cpuMs: number;
  /** VmHWM at the last sample, bytes. */
  peakRss: number;
}

export interface RoleUsage {
  role: ProcessRole;
  processes: number;
  /** Sum over the role's processes. */
  cpuMs: number;
  /** Largest VmHWM among the role's processes (they are separate processes: the peaks do not add up in time). */
  peakRss: number;
}

function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

function sample(pid: number): { comm: string; cmdline: string; cpuMs: number; peakRss: number; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const peakRss = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return { comm, cmdline, cpuMs, peakRss, rss };
  } catch {
    return undefined;
  }
}

/**
 * The largest resident memory the sampled trees held at one moment (the sum of VmRSS over their
 * processes at one sample): together, and per root (per stack when several commands run at once).
 */
export interface TreePeaks {
  together: number;
  perRoot: number[];
}

export class ProcessTreeSampler {
  private readonly seen = new Map<number, SampledProcess>();
  private readonly roots: number[] = [];
  private peakTogether = 0;
  private readonly peakPerRoot: number[] = [];
  private timer?: NodeJS.Timeout;

  /** `root`: the first tree's root; add() more (several commands sampled as one). */
  constructor(
    root: number | undefined,
    private readonly intervalMs = 100,
  ) {
    if (root !== undefined) this.add(root);
  }

  /** Samples the tree below `root` too, from the next tick on. */
  add(root: number): this {
    this.roots.push(root);
    this.peakPerRoot.push(0);
    return this;
  }

  start(): this {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    return this;
  }

  /** One walk of the trees below (and including) the roots. */
  tick(): void {
    let children: Map<number, number[]>;
    try {
      children = parentMap();
    } catch {
      return; // no /proc
    }
    let together = 0;
    for (const [index, root] of this.roots.entries()) {
      const rss = this.walk(root, children);
      together += rss;
      this.peakPerRoot[index] = Math.max(this.peakPerRoot[index], rss);
    }
    this.peakTogether = Math.max(this.peakTogether, together);
  }

  /** Samples one tree; returns the sum of its processes' VmRSS now. */
  private walk(root: number, children: Map<number, number[]>): number {
    let rssNow = 0;
    const queue = [root];
    while (queue.length > 0) {
      const pid = queue.shift()!;
      queue.push(...(children.get(pid) ?? []));
      const now = sample(pid);
      if (now === undefined) continue;
      rssNow += now.rss;
      const before = this.seen.get(pid);
      // A process keeps the role it was first given (a shell script that execs node keeps its pid).
      const role = before?.role !== undefined && before.role !== "other" ? before.role : pulumiRoleOf(now.comm, now.cmdline);
      this.seen.set(pid, {
        pid,
        role,
        command: now.cmdline.slice(0, 200),
        cpuMs: now.cpuMs,
        peakRss: Math.max(now.peakRss, before?.peakRss ?? 0),
      });
    }
    return rssNow;
  }

  /** The largest memory held at one sample so far (see TreePeaks). */
  peaks(): TreePeaks {
    return { together: this.peakTogether, perRoot: [...this.peakPerRoot] };
  }

  /** The processes seen so far, as last sampled (the sampler keeps running). */
  processes(): SampledProcess[] {
    return [...this.seen.values()];
  }

  stop(): SampledProcess[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.processes();
  }
}

/** Sums CPU and takes the largest peak RSS per role, in ROLES order, roles without a process left out. */
export function byRole(processes: SampledProcess[]): RoleUsage[] {
  return ROLES.map((role) => {
    const of = processes.filter((p) => p.role === role);
    return { role, processes: of.length, cpuMs: of.reduce((s, p) => s + p.cpuMs, 0), peakRss: Math.max(0, ...of.map((p) => p.peakRss)) };
  }).filter((r) => r.processes > 0);
}
