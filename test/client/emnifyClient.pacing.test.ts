import assert from "node:assert/strict";
import { EmnifyClient } from "../../provider/client/emnifyClient";
import { RequestPacer } from "../../provider/client/pacer";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "../../provider/emulator";

describe("EmnifyClient pacing (against a rate-limited emulator)", () => {
  let emu: EmnifyEmulator;

  afterEach(async () => {
    await emu?.stop();
  });

  /**
   * Starts an emulator allowing 20 requests per second with 100 organisations, and reads them all
   * at once with one client per organisation, as the provider does: they share the pacer and the session.
   */
  async function readHundredOrganisations(pacer: RequestPacer): Promise<PromiseSettledResult<unknown>[]> {
    const ids = Array.from({ length: 100 }, (_, i) => 1000 + i);
    emu = await EmnifyEmulator.start({ organisations: ids.map((id) => ({ id })), rateLimit: { requests: 20, windowSeconds: 1 } });
    return Promise.allSettled(
      ids.map((id) =>
        new EmnifyClient({ endpoint: emu.url, applicationToken: DEMO_APPLICATION_TOKEN, pacer }).request({
          method: "GET",
          path: `/api/v1/organisation/${id}/billing_config`,
          operation: "reading billing config",
          orgId: id,
        }),
      ),
    );
  }

  it("finishes 100 concurrent requests for 100 organisations told the API's limit, without failures and without a single 429", async function () {
    // 101 requests at 20 per second take about 5 s. The pacer counts a request from its start until
    // a window after its answer, which covers the moment the API counted it: told the limit, it
    // never meets it.
    this.timeout(90_000);
    const pacer = new RequestPacer({ requests: 20, windowMs: 1000, maxConcurrency: 8 });
    const results = await readHundredOrganisations(pacer);
    const failures = results.filter((r) => r.status === "rejected");
    assert.deepEqual(failures, []);
    const useful = emu.count({ status: 200 });
    const throttled = emu.count({ status: 429 });
    assert.equal(useful, 101, "100 reads and 1 authentication");
    assert.equal(throttled, 0, `${throttled} requests answered 429`);
    assert.equal(emu.requests.length, 101);
    assert.equal(emu.count({ method: "POST", path: "/api/v1/authenticate" }), 1);
    assert.equal(pacer.stats.started, emu.requests.length, "every request went through the pacer");
    assert.equal(pacer.stats.throttledSignals, 0);
  });

  it("adapts when the API allows less than the pacer was told, still finishing every request", async function () {
    // Another program on the same IP, or a wrong setting: the pacer learns from the 429s.
    this.timeout(90_000);
    const pacer = new RequestPacer({ requests: 100, windowMs: 1000, maxConcurrency: 8 });
    const results = await readHundredOrganisations(pacer);
    assert.deepEqual(
      results.filter((r) => r.status === "rejected"),
      [],
    );
    const useful = emu.count({ status: 200 });
    const throttled = emu.count({ status: 429 });
    assert.equal(useful, 101);
    assert.ok(throttled > 0, "the emulator did throttle");
    assert.ok(throttled <= useful, `${throttled} throttled vs ${useful} useful`);
    assert.equal(pacer.stats.throttledSignals, throttled);
  });
});
