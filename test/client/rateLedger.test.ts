import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as lockfile from "proper-lockfile";
import { EmnifyClient } from "../../provider/client/emnifyClient";
import { RequestPacer, sharedPacer } from "../../provider/client/pacer";
import {
  LedgerEntryStat,
  LedgerPlaces,
  MAX_CLOCK_SKEW_MS,
  RateLedger,
  creditLifetimeMs,
  ledgerDirectory,
  ledgerPathFor,
  untrustedLedgerEntry,
  untrustedLedgerParent,
} from "../../provider/client/rateLedger";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "../../provider/emulator";
import { runNodeScript } from "../../tools/engine";
import { VirtualClock } from "./virtualClock";

const quiet = (lines: string[]) => (line: string) => lines.push(line);

/** Makes a fresh temporary directory before each test of the enclosing describe (handed to `use`), and removes it after. */
function tempDirForEachTest(prefix: string, use: (dir: string) => void): void {
  let current = "";
  beforeEach(() => {
    current = mkdtempSync(path.join(os.tmpdir(), prefix));
    use(current);
  });
  afterEach(() => rmSync(current, { recursive: true, force: true }));
}

describe("rate ledger: one budget per machine and API origin", () => {
  let dir: string;
  tempDirForEachTest("pulumi-emnify-ledger-test-", (made) => (dir = made));

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

/** A fake `lstat`/`fstat` result. */
function fakeStat(kind: "directory" | "file" | "symlink" | "fifo", uid: number, mode: number): LedgerEntryStat {
  return {
    uid,
    mode,
    isDirectory: () => kind === "directory",
    isFile: () => kind === "file",
    isSymbolicLink: () => kind === "symlink",
  };
}

describe("rate ledger: only a private directory and file of the user's own", () => {
  const ME = 1000;
  const OTHER = 1001;

  it("decides which directories and files to trust by kind, owner and mode", () => {
    // Trusted: this user's own private directory, and this user's own file that others cannot write.
    assert.equal(untrustedLedgerEntry("directory", fakeStat("directory", ME, 0o40700), ME), undefined);
    assert.equal(untrustedLedgerEntry("file", fakeStat("file", ME, 0o100600), ME), undefined);
    assert.equal(untrustedLedgerEntry("file", fakeStat("file", ME, 0o100644), ME), undefined);
    // Not trusted, as this user: [kind, stat, why].
    const cases: [kind: "directory" | "file", stat: LedgerEntryStat, expected: string][] = [
      ["directory", fakeStat("symlink", ME, 0o120777), "its directory is a symbolic link"],
      ["directory", fakeStat("file", ME, 0o100700), "its directory is not a directory"],
      ["directory", fakeStat("directory", OTHER, 0o40700), "its directory belongs to uid 1001, not to this user (uid 1000)"],
      ["directory", fakeStat("directory", ME, 0o40777), "its directory has mode 0777, not 0700"],
      ["directory", fakeStat("directory", ME, 0o40755), "its directory has mode 0755, not 0700"],
      ["directory", fakeStat("directory", 0, 0o40700), "its directory belongs to uid 0, not to this user (uid 1000)"],
      ["file", fakeStat("symlink", ME, 0o120777), "it is a symbolic link"],
      ["file", fakeStat("fifo", ME, 0o10600), "it is not a regular file"],
      ["file", fakeStat("file", OTHER, 0o100600), "it belongs to uid 1001, not to this user (uid 1000)"],
      ["file", fakeStat("file", ME, 0o100666), "other users may write it (mode 0666)"],
      ["file", fakeStat("file", ME, 0o100620), "other users may write it (mode 0620)"],
    ];
    for (const [kind, stat, expected] of cases) {
      assert.equal(untrustedLedgerEntry(kind, stat, ME), expected, `${kind} uid ${stat.uid} mode ${stat.mode.toString(8)}`);
    }
    // No POSIX owners (Windows): only the kind is checked.
    assert.equal(untrustedLedgerEntry("directory", fakeStat("directory", 0, 0o40777), undefined), undefined);
    assert.equal(untrustedLedgerEntry("file", fakeStat("symlink", 0, 0o120777), undefined), "it is a symbolic link");
  });

  it("trusts the directory holding it only when nobody else can swap entries in it", () => {
    assert.equal(untrustedLedgerParent(fakeStat("directory", 0, 0o41777), ME), undefined, "/tmp: root's, sticky");
    assert.equal(untrustedLedgerParent(fakeStat("directory", ME, 0o40755), ME), undefined);
    assert.equal(untrustedLedgerParent(fakeStat("directory", 0, 0o40755), ME), undefined);
    assert.equal(
      untrustedLedgerParent(fakeStat("directory", 0, 0o40777), ME),
      "every user may write the directory holding its directory, which has no sticky bit (mode 0777)",
    );
    assert.equal(
      untrustedLedgerParent(fakeStat("directory", OTHER, 0o41777), ME),
      "the directory holding its directory belongs to uid 1001",
    );
    assert.equal(untrustedLedgerParent(fakeStat("directory", OTHER, 0o40777), undefined), undefined);
  });

  describe("chooses a per-user place before the shared temp directory", () => {
    function places(
      entries: Record<string, LedgerEntryStat>,
      env: Record<string, string> = {},
      homedir: string | undefined = "/home/me",
    ): LedgerPlaces {
      return {
        env,
        uid: ME,
        username: "me",
        homedir,
        tmpdir: "/tmp",
        lstat: (file) => entries[file],
        // No links among the fakes but the ones named "*-link", which point at a private directory.
        stat: (file) => (file.endsWith("-link") ? fakeStat("directory", ME, 0o40700) : entries[file]),
      };
    }
    const privateDir = fakeStat("directory", ME, 0o40700);
    const home = { "/home/me": fakeStat("directory", ME, 0o40750) };

    it("XDG_RUNTIME_DIR when it is the user's own and private", () => {
      assert.equal(
        ledgerDirectory(places({ ...home, "/run/user/1000": privateDir }, { XDG_RUNTIME_DIR: "/run/user/1000" })),
        "/run/user/1000/pulumi-emnify-rate-ledger",
      );
    });

    it("the user's cache directory when XDG_RUNTIME_DIR is missing, relative, another user's, not private or a link", () => {
      const cache = "/home/me/.cache/pulumi-emnify/rate-ledger";
      for (const [why, runtime, entry] of [
        ["missing", "/run/user/1000", undefined],
        ["relative", "run/user/1000", privateDir],
        ["another user's", "/run/user/1000", fakeStat("directory", OTHER, 0o40700)],
        ["not private", "/run/user/1000", fakeStat("directory", ME, 0o40755)],
        ["a link", "/run/user/1000", fakeStat("symlink", ME, 0o120777)],
      ] as const) {
        const entries: Record<string, LedgerEntryStat> = { ...home };
        if (entry !== undefined) entries[runtime] = entry;
        assert.equal(ledgerDirectory(places(entries, { XDG_RUNTIME_DIR: runtime })), cache, why);
      }
      assert.equal(ledgerDirectory(places(home)), cache, "no XDG_RUNTIME_DIR");
      assert.equal(
        ledgerDirectory(places({ ...home, "/home/me/.cache": fakeStat("directory", ME, 0o40755) })),
        cache,
        "an existing ~/.cache of the user's",
      );
      assert.equal(
        ledgerDirectory(places({ "/home/me/.cache-link": privateDir }, { XDG_CACHE_HOME: "/home/me/.cache-link" })),
        "/home/me/.cache-link/pulumi-emnify/rate-ledger",
        "XDG_CACHE_HOME, even through a link of the user's",
      );
    });

    it("the temp directory when the cache directory is not the user's, others may write it, or there is no home", () => {
      const tmp = "/tmp/pulumi-emnify-rate-ledger-1000";
      assert.equal(ledgerDirectory(places({ "/home/me": fakeStat("directory", OTHER, 0o40755) })), tmp, "home of another user");
      assert.equal(
        ledgerDirectory(places({ ...home, "/home/me/.cache": fakeStat("directory", ME, 0o40777) })),
        tmp,
        "a ~/.cache every user may write",
      );
      assert.equal(
        ledgerDirectory(places({ ...home, "/home/me/.cache/pulumi-emnify": fakeStat("directory", OTHER, 0o40700) })),
        tmp,
        "~/.cache/pulumi-emnify of another user",
      );
      assert.equal(ledgerDirectory(places({}, {}, undefined)), tmp, "no home directory");
      assert.equal(ledgerDirectory(places({}, {}, "/nonexistent")), tmp, "a home directory that does not exist");
    });
  });

  describe("on disk", () => {
    let dir: string;
    tempDirForEachTest("pulumi-emnify-ledger-trust-", (made) => (dir = made));

    const uid = process.getuid!();
    const fallback = (file: string, why: string) =>
      `the shared rate ledger ${file} cannot be used (${why}); this process paces its own requests without ` +
      "coordinating with other pulumi-emnify processes on this machine";

    /** Asks twice: the second answer and the single warning show that it paces alone from then on. */
    async function refusedTwice(ledger: RateLedger, lines: string[]): Promise<void> {
      assert.equal(await ledger.reserve(1, 10, 60_000), undefined);
      assert.equal(await ledger.reserve(1, 10, 60_000), undefined);
      assert.equal(ledger.usable, false);
      assert.equal(lines.length, 1, lines.join("\n"));
    }

    /** The warning lines of a ledger on `file` (as user `asUid`) that refuses to be used, twice. */
    async function refusedLines(file: string, asUid?: number): Promise<string[]> {
      const lines: string[] = [];
      await refusedTwice(new RateLedger(file, quiet(lines), Date.now, asUid), lines);
      return lines;
    }

    it("makes its directory 0700 and its file 0600 whatever the umask, and leaves no temporary file", async () => {
      const file = path.join(dir, "ledger", "origin.json");
      const umask = process.umask(0o000);
      try {
        const ledger = new RateLedger(file, () => assert.fail("no warning expected"));
        assert.deepEqual(await ledger.reserve(2, 10, 60_000), { granted: 2 });
        assert.deepEqual(await ledger.reserve(3, 10, 60_000), { granted: 3 });
      } finally {
        process.umask(umask);
      }
      assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(path.dirname(file)), ["origin.json"]);
    });

    it("refuses a directory other users may write (as one made first by another user, mode 0777), and writes nothing in it", async () => {
      const shared = path.join(dir, "shared");
      mkdirSync(shared);
      chmodSync(shared, 0o777);
      const file = path.join(shared, "origin.json");
      const lines = await refusedLines(file);
      assert.deepEqual(lines, [fallback(file, "its directory has mode 0777, not 0700")]);
      assert.deepEqual(readdirSync(shared), []);
    });

    it("refuses a directory of another user's", async () => {
      const file = path.join(dir, "origin.json");
      const lines = await refusedLines(file, uid + 1);
      assert.deepEqual(lines, [fallback(file, `its directory belongs to uid ${uid}, not to this user (uid ${uid + 1})`)]);
    });

    it("refuses a directory that is a symbolic link, even to a private directory", async () => {
      const target = path.join(dir, "target");
      mkdirSync(target, { mode: 0o700 });
      symlinkSync(target, path.join(dir, "link"));
      const file = path.join(dir, "link", "origin.json");
      const lines = await refusedLines(file);
      assert.deepEqual(lines, [fallback(file, "its directory is a symbolic link")]);
      assert.deepEqual(readdirSync(target), []);
    });

    it("refuses a directory inside one every user may write without the sticky bit", async () => {
      const open = path.join(dir, "open");
      mkdirSync(open);
      chmodSync(open, 0o777);
      const file = path.join(open, "ledger", "origin.json");
      const lines = await refusedLines(file);
      assert.deepEqual(lines, [
        fallback(file, "every user may write the directory holding its directory, which has no sticky bit (mode 0777)"),
      ]);
    });

    it("refuses a ledger file that is a symbolic link and never writes through it", async () => {
      const target = path.join(dir, "elsewhere.txt");
      writeFileSync(target, "not yours to change");
      const file = path.join(dir, "origin.json");
      symlinkSync(target, file);
      const lines = await refusedLines(file);
      assert.deepEqual(lines, [fallback(file, "it is a symbolic link")]);
      assert.equal(readFileSync(target, "utf8"), "not yours to change");
      assert.ok(lstatSync(file).isSymbolicLink());
    });

    it("refuses a ledger file other users may write", async () => {
      const file = path.join(dir, "origin.json");
      writeFileSync(file, JSON.stringify({ v: 1, reservations: [] }));
      chmodSync(file, 0o666);
      const lines = await refusedLines(file);
      assert.deepEqual(lines, [fallback(file, "other users may write it (mode 0666)")]);
    });

    it("refuses a ledger file of another user's (a real one: the directory, checked first, is refused; the file's stat too)", async () => {
      const file = path.join(dir, "origin.json");
      writeFileSync(file, JSON.stringify({ v: 1, reservations: [] }), { mode: 0o600 });
      const lines: string[] = [];
      // The directory is checked against the same uid first: a directory of the test's user that the
      // ledger takes for another user's is refused before the file is looked at.
      const ledger = new RateLedger(file, quiet(lines), Date.now, uid + 1);
      await refusedTwice(ledger, lines);
      assert.match(lines[0], /cannot be used \(its directory belongs to uid \d+, not to this user/);
      assert.equal(untrustedLedgerEntry("file", lstatSync(file), uid + 1), `it belongs to uid ${uid}, not to this user (uid ${uid + 1})`);
    });

    it("refuses a FIFO planted at the ledger's name without hanging on it", async () => {
      const file = path.join(dir, "origin.json");
      execFileSync("mkfifo", ["-m", "600", file]);
      const lines = await refusedLines(file);
      assert.deepEqual(lines, [fallback(file, "it is not a regular file")]);
    });

    it("does not write through a link planted at the temporary name earlier versions used", async () => {
      const target = path.join(dir, "elsewhere.txt");
      writeFileSync(target, "not yours to change");
      const file = path.join(dir, "origin.json");
      symlinkSync(target, `${file}.${process.pid}.tmp`);
      assert.deepEqual(await new RateLedger(file, () => assert.fail("no warning expected")).reserve(1, 10, 60_000), { granted: 1 });
      assert.equal(readFileSync(target, "utf8"), "not yours to change");
      assert.deepEqual(JSON.parse(readFileSync(file, "utf8")).reservations.length, 1);
    });

    describe("a hostile ledger cannot stall its reader", () => {
      const WINDOW = 60_000;
      const LIFETIME = creditLifetimeMs(WINDOW);
      const NOW = 5_000_000_000;

      it("ignores a reservation of 1,000,000 starts dated an hour ahead, and drops it from the file", async () => {
        const file = path.join(dir, "origin.json");
        writeFileSync(file, JSON.stringify({ v: 1, reservations: [[NOW + 3_600_000, 1_000_000]] }), { mode: 0o600 });
        const ledger = new RateLedger(
          file,
          () => assert.fail("no warning expected"),
          () => NOW,
        );
        assert.deepEqual(await ledger.reserve(5, 10, WINDOW), { granted: 5 });
        assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { v: 1, reservations: [[NOW + LIFETIME, 5]] });
      });

      it("counts a reservation of 1,000,000 starts as one full window at most: the wait ends one window later", async () => {
        const file = path.join(dir, "origin.json");
        writeFileSync(file, JSON.stringify({ v: 1, reservations: [[NOW, 1_000_000]] }), { mode: 0o600 });
        const ledger = new RateLedger(
          file,
          () => assert.fail("no warning expected"),
          () => NOW,
        );
        assert.deepEqual(await ledger.reserve(5, 10, WINDOW), { granted: 0, retryAt: NOW + WINDOW });
        assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { v: 1, reservations: [[NOW, 10]] });
      });

      it("never answers a retry time further than one window and one credit lifetime ahead", async () => {
        const file = path.join(dir, "origin.json");
        const latest = NOW + LIFETIME + MAX_CLOCK_SKEW_MS;
        writeFileSync(file, JSON.stringify({ v: 1, reservations: [[latest, 1_000_000]] }), { mode: 0o600 });
        const ledger = new RateLedger(
          file,
          () => assert.fail("no warning expected"),
          () => NOW,
        );
        assert.deepEqual(await ledger.reserve(1, 10, WINDOW), { granted: 0, retryAt: NOW + WINDOW + LIFETIME });
        writeFileSync(file, JSON.stringify({ v: 1, reservations: [[latest + 1, 1_000_000]] }), { mode: 0o600 });
        assert.deepEqual(await ledger.reserve(1, 10, WINDOW), { granted: 1 }, "one millisecond later it is from the future");
      });

      it("refuses a ledger file too large to be one, unread", async () => {
        const file = path.join(dir, "origin.json");
        writeFileSync(file, " ".repeat((1 << 20) + 1), { mode: 0o600 });
        const lines = await refusedLines(file);
        assert.deepEqual(lines, [fallback(file, "it is larger than 1048576 bytes")]);
      });

      it("lets a pacer start at once beside a reservation from the future", async () => {
        const file = path.join(dir, "origin.json");
        const clock = new VirtualClock(NOW);
        writeFileSync(file, JSON.stringify({ v: 1, reservations: [[NOW + 3_600_000, 1_000_000]] }), { mode: 0o600 });
        const pacer = new RequestPacer(
          { requests: 10, windowMs: WINDOW, maxConcurrency: 2, startRate: 1000 },
          clock,
          new RateLedger(
            file,
            () => assert.fail("no warning expected"),
            () => clock.now(),
          ),
        );
        assert.equal(await pacer.run(async () => clock.now()), NOW);
        assert.deepEqual(clock.slept, []);
      });
    });
  });
});
