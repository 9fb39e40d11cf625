import * as assert from "node:assert/strict";
import { formatCliSoakReport, runCliSoak } from "../../tools/soak/cliSoak";
import { realCliWorld } from "./world";

describe("real CLI: the kill soak, short", function () {
  it("8 seeded runs, killed at random moments in the four ways, recovered as documented: no invariant broken", async function () {
    const world = await realCliWorld();
    const report = await runCliSoak(
      { runs: 8, seed: 16, orgs: 5, unkilled: 0.15, faults: true, log: (line) => process.stderr.write(`      ${line}\n`) },
      {
        cli: world.cli,
        projectDir: world.projectDir,
        backendDir: world.backendDir,
        onResult: (r) => world.results.push(r),
        credentials: world.credentials,
      },
    );
    process.stderr.write(`${formatCliSoakReport(report).replace(/^/gm, "      ")}\n`);
    assert.equal(report.runs, 8);
    assert.ok(Object.values(report.kills).reduce((a, b) => a + b, 0) >= 4, "at least half the runs were killed");
    assert.deepEqual(report.violations, []);
  });
});
