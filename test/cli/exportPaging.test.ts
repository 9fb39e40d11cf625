/**
 * `export --children` against emnify's documented paging, lockout and monthly quota, run as a user
 * runs it (the built command) against the emulator.
 */
import assert from "node:assert/strict";
import { EmnifyEmulator, type EmulatorOptions } from "pulumi-emnify/emulator";
import { parseOrganisationsFile } from "../../provider/billing/organisationsFile";
import { assertFailedWith, BILLING_CONFIG_PATH, emulatorEnv, LEFT_OUT_OWN, runCli } from "./helpers";

const LIST = "/api/v1/organisation";

describe("pulumi-emnify export --children across pages, locks, quotas and undocumented payment data", function () {
  this.timeout(120_000);
  let emulator: EmnifyEmulator | undefined;
  afterEach(async () => {
    await emulator?.stop();
    emulator = undefined;
  });

  /** The demo reseller (1) and `count` children from 1001. */
  async function start(count: number, options: EmulatorOptions = {}): Promise<EmnifyEmulator> {
    emulator = await EmnifyEmulator.start({
      organisations: Array.from({ length: count }, (_, i) => ({ id: 1001 + i, name: `Customer ${i + 1}` })),
      ...options,
    });
    return emulator;
  }

  it("exports all 2,500 children of a reseller, reading every page of the list by X-Total-Pages", async () => {
    const emu = await start(2500, { rateLimit: false });
    const run = await runCli(["export", "--children", "--format", "json"], emulatorEnv(emu, { EMNIFY_RATE_LIMIT: "100000/1" }));
    assert.deepEqual([run.status, run.stderr], [0, LEFT_OUT_OWN]);
    const ids = parseOrganisationsFile(run.stdout, "orgs.json").map((entry) => entry.args.orgId);
    assert.deepEqual(
      ids,
      Array.from({ length: 2500 }, (_, i) => 1001 + i),
    );
    // 2,501 organisations (the caller too) at the emulator's maximum of 25 a page.
    assert.equal(emu.count({ method: "GET", path: LIST }), 101);
    assert.equal(emu.count({ method: "GET", path: BILLING_CONFIG_PATH }), 2500);
    assert.ok(emu.requests.filter((r) => r.path === LIST).every((r) => r.status === 200));
  });

  it("fails clearly and writes nothing when a page repeats the one before", async () => {
    const emu = await start(80, { pagingFault: { kind: "repeat-page", page: 3 } });
    const run = await runCli(["export", "--children"], emulatorEnv(emu));
    assertFailedWith(
      run,
      "error: listing organisations failed: GET /api/v1/organisation paged inconsistently: page 3 of 4 repeats page 2 (the same 25 organisations)\n",
    );
    assert.equal(emu.count({ method: "GET", path: BILLING_CONFIG_PATH }), 0);
  });

  it("fails naming both numbers when X-Total-Count disagrees with the pages", async () => {
    const emu = await start(80, { pagingFault: { kind: "wrong-total-count", offset: -2 } });
    const run = await runCli(["export", "--children"], emulatorEnv(emu));
    assertFailedWith(
      run,
      "error: listing organisations failed: GET /api/v1/organisation paged inconsistently: the 4 pages (X-Total-Pages) held 81 organisations, but X-Total-Count says 79\n",
    );
  });

  it("says the account is locked and until about when, not that the token is wrong, and sends it once", async () => {
    const emu = await start(3, { lockout: { attempts: 1, seconds: 300 } });
    const wrong = await runCli(["export", "--children"], emulatorEnv(emu, { EMNIFY_APPLICATION_TOKEN: "not-the-token" }));
    assert.match(
      wrong.stderr,
      /^error: authenticating with emnify failed: POST \/api\/v1\/authenticate answered 401\. Check the application token/,
    );
    const before = Date.now();
    const locked = await runCli(["export", "--children"], emulatorEnv(emu));
    const after = Date.now();
    assert.deepEqual([locked.status, locked.stdout], [1, ""]);
    const match =
      /^error: authenticating with emnify failed: POST \/api\/v1\/authenticate answered 401: TooManyRequests: Too many failed authentication attempts \(1\): locked for 300 seconds\. The emnify account is locked after repeated failed authentications, until about (\d\d):(\d\d) UTC \(emnify locks it for 5 minutes\)\. Not retried: try again after that, and check that nothing else authenticates with a wrong application token\.\n$/.exec(
        locked.stderr,
      );
    assert.ok(match, locked.stderr);
    const minutes = (ms: number) => new Date(ms + 300_000).toISOString().slice(11, 16);
    assert.ok([minutes(before), minutes(after)].includes(`${match[1]}:${match[2]}`), locked.stderr);
    assert.ok(!locked.stderr.includes("Check the application token"));
    assert.equal(emu.count({ path: "/api/v1/authenticate" }), 2);
  });

  it("stops at the monthly quota with one line that says it is the quota, without retrying", async () => {
    const emu = await start(30, { monthlyQuota: 10 });
    const run = await runCli(["export", "--children"], emulatorEnv(emu));
    assert.equal(run.status, 1);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /^note: left out organisation 1 \(Demo reseller\)[^\n]*\nerror: exporting billing config for organisation \d+ failed: GET \/api\/v1\/organisation\/\d+\/billing_config answered 429 TooManyRequests: Monthly request quota of 10 requests exceeded for organisation 1; requests are refused until \d{4}-\d\d-01\. This is emnify's monthly request quota, not the short-term rate limit: it is not retried[^\n]*\n$/,
    );
    // /my, 2 pages, 7 configs within the quota; each of the other 23 tried once.
    assert.equal(emu.count({ status: 429 }), 23);
    assert.equal(emu.count({ method: "GET", path: BILLING_CONFIG_PATH }), 30);
  });

  it("exports organisations whose payment_data is not an object, and says such payment data is not written", async () => {
    const emu = await start(3);
    emu.setBillingConfig(1001, { payment_data: "IBAN ****1234" });
    emu.setBillingConfig(1002, { payment_data: [{ iban: "****5678" }] });
    emu.setBillingConfig(1003, { payment_data: { iban: "DE89370400440532013000" } });
    const run = await runCli(["export", "--children", "--include-payment-data", "--format", "json"], emulatorEnv(emu));
    assert.equal(run.status, 0);
    assert.equal(
      run.stderr,
      LEFT_OUT_OWN +
        "warning: standard output contains payment details in plain text: do not commit it unencrypted\n" +
        "note: payment data held by 2 organisations is not a JSON object, so it is not written (a BillingConfig can declare only an object); it stays as emnify holds it\n",
    );
    const entries = parseOrganisationsFile(run.stdout, "orgs.json").map((entry) => [entry.args.orgId, entry.args.paymentData]);
    assert.deepEqual(entries, [
      [1001, undefined],
      [1002, undefined],
      [1003, { iban: "DE89370400440532013000" }],
    ]);
  });
});
