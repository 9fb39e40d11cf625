import * as assert from "node:assert/strict";
import { CLI_COMMANDS, DEFAULTS, LIMIT_SCENARIOS, USAGE, UsageError, parseBenchArgs, scaledLimit } from "../../scripts/bench/options";

const OUT = "/repo/BENCHMARKS.md";

describe("npm run bench: arguments (scripts/bench/options.ts)", function () {
  it("without arguments runs the stand-in with every default, writing BENCHMARKS.md", function () {
    assert.deepEqual(parseBenchArgs([], OUT), { engine: "stand-in", orgs: 1000, latencyMs: 50, rateScale: 10, windowSeconds: 3, out: OUT });
  });

  it("reads each flag, in both --flag value and --flag=value forms", function () {
    assert.deepEqual(
      parseBenchArgs(
        ["--orgs", "20", "--latency-ms=0", "--rate-scale", "2.5", "--window-seconds=6", "--parallel", "16", "--out", "/tmp/b.md"],
        OUT,
      ),
      { engine: "stand-in", orgs: 20, latencyMs: 0, rateScale: 2.5, windowSeconds: 6, parallel: 16, out: "/tmp/b.md" },
    );
  });

  it("--no-write prints only; --engine pulumi selects the real CLI", function () {
    const options = parseBenchArgs(["--engine", "pulumi", "--orgs", "10", "--no-write"], OUT);
    assert.ok(options !== "help");
    assert.equal(options.engine, "pulumi");
    assert.equal(options.orgs, 10);
    assert.equal(options.out, undefined);
  });

  it("--engine pulumi runs both paths by default; --path chooses one", function () {
    const both = parseBenchArgs(["--engine", "pulumi"], OUT);
    assert.ok(both !== "help");
    assert.deepEqual(both.paths, ["dynamic", "plugin"]);
    const explicit = parseBenchArgs(["--engine", "pulumi", "--path", "both"], OUT);
    assert.ok(explicit !== "help");
    assert.deepEqual(explicit.paths, ["dynamic", "plugin"]);
    for (const one of ["dynamic", "plugin"] as const) {
      const options = parseBenchArgs(["--engine", "pulumi", `--path=${one}`], OUT);
      assert.ok(options !== "help");
      assert.deepEqual(options.paths, [one]);
    }
  });

  it("--shards, --commands and --stop-after-seconds (real CLI) are read; --commands runs in up … destroy order whatever the order given", function () {
    const options = parseBenchArgs(
      ["--engine", "pulumi", "--orgs", "100", "--shards", "20", "--commands", "destroy,up", "--stop-after-seconds=1800"],
      OUT,
    );
    assert.ok(options !== "help");
    assert.equal(options.shards, 20);
    assert.deepEqual(options.commands, ["up", "destroy"]);
    assert.equal(options.stopAfterSeconds, 1800);
    const all = parseBenchArgs(["--engine", "pulumi", "--commands", "refresh-skip-preview,up-again,refresh,destroy,up"], OUT);
    assert.ok(all !== "help");
    assert.deepEqual(all.commands, [...CLI_COMMANDS]);
    const plain = parseBenchArgs(["--engine", "pulumi"], OUT);
    assert.ok(plain !== "help");
    assert.deepEqual(
      [plain.shards, plain.commands, plain.stopAfterSeconds],
      [undefined, undefined, undefined],
      "one stack, every command, no stop",
    );
  });

  it("--scenario is repeatable and limits stands for all four", function () {
    const one = parseBenchArgs(["--scenario", "path-8", "--scenario=tightening"], OUT);
    assert.ok(one !== "help");
    assert.deepEqual(one.scenarios, ["path-8", "tightening"]);
    const all = parseBenchArgs(["--scenario", "limits"], OUT);
    assert.ok(all !== "help");
    assert.deepEqual(all.scenarios, [...LIMIT_SCENARIOS]);
  });

  it("answers help for -h and --help", function () {
    assert.equal(parseBenchArgs(["-h"], OUT), "help");
    assert.equal(parseBenchArgs(["--orgs", "5", "--help"], OUT), "help");
  });

  for (const [argv, message] of [
    [["--orgs", "0"], /--orgs needs a positive whole number, got "0"/],
    [["--orgs", "1.5"], /--orgs needs a positive whole number/],
    [["--latency-ms", "-1"], /argument is ambiguous|--latency-ms needs a non-negative number/],
    [["--rate-scale", "x"], /--rate-scale needs a positive number, got "x"/],
    [["--orgs"], /--orgs/],
    [["--frobnicate"], /Unknown option '--frobnicate'/],
    [["extra"], /Unexpected argument 'extra'/],
    [["--scenario", "nope"], /--scenario must be one of undisclosed-40, path-8, tightening, two-processes or limits, got "nope"/],
    [["--engine", "terraform"], /--engine must be one of stand-in, pulumi, got "terraform"/],
    [["--engine", "pulumi", "--scenario", "limits"], /cannot be combined with --engine pulumi/],
    [["--engine", "pulumi", "--parallel", "4"], /--parallel is the stand-in's/],
    [["--out="], /--out needs a file name/],
    [["--path", "plugin"], /--path .* needs --engine pulumi/],
    [["--engine", "pulumi", "--path", "yaml"], /--path must be one of dynamic, plugin or both, got "yaml"/],
    [["--shards", "3"], /--shards is the real CLI's; it needs --engine pulumi/],
    [["--commands", "up"], /--commands is the real CLI's; it needs --engine pulumi/],
    [["--stop-after-seconds", "60"], /--stop-after-seconds is the real CLI's; it needs --engine pulumi/],
    [["--engine", "pulumi", "--shards", "0"], /--shards needs a positive whole number, got "0"/],
    [["--engine", "pulumi", "--shards", "2.5"], /--shards needs a positive whole number/],
    [["--engine", "pulumi", "--shards", "1001"], /--shards needs a whole number from 1 to 1000, got 1001/],
    [["--engine", "pulumi", "--orgs", "10", "--shards", "11"], /--shards 11 is more than --orgs 10/],
    [
      ["--engine", "pulumi", "--commands", "up,deploy"],
      /--commands takes a comma-separated list of up, up-again, refresh, refresh-skip-preview, destroy, got "deploy"/,
    ],
    [["--engine", "pulumi", "--commands", "up,up"], /--commands names a command twice/],
    [["--engine", "pulumi", "--commands", "destroy"], /--commands destroy cannot run without up/],
    [["--engine", "pulumi", "--commands", "refresh,destroy"], /--commands refresh,destroy cannot run without up/],
    [["--engine", "pulumi", "--commands", ""], /--commands takes a comma-separated list .* got ""/],
    [["--engine", "pulumi", "--stop-after-seconds", "0"], /--stop-after-seconds needs a positive number, got "0"/],
  ] as const) {
    it(`refuses ${argv.join(" ")} with a usage error`, function () {
      assert.throws(
        () => parseBenchArgs([...argv], OUT),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      );
    });
  }

  it("states each default in the usage text, from the one DEFAULTS table", function () {
    assert.match(USAGE, new RegExp(`--orgs N\\s+organisations \\(default ${DEFAULTS.orgs}\\)`));
    assert.match(USAGE, new RegExp(`--latency-ms MS.*\\(default ${DEFAULTS.latencyMs}\\)`));
    assert.match(USAGE, new RegExp(`--engine E\\s+stand-in or pulumi \\(default ${DEFAULTS.engine}\\)`));
    assert.match(USAGE, /4 × CPUs/);
    assert.doesNotMatch(USAGE, /unbounded/);
    for (const flag of ["--shards N", "--commands LIST", "--stop-after-seconds S"]) assert.ok(USAGE.includes(flag), flag);
    assert.ok(USAGE.includes(CLI_COMMANDS.join(", ")));
  });

  it("scales emnify's 2,000 per 300 s into a short window", function () {
    assert.deepEqual(scaledLimit({ requests: 2000, windowSeconds: 300 }, { rateScale: 10, windowSeconds: 3 }), {
      requests: 200,
      windowSeconds: 3,
      perSecond: 200 / 3,
      setting: "200/3",
    });
  });
});
