import assert from "node:assert/strict";
import { EmnifyEmulator } from "pulumi-emnify/emulator";
import { BILLING_CONFIG, authenticate, call, sleep } from "./helpers";

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

  describe("limits on paths", () => {
    const organisations = [101, 102, 103].map((id) => ({ id }));
    const BILLING_LIMIT = { path: "/api/v1/organisation/:id/billing_config", requests: 3, windowSeconds: 60 };

    it("counts the billing configs of every organisation together, and leaves other paths alone", async () => {
      emulator = await EmnifyEmulator.start({ organisations, pathRateLimits: [BILLING_LIMIT] });
      const jwt = await authenticate(emulator);
      const statuses: number[] = [];
      for (const id of [101, 102, 103, 101]) statuses.push((await call(emulator, "GET", BILLING_CONFIG(id), { jwt })).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const refused = await call(emulator, "PATCH", BILLING_CONFIG(102), { jwt, body: { vatin: "DE1" } });
      assert.deepEqual([refused.status, refused.json], [429, THROTTLED]);
      assert.equal((await call(emulator, "GET", MY, { jwt })).status, 200, "another path is not limited");
    });

    it("limits only the method it names", async () => {
      emulator = await EmnifyEmulator.start({ organisations, pathRateLimits: [{ ...BILLING_LIMIT, method: "patch", requests: 1 }] });
      const jwt = await authenticate(emulator);
      assert.equal((await call(emulator, "PATCH", BILLING_CONFIG(101), { jwt, body: { vatin: "DE1" } })).status, 200);
      assert.equal((await call(emulator, "PATCH", BILLING_CONFIG(102), { jwt, body: { vatin: "DE2" } })).status, 429);
      assert.equal((await call(emulator, "GET", BILLING_CONFIG(102), { jwt })).status, 200);
    });

    it("matches a RegExp against the path, and every path when none is given", async () => {
      emulator = await EmnifyEmulator.start({
        organisations,
        rateLimit: false,
        pathRateLimits: [
          { path: /\/organisation\/10[12]\//, requests: 1, windowSeconds: 60 },
          { requests: 4, windowSeconds: 60 },
        ],
      });
      const jwt = await authenticate(emulator); // 1 of the 4
      const statuses: number[] = [];
      for (const id of [101, 102, 103, 103, 103]) statuses.push((await call(emulator, "GET", BILLING_CONFIG(id), { jwt })).status);
      assert.deepEqual(statuses, [200, 429, 200, 200, 429]);
    });

    it("counts a request refused by a path limit against no limit, not even the per-IP one", async () => {
      emulator = await EmnifyEmulator.start({
        organisations,
        rateLimit: { requests: 4, windowSeconds: 60 },
        pathRateLimits: [{ ...BILLING_LIMIT, requests: 1 }],
      });
      const jwt = await authenticate(emulator); // 1 of the per-IP 4
      for (let i = 0; i < 5; i += 1) await call(emulator, "GET", BILLING_CONFIG(101), { jwt }); // 1 accepted, 4 refused
      assert.equal(emulator.count({ status: 429 }), 4);
      assert.equal((await call(emulator, "GET", MY, { jwt })).status, 200);
      assert.equal((await call(emulator, "GET", MY, { jwt })).status, 200);
      assert.equal(
        (await call(emulator, "GET", MY, { jwt })).status,
        429,
        "the per-IP limit counted 4: authenticate, one billing config, two reads",
      );
    });

    it("answers a short-term limit with a per-second window, and tightens when told mid-run", async () => {
      emulator = await EmnifyEmulator.start({ organisations, pathRateLimits: [{ ...BILLING_LIMIT, requests: 2, windowSeconds: 1 }] });
      const jwt = await authenticate(emulator);
      const start = Date.now();
      const first = [];
      for (let i = 0; i < 3; i += 1) first.push((await call(emulator, "GET", BILLING_CONFIG(101), { jwt })).status);
      assert.deepEqual(first, [200, 200, 429]);
      await sleep(start + 1150 - Date.now());
      assert.equal((await call(emulator, "GET", BILLING_CONFIG(101), { jwt })).status, 200, "the second has rolled");
      emulator.setPathRateLimits([{ ...BILLING_LIMIT, requests: 1, windowSeconds: 1 }]);
      const tightened = [];
      for (let i = 0; i < 2; i += 1) tightened.push((await call(emulator, "GET", BILLING_CONFIG(101), { jwt })).status);
      assert.deepEqual(tightened, [200, 429]);
    });
  });
});
