/**
 * The process-wide request pacer.
 *
 * Pulumi runs every resource of a stack concurrently in one provider host process, and emnify
 * limits requests per source IP, not per resource. So the limit can only be respected by one pacer
 * per API origin that every client in the process shares: it lets a request start only when that
 * keeps the sliding window under the limit and a concurrency slot is free, and it slows
 * everyone down when the API answers 429 anyway (another process on the same IP, a stricter
 * per-path limit, clock skew).
 */

import { performance } from "node:perf_hooks";
import { EmnifyConfigurationError } from "./errors";

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

/**
 * Pacer options for an API that allows `limit.requests` per `limit.windowMs`: the same window, at
 * the safety margin below the limit. Used for the `emnify:rateLimit` setting, which states the API's
 * limit (as emnify documents it), not the pace.
 */
export function paceForApiLimit(limit: { requests: number; windowMs: number }): Pick<PacerOptions, "requests" | "windowMs"> {
  return { requests: Math.max(1, Math.floor(limit.requests * SAFETY_MARGIN)), windowMs: limit.windowMs };
}

/** Pause after a 429 that did not say how long to wait. */
const DEFAULT_THROTTLE_PAUSE_MS = 2_000;

/** Time source of the pacer. `now` only needs to be monotonic, not wall-clock time. */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Monotonic, so that a wall-clock correction (NTP) cannot open or close the window early.
 */
const realClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class RequestPacer {
  private options: PacerOptions;
  private readonly clock: PacerClock;
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
  /** Limit in force now: the configured one, or less after 429s. */
  private limit: number;
  /** When the limit was last cut or raised; recovery steps come one full window after it. */
  private limitChangedAt = 0;
  /** When the pending sleep (if any) ends, so that a later, redundant sleep is not started. */
  private wakeAt: number | undefined;
  private startedCount = 0;
  private throttledCount = 0;

  constructor(options: PacerOptions, clock: PacerClock = realClock) {
    this.options = validatePacerOptions(options);
    this.clock = clock;
    this.limit = this.options.requests;
  }

  /** Waits for a slot (window and concurrency), then runs `task`, holding the slot until it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
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
   * The API answered 429: pause every start for `retryAfterMs` (2 s when the API did not say) and
   * halve the limit.
   *
   * The requests that were in flight together tend to come back 429 together; cutting the limit
   * for each of them would collapse it to 1 after one burst. So a 429 that arrives while a pause
   * is already running only extends the pause.
   */
  throttled(retryAfterMs?: number): void {
    const now = this.clock.now();
    this.throttledCount += 1;
    const pause = retryAfterMs !== undefined && retryAfterMs >= 0 ? retryAfterMs : DEFAULT_THROTTLE_PAUSE_MS;
    if (now >= this.pausedUntil) this.limit = Math.max(1, Math.floor(this.limit * 0.5));
    // Recovery needs a full window without any 429, so every signal restarts that wait.
    this.limitChangedAt = now;
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
  }

  /** Changes the limits, e.g. when the provider configuration sets a different rate limit. */
  configure(options: Partial<PacerOptions>): void {
    const next = validatePacerOptions({ ...this.options, ...options });
    const wasAtFullLimit = this.limit >= this.options.requests;
    this.options = next;
    // Keep any slow-down in force (the API said 429 recently), but never above the new limit.
    this.limit = wasAtFullLimit ? next.requests : Math.min(this.limit, next.requests);
    this.pump();
  }

  get stats(): { started: number; throttledSignals: number; currentLimit: number } {
    this.recover(this.clock.now());
    return { started: this.startedCount, throttledSignals: this.throttledCount, currentLimit: this.limit };
  }

  /** The options in force (for diagnostics and tests). */
  get settings(): Readonly<PacerOptions> {
    return { ...this.options };
  }

  /** Starts as many waiting tasks as the limits allow, then sleeps until the next one could start. */
  private pump(): void {
    const now = this.clock.now();
    this.recover(now);
    this.forget(now);
    while (this.waiting.length > 0) {
      const openAt = this.nextOpening(now);
      if (openAt === "when a request finishes") return; // run()'s finally calls pump again
      if (openAt > now) {
        this.sleepUntil(openAt);
        return;
      }
      this.inFlight += 1;
      this.startedCount += 1;
      this.waiting.shift()!();
    }
  }

  /** The earliest moment the next start is allowed, judged at `now`. */
  private nextOpening(now: number): number | "when a request finishes" {
    if (this.inFlight >= this.options.maxConcurrency) return "when a request finishes";
    const notBefore = Math.max(now, this.pausedUntil);
    const inWindow = this.finished.length + this.inFlight;
    // When the window is full, how many requests must leave it before one more fits (after a
    // cut, several must). Finished ones leave in order; one still in flight leaves no earlier
    // than a window after it finishes, which pump() hears about.
    let windowOpens: number | undefined = notBefore;
    if (inWindow >= this.limit) {
      const mustLeave = inWindow - this.limit + 1;
      windowOpens =
        mustLeave <= this.finished.length
          ? Math.max(notBefore, this.finished[mustLeave - 1]! + this.options.windowMs)
          : undefined;
    }
    if (this.limit < this.options.requests) {
      // Recovery could open a slot before the window does.
      const recovers = Math.max(notBefore, this.limitChangedAt + this.options.windowMs);
      windowOpens = windowOpens === undefined ? recovers : Math.min(windowOpens, recovers);
    }
    return windowOpens ?? "when a request finishes";
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
    while (drop < this.finished.length && this.finished[drop]! <= cutoff) drop += 1;
    if (drop > 0) this.finished.splice(0, drop);
  }

  /**
   * Additive recovery: each full window without a 429 gives back a tenth of the configured limit
   * (at least 1), up to the configured limit. A tenth, not 1, because a window is long (5 minutes
   * for emnify) and recovering one request per window would never finish within a deployment.
   */
  private recover(now: number): void {
    const full = this.options.requests;
    const step = Math.max(1, Math.ceil(full / 10));
    while (this.limit < full && now >= this.pausedUntil && now - this.limitChangedAt >= this.options.windowMs) {
      this.limit = Math.min(full, this.limit + step);
      this.limitChangedAt += this.options.windowMs;
    }
  }
}

function validatePacerOptions(options: PacerOptions): PacerOptions {
  const check = (name: keyof PacerOptions, integer: boolean): void => {
    const value = options[name];
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new EmnifyConfigurationError(
        `invalid pacer setting ${name}: ${String(value)} (expected a positive ${integer ? "integer" : "number"})`,
      );
    }
  };
  check("requests", true);
  check("windowMs", false);
  check("maxConcurrency", true);
  return { requests: options.requests, windowMs: options.windowMs, maxConcurrency: options.maxConcurrency };
}

const sharedPacers = new Map<string, RequestPacer>();

/**
 * The pacer for the API at `endpoint`, one per origin per process. `options` apply when it is
 * created; a later call with options reconfigures the existing pacer (the provider may learn its
 * configuration after the first request was paced).
 */
export function sharedPacer(endpoint: string, options?: Partial<PacerOptions>): RequestPacer {
  const origin = originOf(endpoint);
  const existing = sharedPacers.get(origin);
  if (existing !== undefined) {
    if (options !== undefined && Object.keys(options).length > 0) existing.configure(options);
    return existing;
  }
  const pacer = new RequestPacer({ ...DEFAULT_PACER_OPTIONS, ...options });
  sharedPacers.set(origin, pacer);
  return pacer;
}

function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    throw new EmnifyConfigurationError(`invalid emnify endpoint "${endpoint}": expected a URL such as https://cdn.emnify.net`);
  }
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
