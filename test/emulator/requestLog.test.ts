import assert from "node:assert/strict";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "pulumi-emnify/emulator";
import { authenticate, BILLING_CONFIG, call, useEmulator } from "./helpers";

describe("emulator request log", () => {
  const ctx = useEmulator({ organisations: [{ id: 42 }] });

  it("records every request in arrival order with method, path without query, status and time", async () => {
    const before = Date.now();
    const jwt = await authenticate(ctx.emulator);
    await call(ctx.emulator, "GET", `${BILLING_CONFIG(42)}?page=2`, { jwt });
    await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, body: { vatin: "DE1" } });
    await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, body: { vatin: 1 } });
    assert.deepEqual(
      ctx.emulator.requests.map(({ method, path, status, body }) => ({ method, path, status, body })),
      [
        { method: "POST", path: "/api/v1/authenticate", status: 200, body: { application_token: "[redacted]" } },
        { method: "GET", path: BILLING_CONFIG(42), status: 200, body: undefined },
        { method: "PATCH", path: BILLING_CONFIG(42), status: 200, body: { vatin: "DE1" } },
        { method: "PATCH", path: BILLING_CONFIG(42), status: 422, body: { vatin: 1 } },
      ],
    );
    for (const entry of ctx.emulator.requests) assert.ok(entry.at >= before && entry.at <= Date.now());
  });

  it("never keeps the application token, the JWT or the Authorization header", async () => {
    const jwt = await authenticate(ctx.emulator);
    await call(ctx.emulator, "POST", "/api/v1/authenticate", { body: { application_token: "wrong-token" } });
    await call(ctx.emulator, "POST", "/api/v1/authenticate", { rawBody: `{"application_token": "${DEMO_APPLICATION_TOKEN}"` });
    await call(ctx.emulator, "GET", "/api/v1/organisation/my", { jwt });
    const log = JSON.stringify(ctx.emulator.requests);
    for (const secret of [DEMO_APPLICATION_TOKEN, "wrong-token", jwt, "Bearer"]) assert.ok(!log.includes(secret), secret);
    assert.deepEqual(
      ctx.emulator.requests.map((r) => r.body),
      [{ application_token: "[redacted]" }, { application_token: "[redacted]" }, "[redacted]", undefined],
    );
  });

  it("keeps an unparseable body of other routes as text", async () => {
    const jwt = await authenticate(ctx.emulator);
    await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, rawBody: "vatin=1" });
    assert.equal(ctx.emulator.requests[1].body, "vatin=1");
  });

  it("counts entries by method, path (exact or RegExp) and status", async () => {
    const jwt = await authenticate(ctx.emulator);
    await call(ctx.emulator, "GET", BILLING_CONFIG(42), { jwt });
    await call(ctx.emulator, "GET", BILLING_CONFIG(43), { jwt });
    await call(ctx.emulator, "PATCH", BILLING_CONFIG(42), { jwt, body: {} });
    assert.equal(ctx.emulator.count(), 4);
    assert.equal(ctx.emulator.count({ method: "get" }), 2);
    assert.equal(ctx.emulator.count({ path: BILLING_CONFIG(42) }), 2);
    assert.equal(ctx.emulator.count({ path: /\/billing_config$/ }), 3);
    assert.equal(ctx.emulator.count({ method: "GET", status: 404 }), 1);
  });

  it("empties the same array on clearRequests()", async () => {
    const log = ctx.emulator.requests;
    await authenticate(ctx.emulator);
    ctx.emulator.clearRequests();
    assert.equal(log.length, 0);
    await call(ctx.emulator, "GET", "/api/v1/organisation/my");
    assert.equal(log.length, 1);
    assert.equal(ctx.emulator.requests, log);
  });

  it("keeps no bodies when logRequestBodies is false", async () => {
    const emulator = await EmnifyEmulator.start({ logRequestBodies: false });
    try {
      await authenticate(emulator);
      assert.deepEqual(
        emulator.requests.map((r) => "body" in r),
        [false],
      );
    } finally {
      await emulator.stop();
    }
  });
});
