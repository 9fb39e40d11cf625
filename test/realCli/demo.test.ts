/**
 * `npm run demo` when a real `pulumi` is available: the same story as the stand-in's demo, run by
 * the real CLI on the repository's root project, and saying so. The built script runs in a child
 * process as a newcomer runs it; its own checks (calls, state, emulator) make it exit 1 otherwise.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_APPLICATION_TOKEN } from "pulumi-emnify/emulator";
import { runNodeScript, type ScriptRun } from "../../tools/engine/nodeScript";
import { repoRoot } from "../../tools/repoRoot";
import { realCliWorld } from "./world";

describe("real CLI: npm run demo runs its story through the real pulumi when one is available", function () {
  let run: ScriptRun;

  before(async function () {
    const { cli } = await realCliWorld();
    // The CLI the suite uses, put on PATH the way `export PATH="$(npm run pulumi:cli --silent):$PATH"` does.
    run = await runNodeScript(path.join(repoRoot(), "dist/scripts/demo.js"), [], {
      cwd: repoRoot(),
      env: { PATH: [cli.binDir, process.env.PATH ?? ""].join(path.delimiter) },
    });
  });

  it("exits 0, says the real pulumi CLI ran, and finishes every step", function () {
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /engine: the real pulumi CLI v3\.\d+\.\d+, running the repository's root project/);
    assert.match(run.stdout, /\ndemo finished \(the real pulumi CLI\): every step did what it printed\.\n$/);
  });

  it("tells the story in order, with the API calls each real command cost", function () {
    const order = [
      "━━ pulumi preview ",
      "API calls: 0 ",
      "━━ pulumi up (first run: adopt every organisation)",
      // 8 BillingConfigs, the stack, and the records of originals (org-6, org-9) of the two that restore.
      "+ 11 created",
      // 11 GETs to adopt, one more per record, 3 PATCHes where the declared values differ.
      "API calls: 17 (authenticate 1, GET 13, PATCH 3)",
      "━━ pulumi up (second run: nothing changed)",
      "API calls: 0 ",
      "━━ meanwhile, organisation 5 (smartmeter-nl) is changed outside Pulumi",
      "━━ pulumi refresh",
      "~ 1 updated",
      "API calls: 18 (authenticate 2, GET 16)",
      "━━ pulumi preview --diff",
      '~ vatin          : "NL123456789B00" => "NL123456789B01"',
      "~ 1 to update",
      "━━ pulumi up (puts the declared settings back)",
      "~ 1 updated",
      "API calls: 3 (authenticate 1, PATCH 1, GET 1)",
      "✓ the real Pulumi CLI and engine: pulumi v",
    ];
    let at = 0;
    for (const expected of order) {
      const found = run.stdout.indexOf(expected, at);
      assert.ok(found >= 0, `missing, or out of order: ${expected}\n${run.stdout}`);
      at = found + expected.length;
    }
  });

  it("prints no token or JWT, and leaves no stack file in the repository", function () {
    assert.ok(!(run.stdout + run.stderr).includes(DEMO_APPLICATION_TOKEN));
    assert.doesNotMatch(run.stdout + run.stderr, /eyJ[\w-]+\.eyJ[\w-]+\./);
    assert.deepEqual(
      fs.readdirSync(repoRoot()).filter((file) => file.startsWith("Pulumi.pulumi-emnify-demo-")),
      [],
    );
  });
});
