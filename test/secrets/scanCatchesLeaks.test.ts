/**
 * The suite-wide scan (acrossTheSuite.test.ts) can fail: a mocha run of its own, with the suite's
 * root hooks, runs test/secrets/fixtures/plantedLeak.ts (a token registered by a client and printed
 * by a child process, a JWT in an error the package constructs) and then the scan, which must fail
 * naming each leak where it was planted. A separate process, so the planted leaks never enter this
 * run's ledger and the real scan at the end of `npm test` stays clean.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { makeTempDir } from "../../tools/engine";
import { repoRoot } from "../../tools/repoRoot";
import { SCAN_SUITE_TITLE } from "../../tools/secretLedger";

interface JsonTest {
  fullTitle: string;
  err: { message?: string };
}

interface JsonReport {
  stats: { tests: number; passes: number; failures: number };
  failures: JsonTest[];
  passes: JsonTest[];
}

describe("the suite-wide secret scan, given planted leaks", function () {
  const token = `planted-application-token-${randomBytes(12).toString("hex")}`;
  const jwt = [
    { alg: "HS256", typ: "JWT" },
    { sub: "planted", exp: 4102444800 },
  ]
    .map((part) => Buffer.from(JSON.stringify(part)).toString("base64url"))
    .concat(randomBytes(16).toString("base64url"))
    .join(".");
  let status: number | null;
  let output: string;
  let report: JsonReport;

  before(async function () {
    this.timeout(120_000); // a mocha process of its own, on a busy machine
    const dist = path.join(repoRoot(), "dist", "test");
    const reportFile = path.join(makeTempDir("planted-leak-"), "report.json");
    const child = spawn(
      process.execPath,
      [
        require.resolve("mocha/bin/mocha.js"),
        "--no-config",
        "--timeout",
        "60000",
        "--require",
        path.join(dist, "hooks.js"),
        "--reporter",
        "json",
        "--reporter-option",
        `output=${reportFile}`,
        path.join(dist, "secrets", "fixtures", "plantedLeak.js"),
        path.join(dist, "secrets", "acrossTheSuite.test.js"),
      ],
      {
        cwd: repoRoot(),
        env: { ...process.env, PLANTED_LEAK_TOKEN: token, PLANTED_LEAK_JWT: jwt },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const chunks: string[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
    status = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    output = chunks.join("");
    report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as JsonReport;
  });

  it("fails the scan and nothing else: the planting tests pass, the ledger's self-tests pass", function () {
    assert.equal(status, 1, output);
    assert.deepEqual(
      report.failures.map((t) => t.fullTitle),
      [
        `${SCAN_SUITE_TITLE} finds no application token and no JWT in any state, output, __provider, log line, child output or error message the suite produced`,
      ],
    );
    assert.ok(
      report.passes.some((t) => t.fullTitle.startsWith("planted leaks a client")),
      "the token was planted",
    );
    assert.ok(
      report.passes.some((t) => t.fullTitle.startsWith("planted leaks an error")),
      "the JWT was planted",
    );
    assert.equal(report.stats.passes, report.stats.tests - 1);
  });

  it("names each planted leak, where it came from and in which test, with the secret masked", function () {
    // The scan's failure message: one "- <what> in <kind> from <origin> — <detail>:" line per leak.
    const message = report.failures[0]?.err.message ?? "";
    const leaks = [...message.matchAll(/^- (.*) in ([a-z-]+) from (.*?) — /gm)].map(([, what, kind, origin]) => [
      kind,
      what.replace(/ \(.*/s, ""),
      origin,
    ]);
    assert.deepEqual(
      leaks.sort(),
      [
        ["child-output", "application token", "planted leaks a client is given the application token, and a child process prints it"],
        ["error", "JWT", "planted leaks an error of this package carries a session JWT in its message"],
      ],
      message,
    );
    assert.match(message, /^2 leak\(s\)/);
    assert.match(message, /application token \(used by an EmnifyClient/);
  });

  it("prints neither the planted token nor the planted JWT itself", function () {
    const reportText = JSON.stringify(report);
    for (const [what, secret] of [
      ["token", token],
      ["JWT", jwt],
    ]) {
      assert.equal(output.includes(secret), false, `the run's output holds the planted ${what}`);
      assert.equal(reportText.includes(secret), false, `the run's report holds the planted ${what}`);
    }
  });
});
