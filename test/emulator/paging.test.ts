import assert from "node:assert/strict";
import { EmnifyEmulator } from "pulumi-emnify/emulator";
import { assertApiError, authenticate, call, type HttpAnswer, useEmulator } from "./helpers";

const LIST = "/api/v1/organisation";

/** The caller (1) and children 2..60: 60 organisations. */
const CHILDREN = Array.from({ length: 59 }, (_, i) => ({ id: 2 + i }));

function ids(answer: HttpAnswer): number[] {
  return (answer.json as { id: number }[]).map((o) => o.id);
}

function paging(answer: HttpAnswer): Record<string, string | null> {
  const names = ["x-total-count", "x-total-pages", "x-current-page", "x-count-per-page"];
  return Object.fromEntries(names.map((n) => [n, answer.headers.get(n)]));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("emulator paging of the organisation list, as emnify documents it", () => {
  const ctx = useEmulator({ organisations: CHILDREN });
  let jwt: string;
  beforeEach(async () => {
    jwt = await authenticate(ctx.emulator);
  });

  it("answers the first page of the default size (10) without paging parameters, with the paging headers", async () => {
    const answer = await call(ctx.emulator, "GET", LIST, { jwt });
    assert.deepEqual(ids(answer), range(1, 10));
    assert.deepEqual(paging(answer), { "x-total-count": "60", "x-total-pages": "6", "x-current-page": "1", "x-count-per-page": "10" });
    assert.equal(
      answer.headers.get("link"),
      '</api/v1/organisation?page=1&per_page=10>; rel="first", </api/v1/organisation?page=2&per_page=10>; rel="next", ' +
        '</api/v1/organisation?page=6&per_page=10>; rel="last"',
    );
  });

  it("cuts per_page above the maximum (25) to it, and gives the default for per_page below 1", async () => {
    const big = await call(ctx.emulator, "GET", `${LIST}?page=2&per_page=2500`, { jwt });
    assert.deepEqual(ids(big), range(26, 50));
    assert.deepEqual(paging(big), { "x-total-count": "60", "x-total-pages": "3", "x-current-page": "2", "x-count-per-page": "25" });
    const zero = await call(ctx.emulator, "GET", `${LIST}?per_page=0`, { jwt });
    assert.equal(zero.headers.get("x-count-per-page"), "10");
  });

  it("answers page 1 for a page below 1 and the last page again for a page past the last", async () => {
    const before = await call(ctx.emulator, "GET", `${LIST}?page=0&per_page=25`, { jwt });
    assert.deepEqual([ids(before)[0], before.headers.get("x-current-page")], [1, "1"]);
    const past = await call(ctx.emulator, "GET", `${LIST}?page=9&per_page=25`, { jwt });
    assert.deepEqual(ids(past), range(51, 60));
    assert.equal(past.headers.get("x-current-page"), "3");
  });

  it("follows organisationPageSize", async () => {
    const emulator = await EmnifyEmulator.start({ organisations: CHILDREN, organisationPageSize: { default: 100, maximum: 1000 } });
    try {
      const answer = await call(emulator, "GET", LIST, { jwt: await authenticate(emulator) });
      assert.deepEqual(ids(answer), range(1, 60));
      assert.deepEqual(paging(answer), { "x-total-count": "60", "x-total-pages": "1", "x-current-page": "1", "x-count-per-page": "100" });
    } finally {
      await emulator.stop();
    }
  });

  it("repeats the previous page under the asked page's headers with a repeat-page fault, until it is cleared", async () => {
    ctx.emulator.setPagingFault({ kind: "repeat-page", page: 2 });
    const repeated = await call(ctx.emulator, "GET", `${LIST}?page=2&per_page=25`, { jwt });
    assert.deepEqual([ids(repeated), repeated.headers.get("x-current-page")], [range(1, 25), "2"]);
    ctx.emulator.setPagingFault(undefined);
    assert.deepEqual(ids(await call(ctx.emulator, "GET", `${LIST}?page=2&per_page=25`, { jwt })), range(26, 50));
  });

  it("misstates X-Total-Count with a wrong-total-count fault, and refuses a meaningless fault", async () => {
    ctx.emulator.setPagingFault({ kind: "wrong-total-count", offset: 3 });
    assert.equal((await call(ctx.emulator, "GET", LIST, { jwt })).headers.get("x-total-count"), "63");
    assert.throws(
      () => ctx.emulator.setPagingFault({ kind: "repeat-page", page: 1 }),
      /a "repeat-page" fault needs a page of 2 or more, got 1/,
    );
    assert.throws(() => ctx.emulator.setPagingFault({ kind: "wrong-total-count", offset: 0 }), /non-zero whole offset, got 0/);
  });
});

describe("emulator monthly quota", () => {
  const ctx = useEmulator({ monthlyQuota: 3 });

  it("answers 429 TooManyRequests naming the quota and the first of next month once an organisation used it up", async () => {
    const jwt = await authenticate(ctx.emulator);
    for (let i = 0; i < 3; i++) assert.equal((await call(ctx.emulator, "GET", "/api/v1/organisation/my", { jwt })).status, 200);
    const refused = await call(ctx.emulator, "GET", "/api/v1/organisation/my", { jwt });
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
    assertApiError(
      refused,
      429,
      1105,
      "TooManyRequests",
      `Monthly request quota of 3 requests exceeded for organisation 1; requests are refused until ${next}`,
    );
  });
});
