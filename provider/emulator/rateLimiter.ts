/**
 * An exact rolling-window limiter: at most `requests` accepted requests per key in ANY window of
 * `windowSeconds`, not a fixed bucket that resets on the clock. It remembers the time of each
 * accepted request (at most `requests` per key), which is cheap at emnify's 2,000 per 5 minutes.
 *
 * Refused requests are not remembered, so they do not extend the window: a client that keeps
 * polling while throttled gets through as soon as the oldest accepted request leaves the window,
 * which is when emnify's "N per rolling window" wording says capacity returns. Counting refusals
 * would lock a polling client out forever and make the limit's behaviour depend on client retries.
 */
import type { PathRateLimit, RateLimit } from "./types";

export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

export class SlidingWindowRateLimiter {
  private readonly windowMs: number;
  private readonly accepted = new Map<string, number[]>();

  constructor(readonly limit: RateLimit) {
    if (!(limit.requests >= 0) || !(limit.windowSeconds > 0)) {
      throw new RangeError(`invalid rate limit ${limit.requests}/${limit.windowSeconds}s`);
    }
    this.windowMs = limit.windowSeconds * 1000;
  }

  /** Accepts and records a request for `key`, or says how long until one would be accepted. */
  take(key: string, nowMs = Date.now()): TakeResult {
    const verdict = this.check(key, nowMs);
    if (verdict.allowed) this.accepted.get(key)!.push(nowMs);
    return verdict;
  }

  /** Whether a request for `key` would be accepted now, without recording it. */
  check(key: string, nowMs = Date.now()): TakeResult {
    const times = this.accepted.get(key) ?? [];
    // A request at t stays in the window until t + windowMs (exclusive).
    while (times.length > 0 && times[0] + this.windowMs <= nowMs) times.shift();
    if (times.length >= this.limit.requests) {
      this.accepted.set(key, times);
      const oldest = times[0] ?? nowMs;
      return { allowed: false, retryAfterMs: Math.max(1, oldest + this.windowMs - nowMs) };
    }
    this.accepted.set(key, times);
    return { allowed: true };
  }
}

/** Several limits that a request must all pass; it is recorded by all of them or by none. */
export class PathRateLimits {
  private readonly rules: { method?: string; matches: (path: string) => boolean; limiter: SlidingWindowRateLimiter }[];

  constructor(limits: PathRateLimit[]) {
    this.rules = limits.map((limit) => ({
      method: limit.method?.toUpperCase(),
      matches: pathMatcher(limit.path),
      limiter: new SlidingWindowRateLimiter({ requests: limit.requests, windowSeconds: limit.windowSeconds }),
    }));
  }

  /** Passes the request through every limit that applies, or answers the longest wait among those that refuse. */
  take(key: string, method: string, path: string, nowMs = Date.now()): TakeResult {
    const applying = this.rules.filter((r) => (r.method === undefined || r.method === method) && r.matches(path));
    let refusal: TakeResult | undefined;
    for (const rule of applying) {
      const verdict = rule.limiter.check(key, nowMs);
      if (!verdict.allowed && (refusal === undefined || (!refusal.allowed && verdict.retryAfterMs > refusal.retryAfterMs)))
        refusal = verdict;
    }
    if (refusal !== undefined) return refusal;
    for (const rule of applying) rule.limiter.take(key, nowMs);
    return { allowed: true };
  }
}

function pathMatcher(path: string | RegExp | undefined): (path: string) => boolean {
  if (path === undefined) return () => true;
  if (path instanceof RegExp) return (p) => path.test(p);
  const escaped = path
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  const pattern = new RegExp(`^${escaped}/?$`);
  return (p) => pattern.test(p);
}
