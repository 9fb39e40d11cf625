import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as lockfile from "proper-lockfile";
import { EmnifyClient } from "../../provider/client/emnifyClient";
import { RequestPacer, sharedPacer } from "../../provider/client/pacer";
import { RateLedger, creditLifetimeMs, ledgerDirectory, ledgerPathFor } from "../../provider/client/rateLedger";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "../../provider/emulator";
import { runNodeScript } from "../../tools/engine";
import { VirtualClock } from "./virtualClock";

describe("rate ledger: one budget per machine and API origin", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-ledger-test-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const quiet = (lines: string[]) => (line: string) => lines.push(line);

  it("shares the window between two ledgers on one file, and says when the next slot frees", async () => {
    let now = 1_000_000;
    const file = path.join(dir, "shared.json");
    const first = new RateLedger(file, quiet([]), () => now);
    const second = new RateLedger(file, quiet([]), () => now);
    assert.deepEqual(await first.reserve(6, 10, 60_000), { granted: 6 });
    now += 500;
    assert.deepEqual(await second.reserve(6, 10, 60_000), { granted: 4 });
    assert.deepEqual(await first.reserve(1, 10, 60_000), { granted: 0, retryAt: 1_000_000 + creditLifetimeMs(60_000) + 60_000 });
    now = 1_000_000 + creditLifetimeMs(60_000) + 60_000;
    assert.deepEqual(await second.reserve(10, 10, 60_000), { granted: 6 }, "the first reservation has left the window");
  });

  it("grants exactly the limit to two real processes asking at once", async function () {
    this.timeout(30_000);
    const file = path.join(dir, "two-processes.json");
    const worker = path.join(__dirname, "ledgerWorker.js");
    const runs = await Promise.all([1, 2].map(() => runNodeScript(worker, [file, "25", "40"], { cwd: dir })));
    assert.deepEqual(
      runs.map((r) => [r.status, r.stderr]),
      [
        [0, ""],
        [0, ""],
      ],
    );
    const granted = runs.map((r) => Number(r.stdout.trim()));
    assert.equal(granted[0] + granted[1], 25, `granted ${granted.join(" + ")}`);
  });

  it("holds only counts and times, under a hashed name: no credential, organisation, path or endpoint", async function () {
    this.timeout(30_000);
    const emu = await EmnifyEmulator.start({ organisations: [{ id: 4711 }] });
    try {
      const client = new EmnifyClient({ endpoint: emu.url, applicationToken: DEMO_APPLICATION_TOKEN, pacer: sharedPacer(emu.url) });
      await client.request({
        method: "GET",
        path: "/api/v1/organisation/4711/billing_config",
        operation: "reading billing config",
        orgId: 4711,
      });
      const file = ledgerPathFor(new URL(emu.url).origin);
      assert.equal(path.dirname(file), ledgerDirectory());
      assert.match(path.basename(file), /^[0-9a-f]{32}\.json$/);
      const text = readFileSync(file, "utf8");
      // "eyJ" starts every JWT (base64 of '{"').
      for (const secretOrData of [DEMO_APPLICATION_TOKEN, "eyJ", "4711", "billing", "organisation", "127.0.0.1", new URL(emu.url).port]) {
        assert.ok(!text.includes(secretOrData), `the ledger holds ${JSON.stringify(secretOrData)}: ${text}`);
      }
      const ledger = JSON.parse(text) as { v: number; reservations: [number, number][] };
      assert.deepEqual(Object.keys(ledger), ["v", "reservations"]);
      assert.equal(ledger.v, 1);
      assert.equal(
        ledger.reservations.reduce((sum, [, n]) => sum + n, 0),
        2,
        "authenticate and one read",
      );
      assert.ok(ledger.reservations.every((r) => r.length === 2 && Number.isInteger(r[0]) && Number.isInteger(r[1])));
    } finally {
      await emu.stop();
    }
  });

  it("falls back to pacing alone on a corrupt ledger and says so once, without quoting it", async () => {
    const file = path.join(dir, "corrupt.json");
    writeFileSync(file, "{ this is not a ledger, secret-looking text");
    const lines: string[] = [];
    const ledger = new RateLedger(file, quiet(lines));
    assert.equal(await ledger.reserve(5, 10, 60_000), undefined);
    assert.equal(await ledger.reserve(5, 10, 60_000), undefined);
    assert.deepEqual(lines, [
      `the shared rate ledger ${file} cannot be used (it is not valid JSON); this process paces its own ` +
        "requests without coordinating with other pulumi-emnify processes on this machine",
    ]);
    assert.equal(ledger.usable, false);
  });

  it("falls back on a ledger of the wrong shape", async () => {
    const file = path.join(dir, "wrong-shape.json");
    writeFileSync(file, JSON.stringify({ v: 1, reservations: [[1, -3]] }));
    const lines: string[] = [];
    assert.equal(await new RateLedger(file, quiet(lines)).reserve(1, 10, 60_000), undefined);
    assert.match(lines[0], /cannot be used \(its content is not a rate ledger\)/);
  });

  it("falls back when another process holds the lock for more than 2 seconds", async function () {
    this.timeout(10_000);
    const file = path.join(dir, "locked.json");
    const release = await lockfile.lock(file, { realpath: false });
    try {
      const lines: string[] = [];
      const t0 = Date.now();
      assert.equal(await new RateLedger(file, quiet(lines)).reserve(1, 10, 60_000), undefined);
      assert.ok(Date.now() - t0 >= 1500, `gave up after ${Date.now() - t0} ms`);
      assert.match(lines[0], /cannot be used \(it stayed locked for more than 2 s\); this process paces its own requests/);
    } finally {
      await release();
    }
  });

  it("keeps a pacer running at its own pace when its ledger fails", async () => {
    const file = path.join(dir, "broken.json");
    writeFileSync(file, "garbage");
    const lines: string[] = [];
    const pacer = new RequestPacer({ requests: 100, windowMs: 1000, maxConcurrency: 8 }, undefined, new RateLedger(file, quiet(lines)));
    assert.equal(pacer.stats.ledger, "shared");
    const results = await Promise.all([1, 2, 3].map((n) => pacer.run(async () => n)));
    assert.deepEqual(results, [1, 2, 3]);
    assert.equal(pacer.stats.ledger, "alone");
    assert.equal(lines.length, 1);
  });

  it("reserves hardly more than a pacer uses: lapsed credits would waste the machine's window", async function () {
    this.timeout(20_000);
    const file = path.join(dir, "thrifty.json");
    // A fast start rate the tasks cannot keep up with: the batches must follow what is achieved.
    const pacer = new RequestPacer(
      { requests: 10_000, windowMs: 2_000, maxConcurrency: 4, startRate: 2000 },
      undefined,
      new RateLedger(file, quiet([])),
    );
    await Promise.all(Array.from({ length: 300 }, () => pacer.run(() => new Promise((resolve) => setTimeout(resolve, 10)))));
    const { reservations } = JSON.parse(readFileSync(file, "utf8")) as { reservations: [number, number][] };
    const reserved = reservations.reduce((sum, [, n]) => sum + n, 0);
    assert.ok(reserved >= 300 && reserved <= 315, `reserved ${reserved} for 300 starts`);
  });

  it("makes a pacer wait for the machine's window when other processes have used it up, until the oldest reservation leaves it", async function () {
    const file = path.join(dir, "full.json");
    // One virtual clock for the pacer and its ledger (epoch-like, as the ledger's wall clock is):
    // the wait is asked for, not sat through.
    const clock = new VirtualClock(1_000_000_000);
    const reservedAt = clock.now();
    // Another process's reservations fill the whole window (5 per 2 s), counting from now.
    writeFileSync(file, JSON.stringify({ v: 1, reservations: [[reservedAt, 5]] }));
    const pacer = new RequestPacer(
      { requests: 5, windowMs: 2000, maxConcurrency: 8, startRate: 1000 },
      clock,
      new RateLedger(file, quiet([]), () => clock.now()),
    );
    let startedAt: number | undefined;
    await pacer.run(async () => {
      startedAt = clock.now();
    });
    assert.equal(startedAt, reservedAt + 2000, "started when the other process's reservation left the window");
    assert.deepEqual(clock.slept, [2000]);
  });
});
