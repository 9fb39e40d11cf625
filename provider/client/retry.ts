/**
 * The retry policy: which failures are worth another attempt, and how long to wait before it.
 *
 * Everything here is pure (randomness and the current time are parameters) so that the policy can
 * be tested exhaustively without a server or a clock.
 */

import { EmnifyConfigurationError } from "./errors";

/** How persistently transient failures are retried. */
export interface RetryPolicy {
  /**
   * Attempts per request, the first one included (1 = never retry).
   * @default 6
   */
  maxAttempts: number;
  /**
   * Upper bound of the first backoff; each further retry doubles the bound.
   * @default 500
   */
  baseDelayMs: number;
  /**
   * No single wait is longer than this, a `Retry-After` header included.
   * @default 20_000
   */
  maxDelayMs: number;
  /**
   * No retry starts later than this after the first attempt was sent.
   * @default 120_000
   */
  maxElapsedMs: number;
}

/**
 * Six attempts with waits bounded by 0.5, 1, 2, 4 and 8 seconds: about 15 seconds of worst-case
 * backoff, enough to ride out a gateway restart or a short burst of 429s, well inside the
 * two-minute budget that keeps a `pulumi up` from hanging on a dead API.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxElapsedMs: 120_000,
});

/** Fills in defaults and refuses values that would make the policy meaningless. */
export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY };
  for (const key of Object.keys(DEFAULT_RETRY_POLICY) as (keyof RetryPolicy)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    const minimum = key === "maxAttempts" ? 1 : 0;
    if (!Number.isFinite(value) || value < minimum || (key === "maxAttempts" && !Number.isInteger(value))) {
      throw new EmnifyConfigurationError(
        `invalid retry setting ${key}: ${String(value)} (expected ${key === "maxAttempts" ? "an integer" : "a number"} of at least ${minimum})`,
      );
    }
    policy[key] = value;
  }
  return policy;
}

/** HTTP statuses that say "try again later" rather than "this request is wrong". */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status);
}

/**
 * Low-level error codes of a connection that failed or broke before an answer arrived: the same
 * request may well succeed on a fresh connection. DNS failures other than a temporary one
 * (ENOTFOUND) are not here: a misspelt endpoint does not heal by waiting.
 */
const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EAI_AGAIN",
]);

export function isTransientNetworkError(code: string | undefined, message: string): boolean {
  if (code !== undefined && TRANSIENT_NETWORK_CODES.has(code)) return true;
  // Node reports a server that closed the connection mid-request as "socket hang up", sometimes
  // without a code.
  return /socket hang up/i.test(message);
}

/**
 * The wait before retry number `retryIndex` (0 for the first retry) with "full jitter": uniformly
 * random between zero and the exponential bound. Spreading retries over the whole interval is what
 * stops a hundred resources that failed together from all coming back at the same instant.
 */
export function backoffDelayMs(retryIndex: number, policy: RetryPolicy, random: () => number): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  // Clamp: an injected random() returning exactly 1 must not exceed the bound.
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * bound);
}

/**
 * Reads a `Retry-After` header: delay-seconds ("120") or an HTTP date. Returns milliseconds from
 * `nowEpochMs`, or undefined when the header is absent or unreadable (a date in the past is 0).
 */
export function parseRetryAfterMs(value: string | undefined, nowEpochMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse would also accept bare numbers and odd forms; an HTTP date always names a weekday
  // or month, so require letters.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowEpochMs);
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: "attempts exhausted" | "time budget exhausted" };

/**
 * Whether to retry after a transient failure, and after how long.
 *
 * @param failedAttempts transient failures of this request so far, the one just seen included.
 * @param elapsedMs time since the first attempt was sent.
 * @param retryAfterMs what the server asked for, if it said.
 */
export function planRetry(args: {
  failedAttempts: number;
  elapsedMs: number;
  retryAfterMs?: number;
  policy: RetryPolicy;
  random: () => number;
}): RetryDecision {
  const { failedAttempts, elapsedMs, retryAfterMs, policy, random } = args;
  if (failedAttempts >= policy.maxAttempts) return { retry: false, reason: "attempts exhausted" };
  const remainingMs = policy.maxElapsedMs - elapsedMs;
  if (remainingMs <= 0) return { retry: false, reason: "time budget exhausted" };
  if (retryAfterMs !== undefined) {
    const asked = Math.min(retryAfterMs, policy.maxDelayMs);
    // Retrying earlier than the server asked would only earn another 429; if its wait does not fit
    // in what is left of the budget, giving up now is the honest answer.
    if (asked > remainingMs) return { retry: false, reason: "time budget exhausted" };
    return { retry: true, delayMs: asked };
  }
  const delayMs = Math.min(backoffDelayMs(failedAttempts - 1, policy, random), remainingMs);
  return { retry: true, delayMs };
}
