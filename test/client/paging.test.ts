import assert from "node:assert/strict";
import { z } from "zod";
import { EmnifyQuotaExceededError } from "../../provider/client/errors";
import { EmnifyPagingError, readAllPages } from "../../provider/client/paging";
import { EmnifyEmulator } from "../../provider/emulator";
import { clientFor, read101 } from "./helpers";

const LIST = "/api/v1/organisation";
const item = z.looseObject({ id: z.number() });

/** The caller (1) and children 2..count+1. */
function children(count: number) {
  return Array.from({ length: count }, (_, i) => ({ id: 2 + i }));
}

/** Checks a rejection: an EmnifyPagingError of listing the organisations, saying `why`. */
function pagingError(why: string) {
  return (error: unknown) => {
    assert.ok(error instanceof EmnifyPagingError);
    assert.equal(error.message, `listing organisations failed: GET /api/v1/organisation paged inconsistently: ${why}`);
    return true;
  };
}

describe("EmnifyClient reading a paged list (against the emulator)", () => {
  let emu: EmnifyEmulator;
  afterEach(async () => {
    await emu?.stop();
  });

  function readList(onPage?: (done: number, total: number) => void) {
    const client = clientFor(emu);
    const result = readAllPages(client, {
      path: LIST,
      operation: "listing organisations",
      item,
      key: (o) => o.id,
      noun: "organisations",
      onPage,
    });
    return { client, result };
  }

  it("reads every page by X-Total-Pages, asking for 2,500 a page and taking the maximum the API grants", async () => {
    emu = await EmnifyEmulator.start({ organisations: children(99) });
    const progress: string[] = [];
    const { client, result } = readList((done, total) => progress.push(`${done}/${total}`));
    const orgs = await result;
    assert.deepEqual(
      orgs.map((o) => o.id),
      Array.from({ length: 100 }, (_, i) => 1 + i),
    );
    assert.deepEqual(progress, ["1/4", "2/4", "3/4", "4/4"]);
    assert.equal(emu.count({ method: "GET", path: LIST }), 4);
    // Pages are ordinary requests: paced and counted like any other.
    assert.equal(client.stats.requests, 5);
  });

  it("reads an answer without paging headers as the whole list", async () => {
    emu = await EmnifyEmulator.start();
    emu.injectFault({ method: "GET", path: LIST, kind: "status", status: 200, body: [{ id: 5 }, { id: 6 }] });
    const { result } = readList();
    assert.deepEqual(await result, [{ id: 5 }, { id: 6 }]);
    assert.equal(emu.count({ method: "GET", path: LIST }), 1);
  });

  it("fails naming both numbers when X-Total-Count disagrees with what the pages held", async () => {
    emu = await EmnifyEmulator.start({ organisations: children(59), pagingFault: { kind: "wrong-total-count", offset: 3 } });
    await assert.rejects(readList().result, pagingError("the 3 pages (X-Total-Pages) held 60 organisations, but X-Total-Count says 63"));
  });

  it("fails when a page repeats an earlier one, without reading further", async () => {
    emu = await EmnifyEmulator.start({ organisations: children(99), pagingFault: { kind: "repeat-page", page: 3 } });
    await assert.rejects(readList().result, pagingError("page 3 of 4 repeats page 2 (the same 25 organisations)"));
    assert.equal(emu.count({ method: "GET", path: LIST }), 3);
  });

  it("fails when the total changes between pages, saying the list changed while it was read", async () => {
    emu = await EmnifyEmulator.start({ organisations: children(59) });
    const reading = readList((done) => {
      if (done === 1) emu.seedOrganisation({ id: 500 });
    });
    await assert.rejects(
      reading.result,
      pagingError("X-Total-Count was 60 on page 1 and 61 on page 2: the organisations changed while they were being listed; run again"),
    );
  });
});

describe("EmnifyClient and the monthly quota (against the emulator)", () => {
  let emu: EmnifyEmulator;
  afterEach(async () => {
    await emu?.stop();
  });

  it("does not retry a 429 that the API says is the monthly quota, and says so", async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }], monthlyQuota: 1 });
    const client = clientFor(emu);
    await client.request(read101);
    await assert.rejects(client.request(read101), (error: unknown) => {
      assert.ok(error instanceof EmnifyQuotaExceededError);
      assert.match(
        error.message,
        /^reading billing config for organisation 101 failed: GET \/api\/v1\/organisation\/101\/billing_config answered 429 TooManyRequests: Monthly request quota of 1 requests exceeded for organisation 1; requests are refused until \d{4}-\d{2}-01\. This is emnify's monthly request quota, not the short-term rate limit: it is not retried, because emnify refuses requests until the first of next month \(contact emnify support to raise it\)$/,
      );
      assert.deepEqual([error.status, error.attempts], [429, 1]);
      return true;
    });
    assert.deepEqual([client.stats.retries, client.stats.throttled], [0, 1]);
  });
});
