import * as assert from "node:assert/strict";
import { type Declared, programResources } from "../../tools/soak/cliSoak";
import { USAGE, parseSoakCliArgs } from "../../scripts/soakCliOptions";

const ARGS = { vatin: "DE-1", invoiceIssuerInfo: null, chargingModel: { id: 0 }, paymentTerm: { id: 1 }, vatRate: { id: 2 } };
const DECLARED: Declared[] = [
  { name: "r1", args: { ...ARGS, orgId: 201, restoreOnDelete: true } },
  { name: "r2", args: { ...ARGS, orgId: 202, restoreOnDelete: false } },
  { name: "r3", args: { ...ARGS, orgId: 203, restoreOnDelete: true }, options: { aliases: ["r0"] } },
];

describe("npm run soak:cli: arguments (scripts/soakCliOptions.ts)", function () {
  it("runs the dynamic resource by default; --path plugin selects the provider plugin", function () {
    const dynamic = parseSoakCliArgs([]);
    assert.ok(dynamic !== "help");
    assert.equal(dynamic.path, "dynamic");
    assert.deepEqual(parseSoakCliArgs(["--path", "plugin", "--runs", "40", "--seed", "21"]), {
      path: "plugin",
      runs: 40,
      seed: 21,
      orgs: 8,
      unkilled: 0.15,
      faults: true,
    });
    assert.match(USAGE, /--path P +dynamic: the dynamic BillingConfig \(default\); plugin:/);
  });

  for (const [argv, message] of [
    [["--path", "yaml"], /--path: invalid value "yaml" \(dynamic or plugin\)/],
    [["--runs", "0"], /--runs: invalid value "0"/],
    [["--unkilled", "2"], /--unkilled: invalid value "2"/],
  ] as const) {
    it(`refuses ${argv.join(" ")} with a usage error`, function () {
      assert.throws(() => parseSoakCliArgs([...argv]), message);
    });
  }
});

describe("the kill soak's declarations (tools/soak/cliSoak.ts programResources)", function () {
  it("on the plugin path, each restoreOnDelete organisation declares its record of originals, keeping its other options", function () {
    assert.deepEqual(
      programResources(DECLARED, "plugin").map((d) => [d.name, d.options]),
      [
        ["r1", { recordOriginals: true }],
        ["r2", undefined],
        ["r3", { aliases: ["r0"], recordOriginals: true }],
      ],
    );
  });

  it("on the dynamic path, the declarations are passed as they are (the dynamic resource records by itself)", function () {
    assert.deepEqual(programResources(DECLARED, "dynamic"), DECLARED);
  });
});
