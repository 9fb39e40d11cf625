import assert from "node:assert/strict";
import { EmnifyEmulator } from "pulumi-emnify/emulator";
import { authenticate, call, sleep } from "./helpers";

const MY = "/api/v1/organisation/my";
const THROTTLED = { error_code: 1105, error_token: "TooManyRequests", message: "Rate limit exceeded" };

describe("emulator rate limits", () => {
  let emulator: EmnifyEmulator;
  afterEach(async () => {
    await emulator.stop();
  });

  it("passes 5 requests per second, answers the 6th with 429, and passes again once the window has rolled", async () => {
    emulator = await EmnifyEmulator.start({ rateLimit: { requests: 5, windowSeconds: 1 } });
    const jwt = await authenticate(emulator);
    emulator.setRateLimit({ requests: 5, windowSeconds: 1 }); // a fresh window, without the authenticate call
    const first = Date.now();
    for (let i = 0; i < 5; i++) assert.equal((await call(emulator, "GET", MY, { jwt })).status, 200);
    const sixth = await call(emulator, "GET", MY, { jwt });
    assert.equal(sixth.status, 429);
    assert.deepEqual(sixth.json, THROTTLED);
    assert.equal(sixth.headers.get("retry-after"), null);
    // Refused requests do not extend the window.
    assert.equal((await call(emulator, "GET", MY, { jwt })).status, 429);
    // The oldest accepted request arrived after `first`, so 0.9 s after it the window is still full.
    await sleep(first + 900 - Date.now());
    assert.equal((await call(emulator, "GET", MY, { jwt })).status, 429);
    await sleep(first + 1000 + 150 - Date.now());
    assert.equal((await call(emulator, "GET", MY, { jwt })).status, 200);
    assert.equal(emulator.count({ status: 429 }), 3);
  });

  it("uses a rolling window, not a bucket that empties all at once", async () => {
    emulator = await EmnifyEmulator.start({ rateLimit: false });
    const jwt = await authenticate(emulator);
    emulator.setRateLimit({ requests: 5, windowSeconds: 1 });
    const start = Date.now();
    for (let i = 0; i < 3; i++) assert.equal((await call(emulator, "GET", MY, { jwt })).status, 200);
    await sleep(start + 500 - Date.now());
    for (let i = 0; i < 2; i++) assert.equal((await call(emulator, "GET", MY, { jwt })).status, 200);
    assert.equal((await call(emulator, "GET", MY, { jwt })).status, 429);
    // At 1.2 s the first three have left the window, the two from 0.5 s have not.
    await sleep(start + 1200 - Date.now());
    for (let i = 0; i < 3; i++) assert.equal((await call(emulator, "GET", MY, { jwt })).status, 200);
    assert.equal((await call(emulator, "GET", MY, { jwt })).status, 429);
  });

  it("adds Retry-After in whole seconds, rounded up, when sendRetryAfter is set", async () => {
    emulator = await EmnifyEmulator.start({ rateLimit: { requests: 1, windowSeconds: 2 }, sendRetryAfter: true });
    assert.equal((await call(emulator, "GET", MY)).status, 401);
    const throttled = await call(emulator, "GET", MY);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get("retry-after"), "2");
    assert.deepEqual(throttled.json, THROTTLED);
  });

  it("limits authenticate separately with authRateLimit", async () => {
    emulator = await EmnifyEmulator.start({ authRateLimit: { requests: 2, windowSeconds: 60 } });
    await authenticate(emulator);
    const jwt = await authenticate(emulator);
    const third = await call(emulator, "POST", "/api/v1/authenticate", { body: { application_token: "whatever" } });
    assert.equal(third.status, 429);
    assert.deepEqual(third.json, THROTTLED);
    assert.equal((await call(emulator, "GET", MY, { jwt })).status, 200);
  });

  it("stops limiting after setRateLimit(false)", async () => {
    emulator = await EmnifyEmulator.start({ rateLimit: { requests: 1, windowSeconds: 60 } });
    await call(emulator, "GET", MY);
    assert.equal((await call(emulator, "GET", MY)).status, 429);
    emulator.setRateLimit(false);
    for (let i = 0; i < 10; i++) assert.equal((await call(emulator, "GET", MY)).status, 401);
  });
});
