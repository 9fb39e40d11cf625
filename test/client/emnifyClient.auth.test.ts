import assert from "node:assert/strict";
import { EmnifyApiError, EmnifyAuthenticationError } from "../../provider/client/errors";
import { RequestPacer } from "../../provider/client/pacer";
import { BILLING_101, clientFor, failure, read101 } from "./helpers";
import { EmnifyEmulator } from "../../provider/emulator";

const AUTHENTICATE = { method: "POST", path: "/api/v1/authenticate" };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("EmnifyClient authentication (against the emulator)", () => {
  let emu: EmnifyEmulator;

  afterEach(async () => {
    await emu?.stop();
  });

  it("authenticates once for 50 concurrent requests", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
    const client = clientFor(emu);
    const results = await Promise.all(Array.from({ length: 50 }, () => client.request(read101)));
    assert.equal(results.length, 50);
    assert.equal(emu.count(AUTHENTICATE), 1);
    assert.equal(emu.count({ method: "GET", path: BILLING_101, status: 200 }), 50);
    assert.deepEqual(client.stats, { requests: 51, authenticateCalls: 1, retries: 0, throttled: 0, reauthentications: 0 });
  });

  it("reuses the JWT for later requests, from other client instances too", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
    const pacer = new RequestPacer({ requests: 10_000, windowMs: 1000, maxConcurrency: 8 });
    await clientFor(emu, { pacer }).request(read101);
    await clientFor(emu, { pacer }).request(read101);
    await clientFor(emu, { pacer }).request(read101);
    assert.equal(emu.count(AUTHENTICATE), 1);
  });

  it("renews a short-lived JWT before it expires instead of waiting for a 401", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }], jwtLifetimeSeconds: 2 });
    const client = clientFor(emu);
    await client.request(read101);
    // The JWT lives 1-2 s (exp is in whole seconds); the client renews halfway, so by 1.1 s it must.
    await sleep(1100);
    await client.request(read101);
    assert.equal(emu.count(AUTHENTICATE), 2);
    assert.equal(emu.count({ status: 401 }), 0);
    assert.equal(client.stats.reauthentications, 0);
  });

  it("renews the JWT 60 seconds before its expiry by the client's clock", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] }); // JWTs live 4 hours
    let offsetMs = 0;
    const client = clientFor(emu, {
      clock: { now: () => Date.now() + offsetMs, sleep: (ms) => sleep(ms) },
    });
    await client.request(read101);
    offsetMs = 4 * 3600_000 - 120_000;
    await client.request(read101);
    assert.equal(emu.count(AUTHENTICATE), 1, "two minutes before expiry the JWT is still used");
    offsetMs = 4 * 3600_000 - 55_000;
    await client.request(read101);
    assert.equal(emu.count(AUTHENTICATE), 2);
  });

  it("re-authenticates once and repeats the request when the API refuses the JWT mid-run", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
    const client = clientFor(emu);
    await client.request(read101);
    emu.expireSessions();
    await client.request(read101);
    assert.equal(emu.count(AUTHENTICATE), 2);
    assert.equal(emu.count({ method: "GET", path: BILLING_101, status: 401 }), 1);
    assert.equal(emu.count({ method: "GET", path: BILLING_101, status: 200 }), 2);
    assert.equal(client.stats.reauthentications, 1);
  });

  it("re-authenticates once for many concurrent requests refused together", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
    const client = clientFor(emu);
    await client.request(read101);
    emu.expireSessions();
    await Promise.all(Array.from({ length: 20 }, () => client.request(read101)));
    assert.equal(emu.count(AUTHENTICATE), 2);
    assert.equal(emu.count({ method: "GET", path: BILLING_101, status: 200 }), 21);
    assert.equal(client.stats.reauthentications, 1);
  });

  it("reports a second 401 for the same request as an API error, reading the gateway's bare body", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
    emu.injectFault({ method: "GET", path: BILLING_101, kind: "status", status: 401, times: 2 });
    const client = clientFor(emu);
    const error = await failure(
      client.request(read101),
      EmnifyApiError,
      "reading billing config for organisation 101 failed: GET /api/v1/organisation/101/billing_config " +
        "answered 401: Unauthorized [gave up after 2 attempts]",
    );
    assert.equal(error.errorCode, undefined);
    assert.equal(emu.count(AUTHENTICATE), 2);
    assert.equal(emu.count({ method: "GET", path: BILLING_101 }), 2);
  });

  it("tries a wrong token once for 100 concurrent requests, never again in the process, and does not lock the account", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
    const wrong = clientFor(emu, { applicationToken: "wrong-application-token-0123456789" });
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, () => wrong.request(read101)));
    assert.equal(emu.count(AUTHENTICATE), 1);
    assert.equal(wrong.stats.authenticateCalls, 1);
    const first = outcomes[0];
    assert.ok(first?.status === "rejected");
    assert.ok(first.reason instanceof EmnifyAuthenticationError);
    assert.equal(
      first.reason.message,
      "authenticating with emnify failed: POST /api/v1/authenticate answered 401. Check the application token set with " +
        "'pulumi config set --secret emnify:applicationToken' or the EMNIFY_APPLICATION_TOKEN environment variable; " +
        "emnify locks the account for 5 minutes after 3 failed attempts, so it is not retried.",
    );
    assert.ok(outcomes.every((o) => o.status === "rejected" && o.reason instanceof EmnifyAuthenticationError));

    // A new client instance with the same token (another resource of the stack) does not try again.
    const again = clientFor(emu, { applicationToken: "wrong-application-token-0123456789" });
    await assert.rejects(again.request(read101), (error: unknown) => {
      assert.ok(error instanceof EmnifyAuthenticationError);
      assert.equal(error.status, 401);
      assert.match(error.message, /answered 401 \(rejected earlier in this run; not sent again, to avoid locking the account\)\. Check/);
      return true;
    });
    assert.equal(emu.count(AUTHENTICATE), 1);
    assert.equal(again.stats.requests, 0);

    // One failure is far from the lockout: the right token still works.
    await clientFor(emu).request(read101);
    assert.equal(emu.count({ ...AUTHENTICATE, status: 200 }), 1);
    assert.equal(emu.count({ status: 429 }), 0);
  });

  it("retries an authentication that fails on the server side", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
    emu.injectFault({ ...AUTHENTICATE, kind: "status", status: 503, times: 2 });
    const client = clientFor(emu);
    await client.request(read101);
    assert.equal(emu.count(AUTHENTICATE), 3);
    assert.equal(client.stats.retries, 2);
    assert.equal(client.stats.authenticateCalls, 3);
  });

  it("reports a lockout (401 with a TooManyRequests body) as a lock until about when, never retried or sent again", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }], lockout: { attempts: 1, seconds: 300 } });
    // Someone else's wrong token locks the account (the emulator: the source IP).
    await assert.rejects(clientFor(emu, { applicationToken: "someone-elses-wrong-token" }).request(read101));
    const now = Date.parse("2026-11-30T20:40:10Z");
    const client = clientFor(emu, { clock: { now: () => now, sleep: async () => undefined } });
    const lockedMessage = (remembered: string) =>
      "authenticating with emnify failed: POST /api/v1/authenticate answered 401: TooManyRequests: " +
      "Too many failed authentication attempts (1): locked for 300 seconds. The emnify account is locked after repeated " +
      `failed authentications, until about 20:45 UTC (emnify locks it for 5 minutes)${remembered}. Not retried: try again ` +
      "after that, and check that nothing else authenticates with a wrong application token.";
    await assert.rejects(client.request(read101), (error: unknown) => {
      assert.ok(error instanceof EmnifyAuthenticationError);
      assert.equal(error.message, lockedMessage(""));
      assert.deepEqual([error.status, error.lockedUntil], [401, now + 300_000]);
      return true;
    });
    await assert.rejects(
      Promise.all([client.request(read101), clientFor(emu).request(read101)]),
      (error: unknown) =>
        error instanceof Error && error.message === lockedMessage("; found locked earlier in this run, so not sent again"),
    );
    assert.equal(emu.count(AUTHENTICATE), 2);
    assert.deepEqual([client.stats.authenticateCalls, client.stats.retries, client.stats.throttled], [1, 0, 0]);
  });

  it("reports an authentication that keeps failing in the words of the request that needed it", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
    emu.injectFault({ ...AUTHENTICATE, kind: "status", status: 503, times: Infinity });
    const error = await failure(
      clientFor(emu, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).request(read101),
      EmnifyApiError,
      "authenticating before reading billing config for organisation 101 failed: POST /api/v1/authenticate " +
        "answered 503: Service Unavailable [gave up after 2 attempts]",
    );
    assert.equal(error.attempts, 2);
  });
});
