import assert from "node:assert/strict";
import { EmnifyConfigurationError } from "../../provider/client/errors";
import {
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  isTransientNetworkError,
  isTransientStatus,
  parseRetryAfterMs,
  planRetry,
  resolveRetryPolicy,
} from "../../provider/client/retry";

const policy = DEFAULT_RETRY_POLICY;
const always = (value: number) => () => value;

describe("retry policy", () => {
  it("defaults to 6 attempts, 500 ms base, 20 s cap and a 2 minute budget", () => {
    assert.deepEqual(resolveRetryPolicy(), { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 20_000, maxElapsedMs: 120_000 });
  });

  it("keeps the defaults for settings an override leaves out", () => {
    assert.deepEqual(resolveRetryPolicy({ maxAttempts: 2 }), { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 });
  });

  it("refuses a policy that would never send or never wait sensibly", () => {
    assert.throws(() => resolveRetryPolicy({ maxAttempts: 0 }), {
      name: "EmnifyConfigurationError",
      message: "invalid retry setting maxAttempts: 0 (expected an integer of at least 1)",
    });
    assert.throws(() => resolveRetryPolicy({ baseDelayMs: -1 }), EmnifyConfigurationError);
    assert.throws(() => resolveRetryPolicy({ maxElapsedMs: Number.NaN }), EmnifyConfigurationError);
  });

  it("treats 429 and the gateway-style 5xx as transient and every other status as final", () => {
    const transient = [400, 401, 403, 404, 409, 422, 429, 500, 501, 502, 503, 504, 505].filter(isTransientStatus);
    assert.deepEqual(transient, [429, 500, 502, 503, 504]);
  });

  it("retries broken connections and timeouts but not a host name that does not resolve", () => {
    assert.equal(isTransientNetworkError("ECONNRESET", "read ECONNRESET"), true);
    assert.equal(isTransientNetworkError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"), true);
    assert.equal(isTransientNetworkError("EPIPE", "write EPIPE"), true);
    assert.equal(isTransientNetworkError("ETIMEDOUT", "timeout of 10ms exceeded"), true);
    assert.equal(isTransientNetworkError(undefined, "socket hang up"), true);
    assert.equal(isTransientNetworkError("ENOTFOUND", "getaddrinfo ENOTFOUND api.example"), false);
    assert.equal(isTransientNetworkError("ERR_INVALID_URL", "Invalid URL"), false);
  });
});

describe("backoff with full jitter", () => {
  it("doubles the upper bound with every retry, starting at the base delay", () => {
    const bounds = [0, 1, 2, 3, 4, 5].map((i) => backoffDelayMs(i, policy, always(0.999999999)));
    assert.deepEqual(bounds, [499, 999, 1999, 3999, 7999, 15999]);
  });

  it("never exceeds the maximum delay however many retries came before", () => {
    assert.equal(backoffDelayMs(30, policy, always(0.999999999)), 19_999);
  });

  it("draws the delay uniformly from zero up to the bound", () => {
    assert.equal(backoffDelayMs(2, policy, always(0)), 0);
    assert.equal(backoffDelayMs(2, policy, always(0.5)), 1000);
    assert.equal(backoffDelayMs(2, policy, always(0.25)), 500);
  });

  it("stays within the bound even when the random source misbehaves", () => {
    assert.equal(backoffDelayMs(0, policy, always(1.5)), 500);
    assert.equal(backoffDelayMs(0, policy, always(-3)), 0);
  });
});

describe("reading Retry-After", () => {
  const now = Date.parse("2025-01-01T12:00:00Z");

  it("reads a number of seconds", () => {
    assert.equal(parseRetryAfterMs("7", now), 7000);
    assert.equal(parseRetryAfterMs(" 0 ", now), 0);
  });

  it("reads an HTTP date as the time left until then", () => {
    assert.equal(parseRetryAfterMs("Wed, 01 Jan 2025 12:00:30 GMT", now), 30_000);
  });

  it("treats a date in the past as no wait at all", () => {
    assert.equal(parseRetryAfterMs("Wed, 01 Jan 2025 11:00:00 GMT", now), 0);
  });

  it("ignores an absent, empty or unreadable header", () => {
    assert.equal(parseRetryAfterMs(undefined, now), undefined);
    assert.equal(parseRetryAfterMs("", now), undefined);
    assert.equal(parseRetryAfterMs("soon", now), undefined);
    assert.equal(parseRetryAfterMs("-5", now), undefined);
    assert.equal(parseRetryAfterMs("1.5", now), undefined);
  });
});

describe("planning a retry", () => {
  const half = always(0.5);

  it("retries with a jittered delay while attempts and time remain", () => {
    assert.deepEqual(planRetry({ failedAttempts: 1, elapsedMs: 0, policy, random: half }), { retry: true, delayMs: 250 });
    assert.deepEqual(planRetry({ failedAttempts: 3, elapsedMs: 0, policy, random: half }), { retry: true, delayMs: 1000 });
  });

  it("gives up once the last allowed attempt has failed", () => {
    assert.deepEqual(planRetry({ failedAttempts: 6, elapsedMs: 0, policy, random: half }), {
      retry: false,
      reason: "attempts exhausted",
    });
  });

  it("never retries when only one attempt is allowed", () => {
    const once = { ...policy, maxAttempts: 1 };
    assert.equal(planRetry({ failedAttempts: 1, elapsedMs: 0, policy: once, random: half }).retry, false);
  });

  it("gives up once the time budget is spent", () => {
    assert.deepEqual(planRetry({ failedAttempts: 1, elapsedMs: 120_000, policy, random: half }), {
      retry: false,
      reason: "time budget exhausted",
    });
  });

  it("shortens a jittered delay to what is left of the budget", () => {
    const decision = planRetry({ failedAttempts: 5, elapsedMs: 119_900, policy, random: half });
    assert.deepEqual(decision, { retry: true, delayMs: 100 });
  });

  it("waits exactly as long as Retry-After asks instead of the jittered delay", () => {
    assert.deepEqual(planRetry({ failedAttempts: 1, elapsedMs: 0, retryAfterMs: 3000, policy, random: half }), {
      retry: true,
      delayMs: 3000,
    });
  });

  it("caps Retry-After at the maximum delay", () => {
    assert.deepEqual(planRetry({ failedAttempts: 1, elapsedMs: 0, retryAfterMs: 300_000, policy, random: half }), {
      retry: true,
      delayMs: 20_000,
    });
  });

  it("gives up rather than retry before Retry-After when its wait does not fit the budget", () => {
    assert.deepEqual(planRetry({ failedAttempts: 1, elapsedMs: 110_000, retryAfterMs: 15_000, policy, random: half }), {
      retry: false,
      reason: "time budget exhausted",
    });
  });
});
