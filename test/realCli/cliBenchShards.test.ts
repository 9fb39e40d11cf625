import * as assert from "node:assert/strict";
import { cliScaleRows, cliScaleSection, layoutText } from "../../scripts/bench/cliReport";
import { type CliBenchResult, type CliBenchSession, runCliBench } from "../../scripts/bench/cliRun";
import { parseBenchArgs } from "../../scripts/bench/options";
import { defaultShard } from "../../provider/billing/shards";
import { FIRST_ORG_ID } from "../../scripts/bench/declarations";

function optionsOf(argv: string[]) {
  const options = parseBenchArgs(["--engine", "pulumi", "--path", "dynamic", "--no-write", ...argv], "unused");
  assert.ok(options !== "help");
  return options;
}

// npm run bench -- --engine pulumi --shards N: one project, emulator and backend, N stacks each
// declaring its shard's organisations, every command run on all of them at once.
describe("real CLI: the benchmark's sharded mode (--shards 3, --commands up,destroy)", function () {
  const ORGS = 12;
  let result: CliBenchResult;
  const session: CliBenchSession = {};
  const lines: string[] = [];

  before(async function () {
    const options = optionsOf(["--orgs", String(ORGS), "--latency-ms", "5", "--shards", "3", "--commands", "up,destroy"]);
    result = await runCliBench(options, session, (line) => lines.push(line), { path: "dynamic" });
  });
  after(() => session.emulator?.stop());

  it("spreads the organisations over shard-0 … shard-2 as defaultShard does, every one declared by exactly one stack", function () {
    const expected = [0, 1, 2].map(
      (shard) => Array.from({ length: ORGS }, (_, i) => FIRST_ORG_ID + i).filter((id) => defaultShard(id, 3) === shard).length,
    );
    assert.deepEqual(result.shards?.organisations, expected);
    assert.ok(
      expected.every((n) => n > 0),
      `every shard declares some: ${expected.join(", ")}`,
    );
    const up = result.commands[0];
    assert.equal(up.stacks, 3);
    assert.equal(up.stateResources, ORGS, "the stacks' checkpoints hold every organisation once in all");
    // Every stack's exported state, read independently against the emulator: 12 distinct organisations, all as emnify holds them.
    assert.deepEqual(result.agreement, [{ after: "up", agree: ORGS, of: ORGS, differing: {} }]);
    assert.ok(up.largestStateBytes > 0 && up.largestStateBytes < up.stateBytes, `${up.largestStateBytes} of ${up.stateBytes} bytes`);
  });

  it("runs only up and destroy, each with the minimum calls (the sum of the shards'), an authentication per stack that calls, and no 429", function () {
    assert.deepEqual(
      result.commands.map((c) => c.name),
      ["up", "destroy"],
    );
    const [up, destroy] = result.commands;
    // 12 organisations: 10 differ (GET, PATCH, GET), 2 match (GET), 1 restoreOnDelete record (GET).
    assert.deepEqual([up.calls, up.minimum, up.authenticate, up.minimumAuthenticate], [33, 33, 3, 3]);
    // One organisation restores on delete: only its stack authenticates.
    assert.deepEqual([destroy.calls, destroy.minimum, destroy.authenticate, destroy.minimumAuthenticate], [1, 1, 1, 1]);
    for (const c of result.commands) {
      assert.equal(c.code, 0, c.command);
      assert.equal(c.throttled, 0, c.command);
      assert.equal(c.apiErrors, 0, c.command);
      assert.equal(c.stopped, undefined);
    }
    assert.equal(result.stoppedAt, undefined);
    assert.deepEqual(result.restored, { ok: 1, of: 1 });
  });

  it("measures all the stacks' processes together: engine CPU of three engines, peak memory together above the largest stack's", function () {
    for (const c of result.commands) {
      const engine = c.roles.find((r) => r.role === "engine");
      assert.ok(engine && engine.processes >= 3 && engine.cpuMs > 0, `${c.command}: ${JSON.stringify(engine)}`);
      assert.ok(
        c.peakRssLargestStack > 0 && c.peakRssTogether > c.peakRssLargestStack,
        `${c.command}: ${c.peakRssTogether} vs ${c.peakRssLargestStack}`,
      );
    }
  });

  it("prints rows for the sharding table, naming the layout and its largest shard", function () {
    const largest = Math.max(...result.shards!.organisations);
    assert.equal(layoutText(result), `3 × 4 (largest ${largest})`);
    const rows = cliScaleRows(result);
    assert.deepEqual(
      rows.map((r) => r.slice(0, 5)),
      [
        [`3 × 4 (largest ${largest})`, "`pulumi up --yes`", "33 / 33", "3 / 3", "0"],
        [`3 × 4 (largest ${largest})`, "`pulumi destroy --yes`", "1 / 1", "1 / 1", "0"],
      ],
    );
    const section = cliScaleSection(result, ["--engine", "pulumi", "--shards", "3"], new Date());
    assert.match(section, /\| stacks × organisations \| command \|/);
    assert.match(section, /State = emulator for 12\/12 after up\. After destroy 1\/1/);
  });
});

// --stop-after-seconds: a run that cannot finish in time (108 calls at 5 per 3 s need 65 s) is
// stopped with SIGINT, so the engine writes its checkpoint, and the run reports how far it got.
describe("real CLI: the benchmark stops a command still running after --stop-after-seconds", function () {
  const ORGS = 40;
  let result: CliBenchResult;
  const session: CliBenchSession = {};
  const lines: string[] = [];

  before(async function () {
    const options = optionsOf(["--orgs", String(ORGS), "--latency-ms", "5", "--rate-scale", "0.25", "--stop-after-seconds", "40"]);
    result = await runCliBench(options, session, (line) => lines.push(line), { path: "dynamic" });
  });
  after(() => session.emulator?.stop());

  it("stops up after 40 s with SIGINT and ends the run there: no later command, no check of restoreOnDelete", function () {
    assert.equal(result.stoppedAt, "up");
    assert.deepEqual(
      result.commands.map((c) => c.name),
      ["up"],
    );
    const up = result.commands[0];
    assert.ok(up.stopped, lines.join("\n"));
    assert.equal(up.stopped.signals, "SIGINT", "the engine exited on SIGINT within the grace period");
    assert.ok(up.wallMs >= 40_000, `${up.wallMs} ms`);
    assert.equal(result.restored, undefined);
    assert.deepEqual(result.agreement, [], "a stopped command's state is not compared");
  });

  it("reports a partial count: some organisations in the checkpoint, fewer calls than the minimum, engine CPU at the stop", function () {
    const up = result.commands[0];
    const stopped = up.stopped!;
    assert.ok(up.stateResources > 0 && up.stateResources < ORGS, `${up.stateResources} organisations in the checkpoint`);
    assert.ok(
      stopped.callsAtStop > 0 && stopped.callsAtStop <= up.calls && up.calls < up.minimum,
      `${stopped.callsAtStop}, ${up.calls} of ${up.minimum}`,
    );
    assert.ok(stopped.engineCpuAtStopMs > 0, `${stopped.engineCpuAtStopMs} ms`);
    assert.equal(up.throttled, 0);
    assert.match(cliScaleRows(result)[0][1], /\*\*stopped after 40 s\*\* \(SIGINT, .* organisations in the checkpoint/);
  });

  it("leaves a state that `pulumi stack export` reads, holding what the checkpoint holds and no pending operation", function () {
    const exported = result.commands[0].stopped!.exported;
    assert.deepEqual(exported, { parsed: 1, of: 1, organisations: result.commands[0].stateResources, pendingOperations: 0, errors: [] });
  });
});
