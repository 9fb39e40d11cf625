import assert from "node:assert/strict";
import { EmnifyApiError, EmnifyNetworkError, EmnifyResponseError } from "../../provider/client/errors";
import { RequestPacer } from "../../provider/client/pacer";
import { BILLING_101, clientFor, failure, read101 } from "./helpers";
import { VirtualClock } from "./virtualClock";
import { EmnifyEmulator, type FaultRule } from "../../provider/emulator";

/** Wall-clock time that moves only when the client sleeps, and a record of those sleeps. */
function steppingClock(): { now(): number; sleep(ms: number): Promise<void>; slept: number[] } {
  let time = Date.now();
  const slept: number[] = [];
  return {
    slept,
    now: () => time,
    sleep: async (ms) => {
      slept.push(ms);
      time += ms;
    },
  };
}

describe("EmnifyClient retries (against the emulator)", () => {
  let emu: EmnifyEmulator;

  before(async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
  });

  after(async () => {
    await emu.stop();
  });

  beforeEach(() => {
    emu.clearFaults();
    emu.clearRequests();
  });

  const transientFaults: { name: string; fault: Omit<FaultRule, "method" | "path" | "times"> }[] = [
    { name: "a 429 without Retry-After", fault: { kind: "status", status: 429 } },
    { name: "a 500", fault: { kind: "status", status: 500 } },
    { name: "a 502 with an HTML body", fault: { kind: "status", status: 502, body: "<html><h1>502 Bad Gateway</h1></html>" } },
    { name: "a 503 with an empty body", fault: { kind: "status", status: 503, body: "" } },
    { name: "a 504 from the gateway", fault: { kind: "status", status: 504 } },
    { name: "a connection reset", fault: { kind: "reset" } },
    { name: "an answer that never comes", fault: { kind: "timeout" } },
    { name: "an answer slower than the timeout", fault: { kind: "latency", delayMs: 3000 } },
    { name: "a malformed JSON body", fault: { kind: "malformed" } },
  ];

  for (const { name, fault } of transientFaults) {
    it(`retries after ${name} and then succeeds`, async () => {
      emu.injectFault({ ...fault, method: "GET", path: BILLING_101, times: 1 });
      const client = clientFor(emu, { timeoutMs: 1000 });
      const config = await client.request<{ id: number; vatin: string | null }>(read101);
      assert.equal(config.id, emu.billingConfig(101).id);
      assert.equal(config.vatin, emu.billingConfig(101).vatin ?? null);
      assert.equal(emu.count({ method: "GET", path: BILLING_101 }), 2);
      assert.equal(emu.count({ method: "GET", path: BILLING_101, status: 200 }), fault.kind === "malformed" ? 2 : 1);
      assert.equal(client.stats.retries, 1);
      assert.equal(client.stats.throttled, fault.kind === "status" && fault.status === 429 ? 1 : 0);
    });
  }

  it("retries a PATCH, which is idempotent, and applies it", async () => {
    emu.injectFault({ method: "PATCH", path: BILLING_101, kind: "status", status: 502, times: 1 });
    const client = clientFor(emu);
    const answer = await client.request({
      method: "PATCH",
      path: BILLING_101,
      body: { vatin: "DE999999999" },
      operation: "updating billing config",
      orgId: 101,
    });
    assert.deepEqual(answer, {});
    assert.equal(emu.billingConfig(101).vatin, "DE999999999");
    assert.equal(emu.count({ method: "PATCH", path: BILLING_101 }), 2);
    assert.deepEqual(
      emu.requests.filter((r) => r.method === "PATCH").map((r) => r.body),
      [{ vatin: "DE999999999" }, { vatin: "DE999999999" }],
    );
  });

  it("gives up after maxAttempts with an API error that says how often it tried", async () => {
    emu.injectFault({ method: "GET", path: BILLING_101, kind: "status", status: 503, times: Infinity });
    const client = clientFor(emu, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    const error = await failure(
      client.request(read101),
      EmnifyApiError,
      "reading billing config for organisation 101 failed: GET /api/v1/organisation/101/billing_config " +
        "answered 503: Service Unavailable [gave up after 3 attempts]",
    );
    assert.deepEqual(
      [error.status, error.attempts, error.operation, error.orgId, error.method, error.path],
      [503, 3, "reading billing config", 101, "GET", BILLING_101],
    );
    assert.equal(emu.count({ method: "GET", path: BILLING_101 }), 3);
    assert.equal(client.stats.retries, 2);
  });

  it("gives up on connection resets with a network error carrying the low-level code", async () => {
    emu.injectFault({ method: "GET", path: BILLING_101, kind: "reset", times: Infinity });
    const client = clientFor(emu, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await assert.rejects(client.request(read101), (error: unknown) => {
      assert.ok(error instanceof EmnifyNetworkError);
      assert.equal(error.code, "ECONNRESET");
      assert.equal(error.attempts, 2);
      assert.match(
        error.message,
        /^reading billing config for organisation 101 failed: GET \/api\/v1\/organisation\/101\/billing_config got no answer: (read ECONNRESET|socket hang up) \[gave up after 2 attempts\]$/,
      );
      assert.ok(error.cause instanceof Error);
      assert.equal((error.cause as Error & { code?: string }).code, "ECONNRESET");
      assert.equal(Object.keys(error.cause).includes("config"), false, "no axios config (and headers) in the cause");
      return true;
    });
  });

  it("limits each attempt to timeoutMs and reports a timeout that persists", async () => {
    emu.injectFault({ method: "GET", path: BILLING_101, kind: "timeout", times: Infinity });
    const client = clientFor(emu, { timeoutMs: 300, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const error = await failure(
      client.request(read101),
      EmnifyNetworkError,
      "reading billing config for organisation 101 failed: GET /api/v1/organisation/101/billing_config " +
        "got no answer: no complete answer within 300 ms [gave up after 2 attempts]",
    );
    assert.equal(error.code, "ETIMEDOUT");
    assert.equal(emu.count({ method: "GET", path: BILLING_101 }), 2);
  });

  it("reports a body that stays malformed as a response error", async () => {
    emu.injectFault({ method: "GET", path: BILLING_101, kind: "malformed", times: Infinity });
    const client = clientFor(emu, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await failure(
      client.request(read101),
      EmnifyResponseError,
      "reading billing config for organisation 101 failed: GET /api/v1/organisation/101/billing_config " +
        "answered 200 with an unexpected body: the body is not valid JSON (17 characters) [gave up after 2 attempts]",
    );
  });

  it("stops retrying when the time budget is spent, with full-jitter waits drawn from the injected random source", async () => {
    emu.injectFault({ method: "GET", path: BILLING_101, kind: "status", status: 500, times: Infinity });
    const clock = steppingClock();
    const client = clientFor(emu, {
      clock,
      random: () => 0.999,
      retry: { maxAttempts: 10, baseDelayMs: 400, maxDelayMs: 20_000, maxElapsedMs: 1000 },
    });
    await assert.rejects(client.request(read101), { name: "EmnifyApiError", message: /\[gave up after 3 attempts\]$/ });
    // 0.999 of 400 ms, then 0.999 of 800 ms cut to the 601 ms left of the budget.
    assert.deepEqual(clock.slept, [399, 601]);
  });

  const retryAfterCases = [
    { title: "waits as long as Retry-After says instead of its own backoff", retryAfterSeconds: 7, maxDelayMs: 20_000, slept: 7000 },
    { title: "caps a Retry-After longer than maxDelayMs", retryAfterSeconds: 600, maxDelayMs: 3000, slept: 3000 },
  ];
  for (const { title, retryAfterSeconds, maxDelayMs, slept } of retryAfterCases) {
    it(title, async () => {
      emu.injectFault({ method: "GET", path: BILLING_101, kind: "status", status: 503, retryAfterSeconds, times: 1 });
      const clock = steppingClock();
      const client = clientFor(emu, { clock, retry: { maxDelayMs } });
      await client.request(read101);
      assert.deepEqual(clock.slept, [slept]);
    });
  }

  it("pauses the pacer for the Retry-After of a 429", async () => {
    emu.injectFault({ method: "GET", path: BILLING_101, kind: "status", status: 429, retryAfterSeconds: 1, times: 1 });
    const clock = steppingClock();
    // The pacer on a clock of its own, which moves only by the pacer's own waits.
    const pacerClock = new VirtualClock();
    const pacer = new RequestPacer({ requests: 100, windowMs: 60_000, maxConcurrency: 8 }, pacerClock);
    const throttledAt: number[] = [];
    const startedAt: number[] = [];
    const throttled = pacer.throttled.bind(pacer);
    pacer.throttled = (retryAfterMs, sentAt) => {
      throttledAt.push(pacerClock.now());
      throttled(retryAfterMs, sentAt);
    };
    const run = pacer.run.bind(pacer);
    pacer.run = (task, opts) => run(() => (startedAt.push(pacerClock.now()), task()), opts);
    const client = clientFor(emu, { clock, pacer, retry: { maxDelayMs: 5000 } });
    await client.request(read101);
    assert.deepEqual(clock.slept, [1000]);
    // The retry (the last start) waited out the pause on the pacer's clock.
    assert.equal(startedAt.length, client.stats.requests);
    assert.equal(throttledAt.length, 1);
    const retryStart = startedAt[startedAt.length - 1];
    assert.ok(retryStart >= throttledAt[0] + 1000, `the retry started ${retryStart - throttledAt[0]} ms after the 429`);
    const { started, throttledSignals, rateCuts } = pacer.stats;
    assert.deepEqual({ started, throttledSignals, rateCuts }, { started: client.stats.requests, throttledSignals: 1, rateCuts: 1 });
  });

  it("does not retry other 4xx answers", async () => {
    const client = clientFor(emu);
    await assert.rejects(client.request({ ...read101, path: "/api/v1/organisation/999/billing_config", orgId: 999 }), (error: unknown) => {
      assert.ok(error instanceof EmnifyApiError);
      assert.equal(
        error.message,
        "reading billing config for organisation 999 failed: GET /api/v1/organisation/999/billing_config " +
          "answered 404 InvalidReference: Organisation 999 not found",
      );
      assert.deepEqual([error.status, error.errorCode, error.errorToken, error.attempts], [404, 1401, "InvalidReference", 1]);
      return true;
    });
    assert.equal(emu.count({ path: "/api/v1/organisation/999/billing_config" }), 1);
    assert.equal(client.stats.retries, 0);
  });
});
