import assert from "node:assert/strict";
import { Session, jwtExpiry, renewalTime } from "../../provider/client/auth";
import { EmnifyAuthenticationError } from "../../provider/client/errors";

function jwtWith(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}.signature`;
}

describe("reading a JWT's expiry", () => {
  it("reads exp (seconds) as epoch milliseconds", () => {
    assert.equal(jwtExpiry(jwtWith({ iat: 1_700_000_000, exp: 1_700_014_400 })), 1_700_014_400_000);
  });

  it("decodes base64url payloads, including the characters plain base64 spells differently", () => {
    const jwt = jwtWith({ sub: "~~~", exp: 2_000_000_000 });
    assert.match(jwt.split(".")[1], /-/, "the payload uses a character plain base64 spells '+'");
    assert.equal(jwtExpiry(jwt), 2_000_000_000_000);
  });

  it("finds no expiry in a JWT without exp or in something that is not a JWT", () => {
    assert.equal(jwtExpiry(jwtWith({ sub: "x" })), undefined);
    assert.equal(jwtExpiry(jwtWith({ exp: "tomorrow" })), undefined);
    assert.equal(jwtExpiry("not-a-jwt"), undefined);
    assert.equal(jwtExpiry("a.!!!.c"), undefined);
  });
});

describe("deciding when to renew a JWT", () => {
  const receivedAt = 1_700_000_000_000;

  it("renews 60 seconds before a long-lived JWT expires", () => {
    const jwt = jwtWith({ exp: receivedAt / 1000 + 14_400 });
    assert.equal(renewalTime(jwt, receivedAt), receivedAt + 14_400_000 - 60_000);
  });

  it("renews halfway through the life of a JWT that lives less than two minutes", () => {
    const jwt = jwtWith({ exp: receivedAt / 1000 + 10 });
    assert.equal(renewalTime(jwt, receivedAt), receivedAt + 5_000);
  });

  it("keeps a JWT without exp until the API refuses it", () => {
    assert.equal(renewalTime(jwtWith({ sub: "x" }), receivedAt), Number.POSITIVE_INFINITY);
  });

  it("keeps a JWT that looks expired on arrival rather than authenticate for every request", () => {
    const jwt = jwtWith({ exp: receivedAt / 1000 - 5 });
    assert.equal(renewalTime(jwt, receivedAt), Number.POSITIVE_INFINITY);
  });
});

describe("sessions", () => {
  let n = 0;
  /** A base URL no other test uses, since sessions are shared process-wide. */
  const uniqueBase = () => `https://session-test-${++n}.invalid`;

  it("shares one authentication among concurrent callers and caches its JWT", async () => {
    let now = 1_700_000_000_000;
    const session = new Session(uniqueBase(), "token", () => now);
    let calls = 0;
    const jwt = jwtWith({ exp: now / 1000 + 3600 });
    const authenticate = async () => {
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return jwt;
    };
    const tokens = await Promise.all(Array.from({ length: 50 }, () => session.token(authenticate)));
    assert.deepEqual(new Set(tokens), new Set([jwt]));
    assert.equal(await session.token(authenticate), jwt);
    assert.equal(calls, 1);
    now += 3600_000 - 60_000;
    await session.token(authenticate);
    assert.equal(calls, 2, "renewed 60 s before expiry");
  });

  it("shares the JWT between sessions of the same endpoint and token only", async () => {
    const base = uniqueBase();
    const now = () => 0;
    let calls = 0;
    const authenticate = async () => `jwt-${++calls}`;
    assert.equal(await new Session(base, "token", now).token(authenticate), "jwt-1");
    assert.equal(await new Session(base, "token", now).token(authenticate), "jwt-1");
    assert.equal(await new Session(base, "other token", now).token(authenticate), "jwt-2");
    assert.equal(await new Session(uniqueBase(), "token", now).token(authenticate), "jwt-3");
  });

  it("drops a refused JWT only if no newer one replaced it meanwhile", async () => {
    const session = new Session(uniqueBase(), "token", () => 0);
    let calls = 0;
    const authenticate = async () => `jwt-${++calls}`;
    const first = await session.token(authenticate);
    assert.equal(session.invalidate(first), true);
    const second = await session.token(authenticate);
    assert.equal(second, "jwt-2");
    assert.equal(session.invalidate(first), false, "a late 401 for the old JWT");
    assert.equal(await session.token(authenticate), "jwt-2");
    assert.equal(calls, 2);
  });

  it("lets the next caller try again after an authentication that failed", async () => {
    const session = new Session(uniqueBase(), "token", () => 0);
    let calls = 0;
    const authenticate = async () => {
      calls += 1;
      if (calls === 1) throw new Error("503");
      return "jwt";
    };
    await assert.rejects(session.token(authenticate), { message: "503" });
    assert.equal(await session.token(authenticate), "jwt");
  });

  it("refuses every later request with a rejected token without authenticating, in any session", async () => {
    const base = uniqueBase();
    new Session(base, "wrong", () => 0).reject(401, "InvalidCredentials");
    let calls = 0;
    const authenticate = async () => `jwt-${++calls}`;
    await assert.rejects(new Session(base, "wrong", () => 0).token(authenticate), (error: unknown) => {
      assert.ok(error instanceof EmnifyAuthenticationError);
      assert.equal(error.status, 401);
      assert.match(
        error.message,
        /^authenticating with emnify failed: POST \/api\/v1\/authenticate answered 401: InvalidCredentials \(rejected earlier in this run;/,
      );
      return true;
    });
    assert.equal(calls, 0);
    assert.equal(await new Session(base, "right", () => 0).token(authenticate), "jwt-1");
  });
});
