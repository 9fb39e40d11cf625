import * as assert from "node:assert/strict";
import { CLI_BEGIN, CLI_END, cliGeneratedSection, cliTargets, cliTextTable } from "../../scripts/bench/cliReport";
import { type CliBenchResult, type CliBenchSession, runCliBench } from "../../scripts/bench/cliRun";
import { parseBenchArgs } from "../../scripts/bench/options";

// The real-CLI benchmark mode (npm run bench -- --engine pulumi) with a handful of organisations,
// so that it cannot rot: every command makes exactly the minimum API calls, preview passes included.
describe("real CLI: the benchmark mode (npm run bench -- --engine pulumi)", function () {
  let result: CliBenchResult;
  const session: CliBenchSession = {};
  const lines: string[] = [];

  before(async function () {
    const options = parseBenchArgs(["--engine", "pulumi", "--orgs", "10", "--latency-ms", "5", "--no-write"], "unused");
    assert.ok(options !== "help");
    result = await runCliBench(options, session, (line) => lines.push(line), { verifyState: false });
  });
  after(() => session.emulator?.stop());

  it("runs up, up again, refresh and destroy, each with the minimum API calls and authentications", function () {
    const by = Object.fromEntries(result.commands.map((c) => [c.name, c]));
    assert.deepEqual(Object.keys(by), ["up", "up again", "refresh", "destroy"]);
    // 10 organisations: 8 differ (GET, PATCH, GET), 2 match (GET); 1 with restoreOnDelete, whose
    // record (BillingOriginals) is one more GET.
    assert.deepEqual([by.up.calls, by.up.minimum, by.up.authenticate], [27, 27, 1]);
    assert.deepEqual(by.up.byMethod, { GET: 19, PATCH: 8 });
    assert.deepEqual([by["up again"].calls, by["up again"].authenticate], [0, 0]);
    // The preview pass and the refresh each read every organisation, in a provider process of their own.
    assert.deepEqual(by.refresh.passes, [
      { calls: 10, authenticate: 1 },
      { calls: 10, authenticate: 1 },
    ]);
    assert.deepEqual([by.destroy.calls, by.destroy.minimum, by.destroy.authenticate], [1, 1, 1]);
    assert.deepEqual(by.destroy.byMethod, { PATCH: 1 });
    for (const c of result.commands) {
      assert.equal(c.code, 0, c.command);
      assert.equal(c.calls, c.minimum, c.command);
      assert.equal(c.authenticate, c.minimumAuthenticate, c.command);
      assert.equal(c.throttled, 0, c.command);
    }
    assert.deepEqual(result.restored, { ok: 1, of: 1 });
  });

  it("measures the state per organisation and the process tree of each command by role", function () {
    const up = result.commands[0];
    assert.equal(up.stateResources, 10);
    assert.ok(up.stateBytes / 10 <= 6 * 1024, `${up.stateBytes / 10} bytes per organisation`);
    assert.ok(up.providerBytes !== undefined && up.providerBytes < 400, `__provider is ${up.providerBytes} bytes`);
    for (const c of result.commands) {
      const roles = c.roles.map((r) => r.role);
      assert.ok(roles.includes("engine") && roles.includes("provider host"), `${c.command}: ${roles.join(", ")}`);
      for (const role of c.roles.filter((r) => r.role === "engine" || r.role === "provider host")) {
        assert.ok(role.cpuMs > 0 && role.peakRss > 0, `${c.command}: ${JSON.stringify(role)}`);
      }
    }
    assert.ok(
      up.roles.some((r) => r.role === "program"),
      "up runs the program",
    );
  });

  it("produces the report: a generated section with one row per command, and the targets", function () {
    const section = cliGeneratedSection(result, ["--engine", "pulumi", "--orgs", "10"], new Date());
    assert.ok(section.startsWith(CLI_BEGIN) && section.endsWith(CLI_END));
    for (const command of ["`pulumi up --yes`", "`pulumi refresh --yes`", "`pulumi destroy --yes`"])
      assert.ok(section.includes(`| ${command} |`), command);
    assert.match(cliTextTable(result), /pulumi refresh --yes\s+20 \/ 20/);
    const calls = cliTargets(result)[0];
    assert.equal(calls.met, true, calls.measured);
  });
});
