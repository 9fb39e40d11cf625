import assert from "node:assert/strict";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "pulumi-emnify/emulator";
import { assertApiError, authenticate, call, jwtPayload, sleep, useEmulator } from "./helpers";

const AUTH = "/api/v1/authenticate";
const MY = "/api/v1/organisation/my";
/** emnify's API gateway answers a missing, bad or expired JWT alike (recorded traffic). */
const GATEWAY_401 = { message: "Unauthorized" };
const LOCKED_BODY = {
  error_code: 1105,
  error_token: "TooManyRequests",
  message: "Too many failed authentication attempts (3): locked for 300 seconds",
};

describe("emulator authentication", () => {
  const ctx = useEmulator({ jwtLifetimeSeconds: 3600 });

  it("answers a known application token with a JWT whose exp is iat plus the configured lifetime", async () => {
    const before = Math.floor(Date.now() / 1000);
    const answer = await call(ctx.emulator, "POST", AUTH, { body: { application_token: DEMO_APPLICATION_TOKEN } });
    assert.equal(answer.status, 200);
    const body = answer.json as { auth_token: string };
    assert.deepEqual(Object.keys(body), ["auth_token"]);
    const header = JSON.parse(Buffer.from(body.auth_token.split(".")[0], "base64url").toString("utf8")) as unknown;
    assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
    const payload = jwtPayload(body.auth_token);
    assert.equal(payload.exp, (payload.iat as number) + 3600);
    assert.ok((payload.iat as number) >= before && (payload.iat as number) <= before + 1);
    assert.equal(payload["esc.org"], 1);
    assert.equal(typeof payload.sub, "string");
  });

  it("answers an unknown application token with 401 and an empty body", async () => {
    const answer = await call(ctx.emulator, "POST", AUTH, { body: { application_token: "wrong" } });
    assert.equal(answer.status, 401);
    assert.equal(answer.text, "");
  });

  it("answers a body that is not JSON with 400 BadRequest", async () => {
    const answer = await call(ctx.emulator, "POST", AUTH, { rawBody: "{application_token:" });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.json, { error_code: 1000, error_token: "BadRequest", message: "Cannot parse request body as JSON" });
  });

  it("answers a body without application_token with 422 Required", async () => {
    const answer = await call(ctx.emulator, "POST", AUTH, { body: { username: "someone" } });
    assert.equal(answer.status, 422);
    assert.deepEqual(answer.json, {
      error_code: 1400,
      error_token: "InputValidationFailed",
      message: "Validation failed",
      errors: [{ error_code: 1402, error_token: "Required", message: "application_token is required", field: "application_token" }],
    });
  });

  it("locks authentication after 3 failed attempts, refusing even the valid token with 401 and a TooManyRequests body", async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await call(ctx.emulator, "POST", AUTH, { body: { application_token: `wrong-${i}` } });
      assert.equal(answer.status, 401);
    }
    const locked = await call(ctx.emulator, "POST", AUTH, { body: { application_token: DEMO_APPLICATION_TOKEN } });
    assert.equal(locked.status, 401);
    assert.deepEqual(locked.json, LOCKED_BODY);
    assert.equal(locked.headers.get("retry-after"), null);
  });

  it("does not lock after failures that a successful authentication interrupted", async () => {
    for (let i = 0; i < 2; i++) await call(ctx.emulator, "POST", AUTH, { body: { application_token: "wrong" } });
    await authenticate(ctx.emulator);
    for (let i = 0; i < 2; i++) await call(ctx.emulator, "POST", AUTH, { body: { application_token: "wrong" } });
    await authenticate(ctx.emulator);
  });

  it("requires a Bearer JWT on every other route, answering the gateway's bare 401 without one", async () => {
    const answer = await call(ctx.emulator, "GET", MY);
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.json, GATEWAY_401);
    assert.equal(answer.headers.get("x-amzn-errortype"), "UnauthorizedException");
  });

  it("answers a forged or foreign JWT with the gateway's bare 401", async () => {
    const other = await EmnifyEmulator.start();
    try {
      const foreign = await authenticate(other);
      for (const jwt of [foreign, "not.a.jwt", `${foreign.slice(0, -2)}xx`]) {
        const answer = await call(ctx.emulator, "GET", MY, { jwt });
        assert.equal(answer.status, 401);
        assert.deepEqual(answer.json, GATEWAY_401);
      }
    } finally {
      await other.stop();
    }
  });

  it("answers every JWT issued before expireSessions() with the gateway's bare 401, and accepts new ones", async () => {
    const old = await authenticate(ctx.emulator);
    assert.equal((await call(ctx.emulator, "GET", MY, { jwt: old })).status, 200);
    ctx.emulator.expireSessions();
    const expired = await call(ctx.emulator, "GET", MY, { jwt: old });
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.json, GATEWAY_401);
    const fresh = await authenticate(ctx.emulator);
    assert.equal((await call(ctx.emulator, "GET", MY, { jwt: fresh })).status, 200);
  });
});

describe("emulator authentication with short lifetimes", () => {
  it("answers a JWT whose exp has passed with the gateway's bare 401", async () => {
    const emulator = await EmnifyEmulator.start({ jwtLifetimeSeconds: 1 });
    try {
      const jwt = await authenticate(emulator);
      const exp = jwtPayload(jwt).exp as number;
      await sleep(Math.max(0, exp * 1000 - Date.now()) + 50);
      const answer = await call(emulator, "GET", MY, { jwt });
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.json, GATEWAY_401);
    } finally {
      await emulator.stop();
    }
  });

  it("lifts the lockout once its seconds have passed", async () => {
    const emulator = await EmnifyEmulator.start({ lockout: { attempts: 3, seconds: 1 }, sendRetryAfter: true });
    try {
      for (let i = 0; i < 3; i++) await call(emulator, "POST", AUTH, { body: { application_token: "wrong" } });
      const locked = await call(emulator, "POST", AUTH, { body: { application_token: DEMO_APPLICATION_TOKEN } });
      assertApiError(locked, 401, 1105, "TooManyRequests", "Too many failed authentication attempts (3): locked for 1 seconds");
      assert.equal(locked.headers.get("retry-after"), "1");
      await sleep(1050);
      await authenticate(emulator);
    } finally {
      await emulator.stop();
    }
  });

  it("never locks when lockout is false", async () => {
    const emulator = await EmnifyEmulator.start({ lockout: false });
    try {
      for (let i = 0; i < 5; i++) {
        assert.equal((await call(emulator, "POST", AUTH, { body: { application_token: "wrong" } })).status, 401);
      }
      await authenticate(emulator);
    } finally {
      await emulator.stop();
    }
  });

  it("authenticates each configured account into its own organisation", async () => {
    const emulator = await EmnifyEmulator.start({
      accounts: [
        { applicationToken: "token-a", organisationId: 100 },
        { applicationToken: "token-b", organisationId: 200 },
      ],
    });
    try {
      assert.equal(jwtPayload(await authenticate(emulator, "token-a"))["esc.org"], 100);
      const jwt = await authenticate(emulator, "token-b");
      assert.deepEqual((await call(emulator, "GET", MY, { jwt })).json, { id: 200, name: "Demo reseller" });
      const demo = await call(emulator, "POST", AUTH, { body: { application_token: DEMO_APPLICATION_TOKEN } });
      assert.equal(demo.status, 401);
    } finally {
      await emulator.stop();
    }
  });
});
