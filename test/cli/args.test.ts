import assert from "node:assert/strict";
import { Command, UsageError, parseCommandLine } from "../../provider/cli/args";

function refusal(argv: string[]): { message: string; help: string } {
  try {
    parseCommandLine(argv);
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    return { message: error.message, help: error.helpCommand };
  }
  assert.fail(`expected ${JSON.stringify(argv)} to be refused`);
}

describe("export: reading the command line", () => {
  const accepted: Array<[string[], Command]> = [
    [
      ["export", "--children"],
      {
        kind: "export",
        options: { selection: { kind: "children" }, out: undefined, format: "yaml", formatGiven: false, includePaymentData: false },
      },
    ],
    [
      ["export", "--org", "102", "--org=101,103", "--org", "102"],
      {
        kind: "export",
        options: {
          selection: { kind: "orgs", orgIds: [101, 102, 103] },
          out: undefined,
          format: "yaml",
          formatGiven: false,
          includePaymentData: false,
        },
      },
    ],
    [
      ["export", "--children", "--out", "conf/orgs.JSON"],
      {
        kind: "export",
        options: { selection: { kind: "children" }, out: "conf/orgs.JSON", format: "json", formatGiven: false, includePaymentData: false },
      },
    ],
    [
      ["export", "--children", "--out", "index.ts"],
      {
        kind: "export",
        options: { selection: { kind: "children" }, out: "index.ts", format: "ts", formatGiven: false, includePaymentData: false },
      },
    ],
    [
      ["export", "--children", "--out", "orgs.txt", "--include-payment-data"],
      {
        kind: "export",
        options: { selection: { kind: "children" }, out: "orgs.txt", format: "yaml", formatGiven: false, includePaymentData: true },
      },
    ],
    [
      ["export", "--children", "--format", "json", "--out", "orgs.yaml"],
      {
        kind: "export",
        options: { selection: { kind: "children" }, out: "orgs.yaml", format: "json", formatGiven: true, includePaymentData: false },
      },
    ],
    [
      ["export", "--children", "--out", "-"],
      {
        kind: "export",
        options: { selection: { kind: "children" }, out: undefined, format: "yaml", formatGiven: false, includePaymentData: false },
      },
    ],
    [["--help"], { kind: "help", topic: "main" }],
    [["-h"], { kind: "help", topic: "main" }],
    [["help"], { kind: "help", topic: "main" }],
    [["help", "export"], { kind: "help", topic: "export" }],
    [["export", "--help"], { kind: "help", topic: "export" }],
    [["export", "--org", "nonsense", "-h"], { kind: "help", topic: "export" }],
    [["--version"], { kind: "version" }],
  ];
  for (const [argv, command] of accepted) {
    it(`reads ${JSON.stringify(argv.join(" "))}`, () => {
      assert.deepEqual(parseCommandLine(argv), command);
    });
  }

  const refused: Array<[string[], string, "export" | "main"]> = [
    [[], "missing command (available: export, shards, migrate-to-plugin, help)", "main"],
    [["frobnicate"], "unknown command 'frobnicate' (available: export, shards, migrate-to-plugin, help)", "main"],
    [["--verbose", "export"], "unknown option '--verbose'", "main"],
    [["help", "import"], "no help for 'import' (available: export, shards, migrate-to-plugin)", "main"],
    [["export"], "say which organisations to export: --org <id> (repeatable) or --children", "export"],
    [
      ["export", "--org", "101", "--children"],
      "--org and --children cannot be combined: export either the listed organisations or all children",
      "export",
    ],
    [["export", "--children", "--foo"], "unknown option '--foo'", "export"],
    [["export", "--children", "-x"], "unknown option '-x'", "export"],
    [["export", "--children=yes"], "option '--children' takes no value", "export"],
    [["export", "--org"], "option '--org' needs a value", "export"],
    [["export", "--org", "--children"], "option '--org' needs a value", "export"],
    [["export", "--org="], "option '--org' needs a value", "export"],
    [["export", "--org", "abc"], "--org needs an organisation id (a positive whole number), got 'abc'", "export"],
    [["export", "--org", "0"], "--org needs an organisation id (a positive whole number), got '0'", "export"],
    [["export", "--org", "101,,102"], "--org needs an organisation id (a positive whole number), got ''", "export"],
    [["export", "--org", "1.5"], "--org needs an organisation id (a positive whole number), got '1.5'", "export"],
    [["export", "--children", "extra"], "unexpected argument 'extra'", "export"],
    [["export", "--children", "--format", "xml"], "--format must be one of yaml, json, ts, import, got 'xml'", "export"],
    [["export", "--children", "--out", "a.yaml", "--out", "b.yaml"], "option '--out' is given 2 times; give it once", "export"],
    [
      ["export", "--children", "--format", "ts", "--include-payment-data"],
      "--include-payment-data cannot be used with --format ts: a program must not hold payment details in plain text (export them as yaml or json)",
      "export",
    ],
  ];
  for (const [argv, message, topic] of refused) {
    it(`refuses ${JSON.stringify(argv.join(" "))} with "${message}"`, () => {
      assert.deepEqual(refusal(argv), { message, help: topic === "export" ? "pulumi-emnify export --help" : "pulumi-emnify --help" });
    });
  }
});
