import assert from "node:assert/strict";
import { EmnifyEmulator } from "pulumi-emnify/emulator";
import { authenticate, BILLING_CONFIG, call, useEmulator } from "./helpers";

const MY = "/api/v1/organisation/my";

/** The code of the network error behind fetch's TypeError("fetch failed"). */
async function networkErrorCode(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => assert.fail("expected the request to fail"),
    (e: unknown) => e as Error & { cause?: { code?: string } },
  );
  assert.equal(error.name, "TypeError");
  return error.cause?.code;
}

describe("emulator fault injection", () => {
  const ctx = useEmulator({ organisations: [{ id: 42 }] });
  let jwt: string;
  beforeEach(async () => {
    jwt = await authenticate(ctx.emulator);
    ctx.emulator.clearRequests();
  });

  it("answers a status fault with emnify's error body for that status, for `times` requests, then normally", async () => {
    ctx.emulator.injectFault({ kind: "status", status: 429, path: BILLING_CONFIG(42), times: 2 });
    for (let i = 0; i < 2; i++) {
      const answer = await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt });
      assert.equal(answer.status, 429);
      assert.deepEqual(answer.json, { error_code: 1105, error_token: "TooManyRequests", message: "Rate limit exceeded" });
      assert.equal(answer.headers.get("retry-after"), null);
    }
    assert.equal((await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt })).status, 200);
    assert.deepEqual(
      ctx.emulator.requests.map((r) => [r.status, r.fault]),
      [
        [429, "status"],
        [429, "status"],
        [200, undefined],
      ],
    );
  });

  it("answers 5xx status faults with the gateway's bare message body by default", async () => {
    for (const [status, message] of [
      [500, "Internal Server Error"],
      [502, "Bad Gateway"],
      [503, "Service Unavailable"],
      [504, "Endpoint request timed out"],
    ] as const) {
      ctx.emulator.injectFault({ kind: "status", status });
      const answer = await call(ctx.emulator, "GET", MY, { jwt });
      assert.equal(answer.status, status);
      assert.deepEqual(answer.json, { message });
    }
  });

  it("answers a status fault with the given body and Retry-After, and sends a string body as it is", async () => {
    ctx.emulator.injectFault({ kind: "status", status: 503, body: { message: "down" }, retryAfterSeconds: 7 });
    const json = await call(ctx.emulator, "GET", MY, { jwt });
    assert.equal(json.status, 503);
    assert.equal(json.headers.get("retry-after"), "7");
    assert.deepEqual(json.json, { message: "down" });

    ctx.emulator.injectFault({ kind: "status", status: 401, body: "" });
    const empty = await call(ctx.emulator, "GET", MY, { jwt });
    assert.equal(empty.status, 401);
    assert.equal(empty.text, "");
  });

  it("hits only requests whose method and exact path match", async () => {
    ctx.emulator.injectFault({ kind: "status", status: 500, method: "patch", path: BILLING_CONFIG(42), times: Infinity });
    assert.equal((await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt })).status, 200);
    assert.equal((await call(ctx.emulator, "PATCH", BILLING_CONFIG(1), { jwt, body: {} })).status, 409);
    assert.equal((await call(ctx.emulator, "GET", `${BILLING_CONFIG(42)}?x=1`, { jwt })).status, 200);
    for (let i = 0; i < 3; i++) {
      assert.equal((await call(ctx.emulator, "PATCH", `${BILLING_CONFIG(42)}?x=1`, { jwt, body: {} })).status, 500);
    }
    assert.equal(ctx.emulator.count({ status: 500 }), 3);
  });

  it("matches a RegExp path and applies rules in injection order", async () => {
    ctx.emulator.injectFault({ kind: "status", status: 502, path: /\/billing_config$/g, times: 2 });
    ctx.emulator.injectFault({ kind: "status", status: 503, path: /\/billing_config$/ });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt })).status);
    assert.deepEqual(statuses, [502, 502, 503, 200]);
    assert.equal((await call(ctx.emulator, "GET", MY, { jwt })).status, 200);
  });

  it("resets the connection without answering on a reset fault", async () => {
    ctx.emulator.injectFault({ kind: "reset", path: MY });
    assert.equal(await networkErrorCode(call(ctx.emulator, "GET", MY, { jwt })), "ECONNRESET");
    assert.equal((await call(ctx.emulator, "GET", MY, { jwt })).status, 200);
    assert.deepEqual(
      ctx.emulator.requests.map((r) => [r.status, r.fault]),
      [
        [0, "reset"],
        [200, undefined],
      ],
    );
  });

  it("never answers on a timeout fault, and stop() still returns promptly", async () => {
    const emulator = await EmnifyEmulator.start();
    try {
      emulator.injectFault({ kind: "timeout" });
      const hung = call(emulator, "GET", MY, { signal: AbortSignal.timeout(300) });
      await assert.rejects(hung, { name: "TimeoutError" });
      assert.deepEqual(
        emulator.requests.map((r) => [r.status, r.fault]),
        [[0, "timeout"]],
      );
      // The hung request is never answered: a stop() that waited for it would never return (and
      // mocha's timeout would fail the test). No elapsed-time bound.
      await emulator.stop();
    } finally {
      await emulator.stop();
    }
  });

  it("delays then answers normally on a latency fault", async () => {
    ctx.emulator.injectFault({ kind: "latency", delayMs: 300, path: MY });
    const started = Date.now();
    const answer = await call(ctx.emulator, "GET", MY, { jwt });
    assert.ok(Date.now() - started >= 300, `answered after ${Date.now() - started} ms`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { id: 1, name: "Demo reseller" });
    assert.equal(ctx.emulator.requests[0].fault, "latency");
  });

  it("answers 200 with truncated JSON on a malformed fault", async () => {
    ctx.emulator.injectFault({ kind: "malformed", method: "GET" });
    const answer = await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("content-type"), "application/json");
    assert.equal(answer.text, '{"id": 8, "vatin"');
    assert.equal(answer.json, undefined);
    assert.deepEqual(
      ctx.emulator.requests.map((r) => [r.status, r.fault]),
      [[200, "malformed"]],
    );
  });

  it("stops hitting after clearFaults()", async () => {
    ctx.emulator.injectFault({ kind: "status", status: 500, times: Infinity });
    assert.equal((await call(ctx.emulator, "GET", MY, { jwt })).status, 500);
    ctx.emulator.clearFaults();
    assert.equal((await call(ctx.emulator, "GET", MY, { jwt })).status, 200);
  });

  it("hits with the given probability, in the same sequence for the same seed", async () => {
    async function sequence(seed: number): Promise<number[]> {
      const emulator = await EmnifyEmulator.start({ seed, rateLimit: false });
      try {
        emulator.injectFault({ kind: "status", status: 503, path: MY, probability: 0.5, times: Infinity });
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++) statuses.push((await call(emulator, "GET", MY)).status);
        return statuses;
      } finally {
        await emulator.stop();
      }
    }
    const first = await sequence(1234);
    assert.deepEqual(await sequence(1234), first);
    const hits = first.filter((s) => s === 503).length;
    assert.ok(hits > 0 && hits < 20, `hit ${hits} of 20`);
    assert.deepEqual(new Set(first), new Set([503, 401]));
  });

  it("never hits with probability 0", async () => {
    ctx.emulator.injectFault({ kind: "status", status: 500, probability: 0, times: Infinity });
    for (let i = 0; i < 10; i++) assert.equal((await call(ctx.emulator, "GET", MY, { jwt })).status, 200);
  });

  it("refuses rules it could not apply", () => {
    assert.throws(() => ctx.emulator.injectFault({ kind: "status" }), /needs a status/);
    assert.throws(() => ctx.emulator.injectFault({ kind: "latency" }), /needs delayMs/);
    assert.throws(() => ctx.emulator.injectFault({ kind: "reset", probability: 2 }), /probability/);
  });

  it("delays every answer by latencyMs", async () => {
    const emulator = await EmnifyEmulator.start({ latencyMs: 200 });
    try {
      const started = Date.now();
      assert.equal((await call(emulator, "GET", MY)).status, 401);
      assert.ok(Date.now() - started >= 200, `answered after ${Date.now() - started} ms`);
    } finally {
      await emulator.stop();
    }
  });
});
