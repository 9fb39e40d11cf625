/**
 * `npm run demo` as a newcomer runs it: the built script in a child process with a plain (non-TTY)
 * stdout. Its own checks make it exit 1 when a step does not do what it prints; here the exit
 * status, the lines that tell the story, and what must never be printed are pinned.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEMO_APPLICATION_TOKEN } from "pulumi-emnify/emulator";
import { runNodeScript, type ScriptRun } from "../../tools/engine/nodeScript";
import { REPO_ROOT } from "../../tools/examples/exampleStack";

/** The built demo, with a developer's own emnify and Pulumi settings removed from its environment. */
function runDemo(): Promise<ScriptRun> {
  return runNodeScript(path.join(REPO_ROOT, "dist", "scripts", "demo.js"), ["--engine", "stand-in"], { cwd: REPO_ROOT });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("npm run demo", () => {
  let run: ScriptRun;

  before(async function () {
    this.timeout(60_000);
    run = await runDemo();
  });

  it("exits 0 and says every step did what it printed", () => {
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    // Newer Node versions may warn about a dependency; anything else on stderr is the demo's.
    const ownStderr = run.stderr.split("\n").filter((line) => line !== "" && !/^\(node:\d+\) |^\(Use `node --trace/.test(line));
    assert.deepEqual(ownStderr, []);
    assert.match(run.stdout, /\ndemo finished \(the engine stand-in\): every step did what it printed\.\n$/);
  });

  it("shows the first run adopting with and without changes, with the API calls it took", () => {
    const lines = run.stdout.split("\n");
    for (const expected of [
      " +   emnify:BillingConfig  acme-logistics    create    adopts org 2, already as declared",
      " +   emnify:BillingConfig  nordwind-energie  create    adopts org 3, changing 1 field",
      '         ~ vatin: "DE298765400" => "DE298765432"',
      " +   emnify:BillingConfig  acme-logistics    created   1: GET",
      " +   emnify:BillingConfig  nordwind-energie  created   3: GET PATCH GET",
      // 8 BillingConfigs and the records of originals of the 2 with restoreOnDelete (one GET each).
      "    + 10 to create",
      "    + 10 created",
      "API calls: 17 (authenticate 1, GET 13, PATCH 3)",
    ]) {
      assert.ok(
        lines.some((line) => line.startsWith(expected)),
        `missing: ${expected}`,
      );
    }
  });

  it("shows the second run with no changes and no API call, then the drift on refresh and the fix", () => {
    const text = run.stdout;
    const order = [
      "━━ pulumi up (second run: nothing changed)",
      "    10 unchanged",
      "API calls: 0 ",
      "━━ meanwhile, organisation 5 (smartmeter-nl) is changed outside Pulumi",
      "━━ pulumi refresh",
      " ~   emnify:BillingConfig  smartmeter-nl     updated   [diff: ~vatin,chargingModel]",
      '         ~ vatin: "NL123456789B01" => "NL123456789B00"',
      "         ~ chargingModel.id: 1 => 0",
      "API calls: 8 (GET 8)",
      "━━ pulumi preview",
      '         ~ vatin: "NL123456789B00" => "NL123456789B01"',
      "    ~ 1 to update",
      "━━ pulumi up (puts the declared settings back)",
      " ~   emnify:BillingConfig  smartmeter-nl     updated   2: PATCH GET",
      "API calls: 2 (PATCH 1, GET 1)",
    ];
    let at = 0;
    for (const expected of order) {
      const found = text.indexOf(expected, at);
      assert.ok(found >= 0, `missing, or out of order: ${expected}`);
      at = found + expected.length;
    }
  });

  it("says plainly that the Pulumi engine did not run, and how to run the real thing", () => {
    assert.ok(run.stdout.includes("engine: the stand-in (--engine stand-in)"));
    assert.ok(run.stdout.includes("✗ the Pulumi engine and CLI: no backend, no stack"));
    for (const command of [
      "npm run emulator -- --orgs 8 --port 4010",
      "npx pulumi login --local",
      "npx pulumi config set emnify:endpoint http://127.0.0.1:4010",
      "npx pulumi config set --secret emnify:applicationToken",
      "npx pulumi up",
    ]) {
      assert.ok(run.stdout.includes(`  ${command}`), command);
    }
  });

  it("prints neither the application token nor any JWT, and no colour codes when stdout is not a terminal", () => {
    const output = run.stdout + run.stderr;
    assert.ok(!output.includes(DEMO_APPLICATION_TOKEN));
    assert.doesNotMatch(output, /eyJ[\w-]+\.eyJ[\w-]+\./);
    assert.ok(!output.includes("\u001b["), "no ANSI escape codes");
  });

  it("leaves no provider host running", () => {
    const pid = Number(/host pid (\d+)/.exec(run.stdout)?.[1]);
    assert.ok(pid > 0);
    assert.equal(isRunning(pid), false);
  });
});

describe("npm run demo: choosing the engine", () => {
  /** The demo where no pulumi can be found: an empty CLI cache and no pulumi on PATH. */
  async function withoutPulumi(args: string[]): Promise<ScriptRun> {
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), "demo-no-cli-"));
    try {
      const pathWithoutPulumi = (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter((dir) => !fs.existsSync(path.join(dir, "pulumi")))
        .join(path.delimiter);
      return await runNodeScript(path.join(REPO_ROOT, "dist", "scripts", "demo.js"), args, {
        cwd: REPO_ROOT,
        env: { PATH: pathWithoutPulumi, PULUMI_EMNIFY_CACHE_DIR: emptyCache },
      });
    } finally {
      fs.rmSync(emptyCache, { recursive: true, force: true });
    }
  }

  it("--engine pulumi with no pulumi to be found fails at once with one line saying how to get one", async function () {
    this.timeout(60_000);
    const run = await withoutPulumi(["--engine", "pulumi"]);
    assert.equal(run.status, 1);
    assert.match(
      run.stdout,
      /^demo failed: no pulumi CLI on PATH \(3\.216 or later\) and none built yet; `npm run pulumi:cli` builds one$/m,
    );
    assert.doesNotMatch(run.stdout, /starting the emnify emulator/);
  });

  it("an unknown --engine is refused, naming the choices", async function () {
    this.timeout(60_000);
    const run = await runNodeScript(path.join(REPO_ROOT, "dist", "scripts", "demo.js"), ["--engine", "terraform"], { cwd: REPO_ROOT });
    assert.equal(run.status, 1);
    assert.match(run.stdout, /demo failed: --engine must be auto, pulumi or stand-in, got terraform/);
  });
});
