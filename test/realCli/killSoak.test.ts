import * as assert from "node:assert/strict";
import { type CliSoakOptions, type CliSoakWorld, formatCliSoakReport, runCliSoak } from "../../tools/soak/cliSoak";
import { pathWithPlugin } from "../../tools/pulumi-cli/userProject";
import { pluginProjectDir } from "./pluginWorld";
import { realCliWorld } from "./world";

/** The soak in the suite's world (its CLI, backend and secret scan), in the given project. */
async function shortSoak(options: Omit<CliSoakOptions, "log" | "unkilled" | "faults">, projectDir?: string) {
  const world = await realCliWorld();
  const dir = projectDir ?? world.projectDir;
  const soakWorld: CliSoakWorld = {
    cli: world.cli,
    projectDir: dir,
    backendDir: world.backendDir,
    env: projectDir ? { PATH: pathWithPlugin(dir) } : undefined,
    onResult: (r) => world.results.push(r),
    credentials: world.credentials,
  };
  const report = await runCliSoak(
    { ...options, unkilled: 0.15, faults: true, log: (line) => process.stderr.write(`      ${line}\n`) },
    soakWorld,
  );
  process.stderr.write(`${formatCliSoakReport(report).replace(/^/gm, "      ")}\n`);
  assert.equal(report.runs, options.runs);
  assert.ok(Object.values(report.kills).reduce((a, b) => a + b, 0) >= options.runs / 2, "at least half the runs were killed");
  assert.deepEqual(report.violations, []);
  return report;
}

describe("real CLI: the kill soak, short", function () {
  it("8 seeded runs, killed at random moments in the four ways, recovered as documented: no invariant broken", async function () {
    await shortSoak({ runs: 8, seed: 16, orgs: 5, path: "dynamic" });
  });

  it("plugin: 5 seeded runs of emnify:index:BillingConfig with its records of originals, killed (the provider host: pulumi-resource-emnify) and recovered: no invariant broken", async function () {
    const report = await shortSoak({ runs: 5, seed: 17, orgs: 4, path: "plugin" }, await pluginProjectDir());
    assert.equal(report.options.path, "plugin");
  });
});
