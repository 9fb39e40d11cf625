/**
 * The process-wide request pacer.
 *
 * Pulumi runs every resource of a stack concurrently in one provider host process, and emnify
 * limits requests per source IP, not per resource. So the limit can only be respected by one pacer
 * per API origin that every client in the process shares. A request starts only when all of these
 * allow it:
 *
 * - **the window** (a hard ceiling): at most `requests` in any `windowMs`, emnify's documented
 *   2,000 per 5 minutes less a safety margin, or what `emnify:rateLimit` says;
 * - **the machine's ledger** (./rateLedger.ts): the same window, shared with the other
 *   pulumi-emnify processes on this machine talking to the same API;
 * - **the short-term rate** (./rateController.ts): discovered from 429s, for the limits nobody told
 *   us about (per-path limits, another job on the IP), which bite over seconds;
 * - **concurrency**: at most `maxConcurrency` in flight;
 * - **a pause** the API asked for with `Retry-After`.
 */

import { type Clock, monotonicClock } from "./clock";
import { EmnifyConfigurationError } from "./errors";
import { AdaptiveRate } from "./rateController";
import { RateLedger, creditLifetimeMs, ledgerPathFor } from "./rateLedger";

export interface PacerOptions {
  /**
   * Requests allowed in any window of `windowMs`. A request counts from its start until
   * `windowMs` after it finished, so this also bounds the starts in any window.
   * @default 1900 (95% of emnify's documented 2000)
   */
  requests: number;
  /**
   * Length of the sliding window.
   * @default 300_000 (emnify's documented 5 minutes)
   */
  windowMs: number;
  /**
   * Requests in flight at once.
   * @default 8
   */
  maxConcurrency: number;
  /**
   * Requests per second at the start, before any 429 taught the pacer better; it doubles every
   * second from there until the first 429.
   * @default the window's average rate, and at least 10/s (emnify suggests ~100 ms between calls)
   */
  startRate?: number;
}

/** What emnify documents: 2,000 requests per source IP per rolling 5 minutes. */
export const EMNIFY_DOCUMENTED_LIMIT: { requests: 2000; windowMs: 300_000 } = Object.freeze({
  requests: 2000,
  windowMs: 300_000,
});

/**
 * The API counts a request on its own clock, at a moment we cannot observe exactly, and its window
 * edges need not line up with ours (a gateway may count when the request reaches it, or per node).
 * Keeping 5% below the documented limit absorbs that clock skew instead of earning a 429 at every
 * window edge; it also leaves a little room for anything else calling from the same IP.
 */
const SAFETY_MARGIN = 0.95;

export const DEFAULT_PACER_OPTIONS: PacerOptions = Object.freeze({
  requests: Math.floor(EMNIFY_DOCUMENTED_LIMIT.requests * SAFETY_MARGIN),
  windowMs: EMNIFY_DOCUMENTED_LIMIT.windowMs,
  maxConcurrency: 8,
});

/** emnify suggests about 100 ms between calls: the pace at which an unknown API is approached. */
export const MIN_START_RATE = 10;
/** The short-term rate never drops below one request per second: slower, but never stalled. */
export const MIN_RATE = 1;

/**
 * Pacer options for an API that allows `limit.requests` per `limit.windowMs`: the same window, at
 * the safety margin below the limit. Used for the `emnify:rateLimit` setting, which states the API's
 * limit (as emnify documents it), not the pace.
 */
export function paceForApiLimit(limit: { requests: number; windowMs: number }): Pick<PacerOptions, "requests" | "windowMs"> {
  return { requests: Math.max(1, Math.floor(limit.requests * SAFETY_MARGIN)), windowMs: limit.windowMs };
}

/** Time source of the pacer. `now` only needs to be monotonic, not wall-clock time. */
export type PacerClock = Clock;

/**
 * How early a start may come before its place in the rate's schedule. Timers fire a little late;
 * this lets the next start make up for it. At 40 requests/s it allows no burst beyond one extra.
 */
const SPACING_TOLERANCE_MS = 10;

/** At most this many starts are reserved in the ledger at once. */
const LEDGER_BATCH_MAX = 100;

export interface PacerStats {
  started: number;
  /** 429 answers reported to the pacer. */
  throttledSignals: number;
  /** Times a 429 cut the short-term rate (at most one per round trip). */
  rateCuts: number;
  /** The short-term rate allowed now, requests per second. */
  currentRate: number;
  /** "shared" while the machine's ledger is in use, "alone" without one or after it failed. */
  ledger: "shared" | "alone";
}

export class RequestPacer {
  private options: Required<PacerOptions>;
  private chosenStartRate: number | undefined;
  private readonly clock: PacerClock;
  private readonly ledger: RateLedger | undefined;
  /**
   * When each finished request that is still in the window finished, oldest first.
   *
   * A request counts against the window from its start until `windowMs` after it FINISHED, not
   * after it started: the API counts it when it arrives, which is somewhere in between, and timing
   * the window from the start would let a request whose predecessor arrived late (a slow first
   * connection, a busy event loop) reach the API while that predecessor is still in the API's
   * window. Holding on until the answer costs one request's latency per window (milliseconds
   * against emnify's five minutes) and makes the pacer immune to delay jitter.
   */
  private readonly finished: number[] = [];
  private readonly waiting: (() => void)[] = [];
  private inFlight = 0;
  private pausedUntil = Number.NEGATIVE_INFINITY;
  private rate: AdaptiveRate;
  /** The earliest start the short-term rate allows next. */
  private nextStartAt = Number.NEGATIVE_INFINITY;
  /** Starts reserved in the ledger and not yet used, oldest first, with when they lapse. */
  private readonly credits: { left: number; lapseAt: number }[] = [];
  private reserving = false;
  /** The ledger said the machine's window is full until then. */
  private ledgerFullUntil = Number.NEGATIVE_INFINITY;
  /** When the pending sleep (if any) ends, so that a later, redundant sleep is not started. */
  private wakeAt: number | undefined;
  private startedCount = 0;
  private throttledCount = 0;

  /**
   * @param clock  the pacer's time and its waits; a test hands in one that moves only when told.
   * @param ledger  shares the window with other processes on the machine; without one the pacer
   *   paces this process alone (tests, and a client given its own pacer). Its own wall clock
   *   times its answers.
   */
  constructor(options: PacerOptions, clock: PacerClock = monotonicClock, ledger?: RateLedger) {
    this.options = validatePacerOptions(options);
    this.chosenStartRate = options.startRate;
    this.clock = clock;
    this.ledger = ledger;
    this.rate = this.newRate();
  }

  /** The pacer's clock, for callers that report when a request was sent (see `throttled`). */
  now(): number {
    return this.clock.now();
  }

  /**
   * Waits for a slot, then runs `task`, holding the slot until it settles. A retry goes to the head
   * of the queue: it has waited its turn once already, and the retry budget is ticking.
   */
  async run<T>(task: () => Promise<T>, opts: { retry?: boolean } = {}): Promise<T> {
    await new Promise<void>((resolve) => {
      if (opts.retry === true) this.waiting.unshift(resolve);
      else this.waiting.push(resolve);
      this.pump();
    });
    try {
      return await task();
    } finally {
      this.inFlight -= 1;
      this.finished.push(this.clock.now());
      this.pump();
    }
  }

  /**
   * The API answered 429 to a request sent at `sentAt` (the pacer's clock; default now): cut the
   * short-term rate (see ./rateController.ts), and pause every start for `retryAfterMs` when the
   * API said how long to wait. Without `Retry-After` there is no pause: the lower rate is enough,
   * and a fixed pause per 429 would cost more than the limit itself against a per-second limit.
   */
  throttled(retryAfterMs?: number, sentAt?: number): void {
    const now = this.clock.now();
    this.throttledCount += 1;
    if (retryAfterMs !== undefined && retryAfterMs >= 0) this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    if (this.rate.throttled(now, sentAt ?? now)) {
      // The new, lower rate applies from the very next start.
      this.nextStartAt = Math.max(this.nextStartAt, now + 1000 / this.rate.allowance(now));
    }
  }

  /** Changes the limits, e.g. when the provider configuration sets a different rate limit. */
  configure(options: Partial<PacerOptions>): void {
    // A start rate nobody chose follows the window; one given explicitly stays.
    if (options.startRate !== undefined) this.chosenStartRate = options.startRate;
    const before = this.options.startRate;
    this.options = validatePacerOptions({ ...this.options, ...options, startRate: this.chosenStartRate });
    // What 429s taught stays; a pacer not yet throttled starts over at a new start pace (only when
    // it changed: the same settings again must not restart its slow start).
    if (this.rate.cuts === 0 && this.options.startRate !== before) this.rate = this.newRate();
    this.pump();
  }

  get stats(): PacerStats {
    const now = this.clock.now();
    return {
      started: this.startedCount,
      throttledSignals: this.throttledCount,
      rateCuts: this.rate.cuts,
      currentRate: this.rate.allowance(now),
      ledger: this.ledger?.usable === true ? "shared" : "alone",
    };
  }

  /** The options in force (for diagnostics and tests). */
  get settings(): Readonly<Required<PacerOptions>> {
    return { ...this.options };
  }

  private newRate(): AdaptiveRate {
    return new AdaptiveRate({ startRate: this.options.startRate, minRate: MIN_RATE }, this.clock.now());
  }

  /** Starts as many waiting tasks as the limits allow, then sleeps until the next one could start. */
  private pump(): void {
    const now = this.clock.now();
    this.forget(now);
    while (this.waiting.length > 0) {
      const openAt = this.nextOpening(now);
      if (openAt === "when a request finishes" || openAt === "when the ledger answers") return;
      if (openAt > now) {
        this.sleepUntil(openAt);
        return;
      }
      if (this.ledger?.usable === true) {
        this.credits[0].left -= 1;
        if (this.credits[0].left === 0) this.credits.shift();
      }
      // The rate's schedule (GCRA): each start moves the next one an interval on from its own
      // theoretical time, or from now when the pacer was idle; nextOpening allows a start up to
      // SPACING_TOLERANCE_MS early, so late timers do not slow the pace and a burst stays tiny.
      this.nextStartAt = Math.max(this.nextStartAt, now) + 1000 / this.rate.allowance(now);
      this.rate.started(now);
      this.inFlight += 1;
      this.startedCount += 1;
      this.waiting.shift()!();
    }
  }

  /** The earliest moment the next start is allowed, judged at `now`. */
  private nextOpening(now: number): number | "when a request finishes" | "when the ledger answers" {
    if (this.inFlight >= this.options.maxConcurrency) return "when a request finishes";
    let at = Math.max(now, this.pausedUntil, this.nextStartAt - SPACING_TOLERANCE_MS);
    const inWindow = this.finished.length + this.inFlight;
    if (inWindow >= this.options.requests) {
      // How many requests must leave the window before one more fits. Finished ones leave in
      // order; one still in flight leaves no earlier than a window after it finishes, which
      // pump() hears about.
      const mustLeave = inWindow - this.options.requests + 1;
      if (mustLeave > this.finished.length) return "when a request finishes";
      at = Math.max(at, this.finished[mustLeave - 1] + this.options.windowMs);
    }
    if (at > now || this.ledger?.usable !== true) return at;
    if (now < this.ledgerFullUntil) return this.ledgerFullUntil;
    while (this.credits.length > 0 && now >= this.credits[0].lapseAt) this.credits.shift();
    const left = this.credits.reduce((sum, c) => sum + c.left, 0);
    // Ask for the next batch while half of this one is left, so that pacing never waits for the lock.
    const batch = this.batchSize(now);
    if (left <= batch / 2) this.reserve(batch);
    if (left > 0) return now;
    return this.reserving ? "when the ledger answers" : now;
  }

  /**
   * As many starts as this process actually achieves in half a credit's lifetime (and as are
   * waiting), so that few lapse unused: a lapsed credit still counts in the machine's window. The
   * achieved rate, not the allowance, because the allowance may be far above what the process
   * manages (a busy event loop, the concurrency cap).
   */
  private batchSize(now: number): number {
    const lifetime = creditLifetimeMs(this.options.windowMs);
    const pace = Math.min(this.rate.allowance(now), this.rate.achieved(now));
    return Math.max(1, Math.min(this.waiting.length, LEDGER_BATCH_MAX, Math.ceil((pace * lifetime) / 2000)));
  }

  /** Asks the machine's ledger for `wanted` starts, in the background. */
  private reserve(wanted: number): void {
    if (this.reserving || this.ledger === undefined) return;
    this.reserving = true;
    const ledger = this.ledger;
    const wallNow = ledger.now();
    void ledger.reserve(wanted, this.options.requests, this.options.windowMs).then((grant) => {
      this.reserving = false;
      const at = this.clock.now();
      if (grant !== undefined && grant.granted > 0) {
        this.credits.push({ left: grant.granted, lapseAt: at + creditLifetimeMs(this.options.windowMs) });
      } else if (grant !== undefined) {
        this.ledgerFullUntil = at + Math.max(10, (grant.retryAt ?? wallNow) - ledger.now());
      }
      this.pump();
    });
  }

  private sleepUntil(at: number): void {
    if (this.wakeAt !== undefined && this.wakeAt <= at) return; // an earlier wake-up will re-check
    this.wakeAt = at;
    void this.clock.sleep(at - this.clock.now()).then(() => {
      if (this.wakeAt === at) this.wakeAt = undefined;
      this.pump();
    });
  }

  /** Drops requests that have left the window: one finished at f counts until f + windowMs. */
  private forget(now: number): void {
    const cutoff = now - this.options.windowMs;
    let drop = 0;
    while (drop < this.finished.length && this.finished[drop] <= cutoff) drop += 1;
    if (drop > 0) this.finished.splice(0, drop);
  }
}

function defaultStartRate(options: Pick<PacerOptions, "requests" | "windowMs">): number {
  return Math.max(MIN_START_RATE, (options.requests * 1000) / options.windowMs);
}

function validatePacerOptions(options: PacerOptions): Required<PacerOptions> {
  const check = (name: keyof PacerOptions, integer: boolean): void => {
    const value = options[name] as number;
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new EmnifyConfigurationError(
        `invalid pacer setting ${name}: ${String(value)} (expected a positive ${integer ? "integer" : "number"})`,
      );
    }
  };
  check("requests", true);
  check("windowMs", false);
  check("maxConcurrency", true);
  if (options.startRate !== undefined) check("startRate", false);
  return {
    requests: options.requests,
    windowMs: options.windowMs,
    maxConcurrency: options.maxConcurrency,
    startRate: options.startRate ?? defaultStartRate(options),
  };
}

const sharedPacers = new Map<string, RequestPacer>();

/** Where the client's warnings go: one line each, never a credential. */
export type Logger = (line: string) => void;

/** The default log: stderr, prefixed as the provider's own lines are. */
export const logToStderr: Logger = (line) => {
  process.stderr.write(`emnify: ${line}\n`);
};

/**
 * The pacer for the API at `endpoint`, one per origin per process, sharing its window with the other
 * processes on the machine through the origin's ledger. `options` apply when it is
 * created; a later call with options reconfigures the existing pacer (the provider may learn its
 * configuration after the first request was paced).
 *
 * @param endpoint  the API base URL, as the settings checked it (../config/settings).
 * @param log  where the origin's ledger says, once, that it stopped being used; the first call for
 *   an origin decides.
 */
export function sharedPacer(endpoint: string, options?: Partial<PacerOptions>, log: Logger = logToStderr): RequestPacer {
  const origin = new URL(endpoint).origin;
  const existing = sharedPacers.get(origin);
  if (existing !== undefined) {
    if (options !== undefined && Object.keys(options).length > 0) existing.configure(options);
    return existing;
  }
  const ledger = new RateLedger(ledgerPathFor(origin), log);
  const pacer = new RequestPacer({ ...DEFAULT_PACER_OPTIONS, ...options }, monotonicClock, ledger);
  sharedPacers.set(origin, pacer);
  return pacer;
}

/**
 * Reads a rate limit written as "<requests>/<seconds>", e.g. "2000/300" for 2,000 requests per
 * 5 minutes.
 *
 * @param setting names the setting in the error message.
 */
export function parseRateLimit(text: string, setting = "emnify:rateLimit"): { requests: number; windowMs: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  const requests = match ? Number(match[1]) : NaN;
  const windowMs = match ? Math.round(Number(match[2]) * 1000) : NaN;
  if (!match || !Number.isSafeInteger(requests) || requests < 1 || windowMs < 1) {
    throw new EmnifyConfigurationError(
      `invalid ${setting} "${text}": expected "<requests>/<seconds>" with both numbers above zero, ` +
        `e.g. "2000/300" for 2000 requests per 300 seconds`,
    );
  }
  return { requests, windowMs };
}
