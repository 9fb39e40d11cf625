import assert from "node:assert/strict";
import { assertApiError, authenticate, call, useEmulator } from "./helpers";

const VOLUMES = [{ id: 11, volume: 1024, unit: "MB" }];

describe("emulator organisation routes", () => {
  const ctx = useEmulator({
    organisations: [
      { id: 30, name: "Customer C" },
      { id: 10, name: "Customer A", inclusiveVolumes: VOLUMES },
      { id: 20 },
      { id: 99, parentId: 10, name: "Grandchild" },
    ],
  });
  let jwt: string;
  beforeEach(async () => {
    jwt = await authenticate(ctx.emulator);
  });

  it("answers GET /organisation/my with the caller's organisation", async () => {
    const answer = await call(ctx.emulator, "GET", "/api/v1/organisation/my", { jwt });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { id: 1, name: "Demo reseller" });
  });

  it("lists the caller and its direct children, sorted by id, each child naming its parent in relation", async () => {
    const answer = await call(ctx.emulator, "GET", "/api/v1/organisation", { jwt });
    assert.equal(answer.status, 200);
    const customerOf = { id: 1, type: { description: "Customer of" } };
    assert.deepEqual(answer.json, [
      { id: 1, name: "Demo reseller" },
      { id: 10, name: "Customer A", relation: customerOf },
      { id: 20, name: "Organisation 20", relation: customerOf },
      { id: 30, name: "Customer C", relation: customerOf },
    ]);
    assert.deepEqual(
      ["x-total-count", "x-total-pages", "x-current-page", "x-count-per-page"].map((h) => answer.headers.get(h)),
      ["4", "1", "1", "10"],
    );
  });

  it("answers the active inclusive volumes of a child, as seeded and as changed later", async () => {
    const seeded = await call(ctx.emulator, "GET", "/api/v1/organisation/10/inclusive_volume/active", { jwt });
    assert.equal(seeded.status, 200);
    assert.deepEqual(seeded.json, VOLUMES);
    ctx.emulator.setInclusiveVolumes(10, []);
    const cleared = await call(ctx.emulator, "GET", "/api/v1/organisation/10/inclusive_volume/active", { jwt });
    assert.deepEqual(cleared.json, []);
  });

  it("refuses the inclusive volumes of a grandchild with 403, since only direct children are managed", async () => {
    const answer = await call(ctx.emulator, "GET", "/api/v1/organisation/99/inclusive_volume/active", { jwt });
    assertApiError(answer, 403, 1104, "Forbidden", "Organisation 99 is not managed by organisation 1");
  });

  it("answers an unknown route with 404 NotFound, even without a token", async () => {
    const answer = await call(ctx.emulator, "GET", "/api/v1/organisation/10/stats?x=1");
    assertApiError(answer, 404, 1201, "NotFound", "No route for GET /api/v1/organisation/10/stats");
  });

  it("answers a wrong method on a known route with 405 and an Allow header", async () => {
    const answer = await call(ctx.emulator, "PUT", "/api/v1/organisation/10/billing_config", { jwt, body: {} });
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.get("allow"), "GET, PATCH");
    assert.deepEqual(answer.json, {
      error_token: "MethodNotAllowed",
      message: "PUT is not allowed on /api/v1/organisation/10/billing_config; use GET, PATCH",
    });
    const auth = await call(ctx.emulator, "GET", "/api/v1/authenticate");
    assert.equal(auth.status, 405);
    assert.equal(auth.headers.get("allow"), "POST");
  });
});
