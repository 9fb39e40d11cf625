/**
 * One rate budget per machine and API origin, shared by every process on the machine.
 *
 * `pulumi refresh` and `pulumi up --refresh` read every organisation twice in two provider
 * processes, CI runners run several stacks at once, and `pulumi-emnify export` may run beside an
 * `up`: all from one source IP, which is what emnify counts. Each process reserves its starts in a
 * small JSON file under the OS temp directory before it sends them, so that together they stay
 * inside the documented window.
 *
 * The file holds only counts and times: `{"v":1,"reservations":[[epochMs, count], ...]}`, named by a
 * hash of the API origin. No credential, no organisation, no path goes into it.
 *
 * A ledger that cannot be read, is corrupt, or stays locked too long never fails a deployment: the
 * process goes on with its own pacing alone and says so once.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as lockfile from "proper-lockfile";

export interface LedgerGrant {
  /** Starts reserved now (0 when the window is full). */
  granted: number;
  /** Epoch ms when the window frees a slot again, when nothing was granted. */
  retryAt?: number;
}

/**
 * How long reserved starts may wait for use before the pacer drops them: 2% of the window, at most
 * 1 s (emnify's 5 minutes) and at least 20 ms. A reservation counts from when it was made plus this
 * lifetime (the latest moment its starts may be used) for a whole window, so the ledger never counts
 * a request for less time than the API does; the lifetime's share of the window is what that
 * costs, 2% at most.
 */
export function creditLifetimeMs(windowMs: number): number {
  return Math.min(1_000, Math.max(20, windowMs * 0.02));
}

/** Longest wait for the lock before the process gives up on the ledger. */
const LOCK_WAIT_MS = 2_000;
/** A lock older than this was left by a process that died while holding it. */
const STALE_LOCK_MS = 10_000;

interface LedgerFile {
  v: 1;
  /** [epoch ms the reservation counts from, number of starts]. */
  reservations: [number, number][];
}

/** The directory holding the ledgers: per user, so that file permissions never get in the way. */
export function ledgerDirectory(): string {
  let user = "user";
  try {
    user = String(os.userInfo().uid >= 0 ? os.userInfo().uid : os.userInfo().username);
  } catch {
    // no user database entry (some containers): one directory for everyone
  }
  return path.join(os.tmpdir(), `pulumi-emnify-rate-ledger-${user}`);
}

/** The ledger file for an API origin: a hash, so the file name says nothing about the account. */
export function ledgerPathFor(origin: string, directory = ledgerDirectory()): string {
  const key = createHash("sha256").update(origin).digest("hex").slice(0, 32);
  return path.join(directory, `${key}.json`);
}

export class RateLedger {
  private broken = false;

  /**
   * @param warn  told once, in one line, when the ledger stops being used.
   * @param wallClock  epoch milliseconds (processes share no monotonic clock).
   */
  constructor(
    readonly file: string,
    private readonly warn: (line: string) => void,
    private readonly wallClock: () => number = Date.now,
  ) {}

  /** The ledger's wall clock (epoch milliseconds), which its grants' `retryAt` is written in. */
  now(): number {
    return this.wallClock();
  }

  /** Whether the ledger is still in use (false after the process fell back to pacing alone). */
  get usable(): boolean {
    return !this.broken;
  }

  /**
   * Reserves up to `wanted` starts in any window of `windowMs` holding at most `limit` starts from
   * all processes. Answers undefined when the ledger failed (the caller paces alone from then on).
   */
  async reserve(wanted: number, limit: number, windowMs: number): Promise<LedgerGrant | undefined> {
    if (this.broken) return undefined;
    let release: (() => Promise<void>) | undefined;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      release = await lockfile.lock(this.file, {
        realpath: false,
        stale: STALE_LOCK_MS,
        retries: { retries: Math.ceil(LOCK_WAIT_MS / 25), minTimeout: 5, maxTimeout: 25, factor: 1.5, randomize: true },
        // Held for a read and a write: a lock that becomes stale under us is harmless to pacing.
        onCompromised: () => undefined,
      });
      const now = this.wallClock();
      const ledger = this.read();
      const inWindow = ledger.reservations.filter(([at]) => at > now - windowMs);
      const used = inWindow.reduce((sum, [, n]) => sum + n, 0);
      const granted = Math.max(0, Math.min(wanted, limit - used));
      if (granted > 0) inWindow.push([now + creditLifetimeMs(windowMs), granted]);
      if (granted > 0 || inWindow.length !== ledger.reservations.length) this.write({ v: 1, reservations: inWindow });
      if (granted > 0) return { granted };
      // Full: the slot frees when enough of the oldest reservations have left the window.
      let freed = 0;
      let retryAt = now + windowMs;
      for (const [at, n] of [...inWindow].sort((a, b) => a[0] - b[0])) {
        freed += n;
        if (used - freed < limit) {
          retryAt = at + windowMs;
          break;
        }
      }
      return { granted: 0, retryAt };
    } catch (error) {
      this.giveUp(error);
      return undefined;
    } finally {
      if (release !== undefined) await release().catch(() => undefined);
    }
  }

  private read(): LedgerFile {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { v: 1, reservations: [] };
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The parser's message quotes the content; whatever wrote it, it has no place in a log line.
      throw new Error("it is not valid JSON");
    }
    if (!isLedgerFile(parsed)) throw new Error("its content is not a rate ledger");
    return parsed;
  }

  /** Write-then-rename, so a reader never sees half a file. */
  private write(ledger: LedgerFile): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(ledger), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  private giveUp(error: unknown): void {
    if (this.broken) return;
    this.broken = true;
    const code = (error as { code?: unknown }).code;
    const why =
      code === "ELOCKED" ? `it stayed locked for more than ${LOCK_WAIT_MS / 1000} s` : (error as Error).message || String(code ?? error);
    this.warn(
      `the shared rate ledger ${this.file} cannot be used (${why}); this process paces its own requests ` +
        `without coordinating with other pulumi-emnify processes on this machine`,
    );
  }
}

function isLedgerFile(value: unknown): value is LedgerFile {
  if (typeof value !== "object" || value === null) return false;
  const ledger = value as { v?: unknown; reservations?: unknown };
  return (
    ledger.v === 1 &&
    Array.isArray(ledger.reservations) &&
    ledger.reservations.every(
      (r) => Array.isArray(r) && r.length === 2 && Number.isFinite(r[0]) && Number.isInteger(r[1]) && (r[1] as number) > 0,
    )
  );
}
