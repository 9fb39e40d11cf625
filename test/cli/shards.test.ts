import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCommandLine } from "../../provider/cli/args";
import { shardsHelp } from "../../provider/cli/help";
import { organisationUrns, pinShard, shardOfStackName } from "../../provider/cli/shardMove";
import { repoRoot } from "../../tools/repoRoot";
import { runCli } from "./helpers";

const SAMPLE = path.join(repoRoot(), "examples/sharded/orgs.yaml");

describe("pulumi-emnify shards: the shards of an organisations file, read from the file alone", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-shards-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads --file, --count and --to-count, and refuses a count that is not a whole number from 1 to 1000", () => {
    assert.deepEqual(parseCommandLine(["shards", "--file", "orgs.yaml", "--count", "3", "--to-count", "4"]), {
      kind: "shards",
      options: { file: "orgs.yaml", count: 3, toCount: 4 },
    });
    assert.deepEqual(parseCommandLine(["help", "shards"]), { kind: "help", topic: "shards" });
    assert.throws(
      () => parseCommandLine(["shards", "--file", "orgs.yaml", "--count", "0"]),
      /--count needs a shard count \(a whole number from 1 to 1000\), got '0'/,
    );
    assert.throws(() => parseCommandLine(["shards", "--file", "orgs.yaml"]), /say how many shards: --count <n>/);
  });

  it("prints each organisation's shard, its pins, and the size of every shard (examples/sharded/orgs.yaml at 3)", async () => {
    const run = await runCli(["shards", "--file", SAMPLE, "--count", "3"], {});
    assert.equal(run.stderr, "");
    assert.equal(run.status, 0);
    assert.equal(
      run.stdout,
      [
        "SHARD  ID  NAME",
        "0      2   acme-logistics",
        "2      3   nordwind-energie",
        "1      4   fleetline-uk",
        "1      5   smartmeter-nl",
        "2      6   agrisense-fr",
        "1      7   bikeshare-wien",
        "0      8   coldchain-pl      pinned",
        "2      9   telematics-es",
        "8 organisations over 3 shards (0: 2, 1: 3, 2: 3)",
        "",
      ].join("\n"),
    );
  });

  it("with --to-count lists only the organisations that change shard, all to the new one when the count grows by one", async () => {
    const run = await runCli(["shards", "--file", SAMPLE, "--count", "3", "--to-count", "4"], {});
    assert.equal(run.status, 0);
    assert.equal(
      run.stdout,
      [
        "ID  NAME              FROM  TO",
        "3   nordwind-energie  2     3",
        "5   smartmeter-nl     1     3",
        "9   telematics-es     2     3",
        "3 organisations of 8 change shard from 3 shards to 4: pin each ('shard: <from>') or move its resources (pulumi state move) before changing the count",
        "",
      ].join("\n"),
    );
  });

  it("fails with one line per problem when an organisation is pinned to a shard the count does not have, or the file is wrong", async () => {
    const file = path.join(dir, "orgs.yaml");
    fs.writeFileSync(file, ["orgs:", "  - id: 2", "    shard: 3", "  - id: 3", "    shard: 5"].join("\n"));
    assert.deepEqual(await runCli(["shards", "--file", file, "--count", "3"], {}), {
      status: 1,
      stdout: "",
      stderr: "error: org-2 (id 2) has shard 3, but the shard count is 3\nerror: org-3 (id 3) has shard 5, but the shard count is 3\n",
    });
    fs.writeFileSync(file, ["orgs:", "  - id: 2", "    shard: x", "  - id: 3", "    vatRate: { id: '1' }"].join("\n"));
    const run = await runCli(["shards", "--file", file, "--count", "3"], {});
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      [
        'error: orgs.yaml: orgs[0] (id 2): shard must be a whole number from 0 to 999, got "x"',
        'error: orgs.yaml: orgs[1] (id 3): vatRate.id must be a number, got the string "1"',
        "",
      ].join("\n"),
    );
  });

  it("shards move: reads --file, --org, --from and --to, all required", () => {
    assert.deepEqual(parseCommandLine(["shards", "move", "--file", "o.yaml", "--org", "42", "--from", "shard-1", "--to", "shard-2"]), {
      kind: "shard-move",
      options: { file: "o.yaml", orgId: 42, from: "shard-1", to: "shard-2" },
    });
    assert.throws(
      () => parseCommandLine(["shards", "move", "--file", "o.yaml", "--org", "42", "--from", "shard-1"]),
      /shards move needs --to <stack>/,
    );
    assert.throws(
      () => parseCommandLine(["shards", "move", "--file", "o.yaml", "--org", "x", "--from", "a-1", "--to", "a-2"]),
      /--org needs an organisation id/,
    );
    assert.deepEqual(parseCommandLine(["shards", "move", "--help"]), { kind: "help", topic: "shards" });
  });

  it("shards move: the shard is the number ending the stack's name; the pin is written into the entry, comments kept", () => {
    assert.equal(shardOfStackName("prod-shard-12"), 12);
    assert.throws(() => shardOfStackName("shard2"), /the stack name shard2 must end with -<shard>, e.g. shard-0/);
    const text = ["# the file", "orgs:", "  - id: 2 # first", "    vatin: DE1", "  - id: 3", "    shard: 0", ""].join("\n");
    assert.equal(
      pinShard(text, 2, 4),
      ["# the file", "orgs:", "  - id: 2 # first", "    vatin: DE1", "    shard: 4", "  - id: 3", "    shard: 0", ""].join("\n"),
    );
    assert.equal(pinShard(text, 3, 1), text.replace("shard: 0", "shard: 1"));
    assert.throws(() => pinShard(text, 9, 1), /organisation 9 is not in the organisations file/);
  });

  it("shards move: moves the organisation's BillingConfig and its record of originals, nothing else", () => {
    const urn = (type: string, name: string) => `urn:pulumi:shard-1::sharded::pulumi-nodejs:dynamic/emnify:${type}::${name}`;
    const state = {
      deployment: {
        resources: [
          { urn: "urn:pulumi:shard-1::sharded::pulumi:pulumi:Stack::sharded-shard-1", type: "pulumi:pulumi:Stack" },
          { urn: urn("BillingOriginals", "org-42"), type: "pulumi-nodejs:dynamic/emnify:BillingOriginals" },
          { urn: urn("BillingConfig", "acme"), type: "pulumi-nodejs:dynamic/emnify:BillingConfig" },
          { urn: urn("BillingConfig", "xacme"), type: "pulumi-nodejs:dynamic/emnify:BillingConfig" },
          { urn: urn("BillingOriginals", "org-420"), type: "pulumi-nodejs:dynamic/emnify:BillingOriginals" },
        ],
      },
    };
    assert.deepEqual(organisationUrns(state, "acme", 42), [urn("BillingOriginals", "org-42"), urn("BillingConfig", "acme")]);
    assert.deepEqual(organisationUrns(state, "other", 7), []);
  });

  it("shards move: an organisation not in the file, or a --to stack whose name does not end with -<shard>, is refused before anything moves", async () => {
    const file = path.join(dir, "move.yaml");
    fs.writeFileSync(file, ["orgs:", "  - id: 2"].join("\n"));
    const run = await runCli(["shards", "move", "--file", file, "--org", "9", "--from", "shard-0", "--to", "shard-1"], {});
    assert.deepEqual(run, { status: 1, stdout: "", stderr: `error: organisation 9 is not in ${file}\n` });
    const badName = await runCli(["shards", "move", "--file", file, "--org", "2", "--from", "shard-0", "--to", "other"], {});
    assert.deepEqual(badName, { status: 1, stdout: "", stderr: "error: the stack name other must end with -<shard>, e.g. shard-0\n" });
  });

  it("prints its help for 'shards --help'", async () => {
    assert.deepEqual(await runCli(["shards", "--help"], {}), { status: 0, stdout: shardsHelp(), stderr: "" });
  });
});
