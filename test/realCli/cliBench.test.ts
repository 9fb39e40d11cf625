import * as assert from "node:assert/strict";
import {
  CLI_BEGIN,
  CLI_END,
  CLI_PATHS_BEGIN,
  CLI_PATHS_END,
  cliGeneratedSection,
  cliPathsGeneratedSection,
  cliPathsTextTable,
  cliTargets,
  cliTextTable,
} from "../../scripts/bench/cliReport";
import { type CliBenchResult, type CliBenchSession, runCliBenchPaths } from "../../scripts/bench/cliRun";
import { parseBenchArgs } from "../../scripts/bench/options";

// The real-CLI benchmark mode (npm run bench -- --engine pulumi) with a handful of organisations
// and both paths (the dynamic resource, then the provider plugin), so that neither can rot: every
// command makes exactly the minimum API calls, preview passes included.
describe("real CLI: the benchmark mode (npm run bench -- --engine pulumi), dynamic resource and provider plugin", function () {
  let dynamic: CliBenchResult;
  let plugin: CliBenchResult;
  const session: CliBenchSession = {};
  const lines: string[] = [];

  before(async function () {
    const options = parseBenchArgs(["--engine", "pulumi", "--orgs", "10", "--latency-ms", "5", "--no-write"], "unused");
    assert.ok(options !== "help");
    assert.deepEqual(options.paths, ["dynamic", "plugin"], "both paths by default");
    const results = await runCliBenchPaths(options, session, (line) => lines.push(line), { verifyState: false });
    assert.deepEqual(
      results.map((r) => r.path),
      ["dynamic", "plugin"],
    );
    [dynamic, plugin] = results;
  });
  after(() => session.emulator?.stop());

  const byName = (result: CliBenchResult) => Object.fromEntries(result.commands.map((c) => [c.name, c]));

  function assertMinimal(result: CliBenchResult): void {
    const by = byName(result);
    assert.deepEqual(Object.keys(by), ["up", "up again", "refresh", "refresh skip-preview", "destroy"]);
    assert.deepEqual([by["up again"].calls, by["up again"].authenticate], [0, 0]);
    // The preview pass and the refresh each read every organisation, in a provider process of their own.
    assert.deepEqual(by.refresh.passes, [
      { calls: 10, authenticate: 1 },
      { calls: 10, authenticate: 1 },
    ]);
    // --skip-preview: the refresh alone, one read per organisation.
    assert.deepEqual([by["refresh skip-preview"].calls, by["refresh skip-preview"].authenticate], [10, 1]);
    assert.deepEqual([by.destroy.calls, by.destroy.minimum, by.destroy.authenticate], [1, 1, 1]);
    assert.deepEqual(by.destroy.byMethod, { PATCH: 1 });
    for (const c of result.commands) {
      assert.equal(c.code, 0, c.command);
      assert.equal(c.calls, c.minimum, c.command);
      assert.equal(c.authenticate, c.minimumAuthenticate, c.command);
      assert.equal(c.throttled, 0, c.command);
    }
    assert.deepEqual(result.restored, { ok: 1, of: 1 });
  }

  it("dynamic resource: up, up again, refresh (with and without the preview) and destroy, each with the minimum API calls and authentications", function () {
    const by = byName(dynamic);
    // 10 organisations: 8 differ (GET, PATCH, GET), 2 match (GET); 1 with restoreOnDelete, whose
    // record (BillingOriginals) is one more GET.
    assert.deepEqual([by.up.calls, by.up.minimum, by.up.authenticate], [27, 27, 1]);
    assert.deepEqual(by.up.byMethod, { GET: 19, PATCH: 8 });
    assertMinimal(dynamic);
  });

  it("provider plugin: the same commands, with the minimum API calls and authentications (its program declares the record too)", function () {
    const by = byName(plugin);
    assert.deepEqual([by.up.calls, by.up.minimum, by.up.authenticate], [27, 27, 1]);
    assert.deepEqual(by.up.byMethod, { GET: 19, PATCH: 8 });
    assertMinimal(plugin);
  });

  it("measures the state per organisation and the process tree of each command by role, for both paths", function () {
    for (const result of [dynamic, plugin]) {
      const up = result.commands[0];
      assert.equal(up.stateResources, 10, result.path);
      assert.ok(up.stateBytes / 10 <= 6 * 1024, `${result.path}: ${up.stateBytes / 10} bytes per organisation`);
      for (const c of result.commands) {
        const roles = c.roles.map((r) => r.role);
        assert.ok(roles.includes("engine") && roles.includes("provider host"), `${result.path} ${c.command}: ${roles.join(", ")}`);
        for (const role of c.roles.filter((r) => r.role === "engine" || r.role === "provider host")) {
          assert.ok(role.cpuMs > 0 && role.peakRss > 0, `${result.path} ${c.command}: ${JSON.stringify(role)}`);
        }
      }
      assert.ok(
        up.roles.some((r) => r.role === "program"),
        `${result.path}: up runs the program`,
      );
    }
    const dynamicUp = dynamic.commands[0];
    assert.ok(dynamicUp.providerBytes !== undefined && dynamicUp.providerBytes < 400, `__provider is ${dynamicUp.providerBytes} bytes`);
    // The plugin's state holds no provider code; its provider host is pulumi-resource-emnify.
    assert.equal(plugin.commands[0].providerBytes, undefined);
    assert.ok(
      plugin.commands[0].processes.some((p) => p.role === "provider host" && /pulumi-resource-emnify|plugin\/main\.js/.test(p.command)),
      JSON.stringify(plugin.commands[0].processes.map((p) => [p.role, p.command])),
    );
  });

  it("produces the reports: the dynamic resource's section, and the side-by-side section with a row per command and path", function () {
    const section = cliGeneratedSection(dynamic, ["--engine", "pulumi", "--orgs", "10", "--path", "dynamic"], new Date());
    assert.ok(section.startsWith(CLI_BEGIN) && section.endsWith(CLI_END));
    for (const command of ["`pulumi up --yes`", "`pulumi refresh --yes`", "`pulumi destroy --yes`"])
      assert.ok(section.includes(`| ${command} |`), command);
    assert.match(cliTextTable(dynamic), /pulumi refresh --yes\s+20 \/ 20/);
    for (const result of [dynamic, plugin]) {
      const calls = cliTargets(result)[0];
      assert.equal(calls.met, true, `${result.path}: ${calls.measured}`);
    }
    const both = cliPathsGeneratedSection([dynamic, plugin], ["--engine", "pulumi", "--orgs", "10"], new Date());
    assert.ok(both.startsWith(CLI_PATHS_BEGIN) && both.endsWith(CLI_PATHS_END));
    assert.ok(both.includes("| `pulumi up --yes` | dynamic resource | 27 / 27 |"), both);
    assert.ok(both.includes("| `pulumi up --yes` | provider plugin | 27 / 27 |"), both);
    assert.ok(both.includes("| `pulumi destroy --yes` | provider plugin | 1 / 1 |"), both);
    assert.match(cliPathsTextTable([dynamic, plugin]), /pulumi refresh --yes\s+provider plugin\s+20 \/ 20/);
  });
});
