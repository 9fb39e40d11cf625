/**
 * One rate budget per machine and API origin, shared by every process of the user on the machine.
 *
 * `pulumi refresh` and `pulumi up --refresh` read every organisation twice in two provider
 * processes, CI runners run several stacks at once, and `pulumi-emnify export` may run beside an
 * `up`: all from one source IP, which is what emnify counts. Each process reserves its starts in a
 * small JSON file in a directory private to the user before it sends them, so that together they
 * stay inside the documented window.
 *
 * The file holds only counts and times: `{"v":1,"reservations":[[epochMs, count], ...]}`, named by a
 * hash of the API origin. No credential, no organisation, no path goes into it.
 *
 * Nothing in the ledger is trusted further than it must be: a directory or file that is not the
 * user's own, that other users may write, or that is a symbolic link is refused; the file is read and
 * written without following links; and no entry can make a process wait longer than one window.
 * A ledger that is refused, cannot be read, is corrupt, or stays locked too long never fails a
 * deployment: the process goes on with its own pacing alone and says so once.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as lockfile from "proper-lockfile";

export interface LedgerGrant {
  /** Starts reserved now (0 when the window is full). */
  granted: number;
  /** Epoch ms when the window frees a slot again, when nothing was granted (at most one window and one credit lifetime ahead). */
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
/**
 * How far past its credit lifetime a reservation may be dated (processes on one machine share its
 * wall clock; this covers reading it at slightly different moments). Later ones are dropped.
 */
export const MAX_CLOCK_SKEW_MS = 1_000;
/** A ledger file larger than this is refused unread (a full emnify window takes a few KB). */
const MAX_LEDGER_BYTES = 1 << 20;
/** 0 where the platform has no such flag (Windows). */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

interface LedgerFile {
  v: 1;
  /** [epoch ms the reservation counts from, number of starts]. */
  reservations: [number, number][];
}

/** The parts of an `lstat`/`fstat` result the ledger's checks read (fake ones in tests). */
export interface LedgerEntryStat {
  uid: number;
  mode: number;
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;

/**
 * Why the ledger's directory or file must not be used, or undefined when it may be: it must be a
 * real directory / regular file (not a symbolic link), owned by `uid`, the directory of mode 0700
 * and the file writable by its owner alone. `uid` undefined (Windows: no POSIX owners or modes)
 * checks only the kind.
 */
export function untrustedLedgerEntry(kind: "directory" | "file", stat: LedgerEntryStat, uid: number | undefined): string | undefined {
  const subject = kind === "directory" ? "its directory" : "it";
  if (stat.isSymbolicLink()) return `${subject} is a symbolic link`;
  if (kind === "directory" ? !stat.isDirectory() : !stat.isFile())
    return `${subject} is not a ${kind === "directory" ? "directory" : "regular file"}`;
  if (uid === undefined) return undefined;
  if (stat.uid !== uid) return `${subject} belongs to uid ${stat.uid}, not to this user (uid ${uid})`;
  if (kind === "directory" && (stat.mode & 0o777) !== 0o700) return `its directory has mode ${octal(stat.mode)}, not 0700`;
  if (kind === "file" && (stat.mode & 0o022) !== 0) return `other users may write it (mode ${octal(stat.mode)})`;
  return undefined;
}

/**
 * Why the directory holding the ledger's directory lets someone else swap the ledger's directory,
 * or undefined: it must belong to the user or to root, and if every user may write it, carry the
 * sticky bit (as /tmp does), so that only the owner of an entry may rename or remove it.
 */
export function untrustedLedgerParent(stat: LedgerEntryStat, uid: number | undefined): string | undefined {
  if (uid === undefined) return undefined;
  if (stat.uid !== uid && stat.uid !== 0) return `the directory holding its directory belongs to uid ${stat.uid}`;
  if ((stat.mode & 0o002) !== 0 && (stat.mode & 0o1000) === 0) {
    return `every user may write the directory holding its directory, which has no sticky bit (mode ${octal(stat.mode)})`;
  }
  return undefined;
}

/** What choosing the ledger's directory looks at (this process's by default; fakes in tests). */
export interface LedgerPlaces {
  env: Record<string, string | undefined>;
  /** The user's uid, undefined where there is none (Windows). */
  uid: number | undefined;
  /** The user's name, for the temp directory's name where there is no uid. */
  username: string;
  homedir: string | undefined;
  tmpdir: string;
  /** `lstat`, undefined when the path does not exist or cannot be read. */
  lstat(file: string): LedgerEntryStat | undefined;
  /** `stat` (following links), undefined when the path does not exist or cannot be read. */
  stat(file: string): LedgerEntryStat | undefined;
}

function thisProcessPlaces(): LedgerPlaces {
  const quietly =
    (look: (file: string) => LedgerEntryStat) =>
    (file: string): LedgerEntryStat | undefined => {
      try {
        return look(file);
      } catch {
        return undefined;
      }
    };
  let username = "user";
  let homedir: string | undefined;
  try {
    username = os.userInfo().username;
  } catch {
    // no user database entry (some containers)
  }
  try {
    homedir = os.homedir() || undefined;
  } catch {
    homedir = undefined;
  }
  return {
    env: process.env,
    uid: typeof process.getuid === "function" ? process.getuid() : undefined,
    username,
    homedir,
    tmpdir: os.tmpdir(),
    lstat: quietly(lstatSync),
    stat: quietly(statSync),
  };
}

/**
 * The directory holding the ledgers, private to the user, the first that fits of:
 * 1. `$XDG_RUNTIME_DIR/pulumi-emnify-rate-ledger` when that runtime directory is the user's own and
 *    private (mode 0700, as systemd makes it);
 * 2. `<user cache directory>/pulumi-emnify/rate-ledger` (`$XDG_CACHE_HOME`, else `~/.cache`) when
 *    the nearest existing of those directories is a directory of the user's that other users cannot
 *    write;
 * 3. `<OS temp directory>/pulumi-emnify-rate-ledger-<uid>`, checked each run like the others.
 */
export function ledgerDirectory(places: LedgerPlaces = thisProcessPlaces()): string {
  const mine = (stat: LedgerEntryStat | undefined) => stat !== undefined && (places.uid === undefined || stat.uid === places.uid);
  const runtime = places.env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && path.isAbsolute(runtime)) {
    const stat = places.lstat(runtime);
    if (mine(stat) && stat!.isDirectory() && (places.uid === undefined || (stat!.mode & 0o077) === 0)) {
      return path.join(runtime, "pulumi-emnify-rate-ledger");
    }
  }
  const xdgCache = places.env.XDG_CACHE_HOME;
  const cache =
    xdgCache !== undefined && path.isAbsolute(xdgCache)
      ? xdgCache
      : places.homedir !== undefined
        ? path.join(places.homedir, ".cache")
        : undefined;
  if (cache !== undefined) {
    const ours = path.join(cache, "pulumi-emnify");
    const nearest = [ours, cache, places.homedir].find((dir) => dir !== undefined && places.stat(dir) !== undefined);
    const stat = nearest === undefined ? undefined : places.stat(nearest);
    if (mine(stat) && stat!.isDirectory() && (places.uid === undefined || (stat!.mode & 0o002) === 0)) {
      return path.join(ours, "rate-ledger");
    }
  }
  return path.join(places.tmpdir, `pulumi-emnify-rate-ledger-${places.uid ?? places.username}`);
}

/** The ledger file for an API origin: a hash, so the file name says nothing about the account. */
export function ledgerPathFor(origin: string, directory = ledgerDirectory()): string {
  const key = createHash("sha256").update(origin).digest("hex").slice(0, 32);
  return path.join(directory, `${key}.json`);
}

/** A refusal to use the ledger, said in the warning as it is. */
class LedgerRefused extends Error {
  override name = "LedgerRefused";
}

export class RateLedger {
  private broken = false;
  /** The directory was found (or made) private to the user: checked once per process. */
  private directoryChecked = false;

  /**
   * @param warn  told once, in one line, when the ledger stops being used.
   * @param wallClock  epoch milliseconds (processes share no monotonic clock).
   * @param uid  whose the directory and file must be: this process's user (a test passes another
   *   to see a foreign owner refused); undefined where there are no POSIX owners (Windows).
   */
  constructor(
    readonly file: string,
    private readonly warn: (line: string) => void,
    private readonly wallClock: () => number = Date.now,
    private readonly uid: number | undefined = typeof process.getuid === "function" ? process.getuid() : undefined,
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
      this.prepareDirectory();
      release = await lockfile.lock(this.file, {
        realpath: false,
        stale: STALE_LOCK_MS,
        retries: { retries: Math.ceil(LOCK_WAIT_MS / 25), minTimeout: 5, maxTimeout: 25, factor: 1.5, randomize: true },
        // Held for a read and a write: a lock that becomes stale under us is harmless to pacing.
        onCompromised: () => undefined,
      });
      const now = this.wallClock();
      const lifetime = creditLifetimeMs(windowMs);
      const ledger = this.read();
      // Whatever the file says, an entry counts for at most the whole window and is dated at most a
      // credit lifetime (and a little skew) ahead, as this code writes them: no entry can hold a
      // process back for longer than one window. Others are dropped from the file.
      const latest = now + lifetime + MAX_CLOCK_SKEW_MS;
      const inWindow = ledger.reservations
        .filter(([at]) => at > now - windowMs && at <= latest)
        .map(([at, n]): [number, number] => [at, Math.min(n, limit)]);
      const used = inWindow.reduce((sum, [, n]) => sum + n, 0);
      const granted = Math.max(0, Math.min(wanted, limit - used));
      if (granted > 0) inWindow.push([now + lifetime, granted]);
      if (granted > 0 || JSON.stringify(inWindow) !== JSON.stringify(ledger.reservations)) this.write({ v: 1, reservations: inWindow });
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
      return { granted: 0, retryAt: Math.min(retryAt, now + windowMs + lifetime) };
    } catch (error) {
      this.giveUp(error);
      return undefined;
    } finally {
      if (release !== undefined) await release().catch(() => undefined);
    }
  }

  /**
   * Makes the ledger's directory (mode 0700) or checks the one there: a real directory of this
   * user's, private to it, in a directory nobody else can swap it in.
   */
  private prepareDirectory(): void {
    if (this.directoryChecked) return;
    const directory = path.dirname(this.file);
    const parent = path.dirname(directory);
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    const parentProblem = untrustedLedgerParent(statSync(parent), this.uid);
    if (parentProblem !== undefined) throw new LedgerRefused(parentProblem);
    try {
      mkdirSync(directory, { mode: 0o700 });
      // The umask may have taken bits the owner needs; a directory made here is the owner's.
      chmodSync(directory, 0o700);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const problem = untrustedLedgerEntry("directory", lstatSync(directory), this.uid);
    if (problem !== undefined) throw new LedgerRefused(problem);
    this.directoryChecked = true;
  }

  /** Reads the file without following a link at its name, after checking whose it is. */
  private read(): LedgerFile {
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO planted at the name must not hang the open.
      fd = openSync(this.file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { v: 1, reservations: [] };
      // Linux and macOS answer ELOOP for a link under O_NOFOLLOW, FreeBSD EMLINK.
      if (code === "ELOOP" || code === "EMLINK") throw new LedgerRefused("it is a symbolic link");
      throw error;
    }
    let text: string;
    try {
      const stat = fstatSync(fd);
      const problem = untrustedLedgerEntry("file", stat, this.uid);
      if (problem !== undefined) throw new LedgerRefused(problem);
      if (stat.size > MAX_LEDGER_BYTES) throw new LedgerRefused(`it is larger than ${MAX_LEDGER_BYTES} bytes`);
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
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

  /**
   * Write-then-rename, so a reader never sees half a file: a new temporary file of an unpredictable
   * name (O_EXCL, never through a link) in the private directory, renamed over the ledger.
   */
  private write(ledger: LedgerFile): void {
    const temporary = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${randomBytes(8).toString("hex")}.tmp`);
    const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
    try {
      try {
        writeFileSync(fd, JSON.stringify(ledger));
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
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
