import assert from "node:assert/strict";
import { OrganisationsFileError, parseOrganisationsFile } from "../../provider/billing/organisationsFile";

function problems(text: string): string[] {
  try {
    parseOrganisationsFile(text, "/some/dir/orgs.yaml");
  } catch (error) {
    assert.ok(error instanceof OrganisationsFileError);
    return error.problems;
  }
  assert.fail("expected the file to be refused");
}

describe("the organisations file (multi-org example and export)", () => {
  it("applies defaults to every organisation unless it sets the field itself", () => {
    const entries = parseOrganisationsFile(
      [
        "defaults:",
        "  chargingModel: { id: 1 }",
        "  restoreOnDelete: true",
        "orgs:",
        "  - id: 101",
        "    name: acme",
        "    vatin: DE1",
        "  - id: 102",
        "    chargingModel: { id: 2 }",
      ].join("\n"),
      "orgs.yaml",
    );
    assert.deepEqual(entries, [
      { name: "acme", args: { orgId: 101, vatin: "DE1", chargingModel: { id: 1 }, restoreOnDelete: true } },
      { name: "org-102", args: { orgId: 102, chargingModel: { id: 2 }, restoreOnDelete: true } },
    ]);
  });

  it("reads JSON as well", () => {
    assert.deepEqual(parseOrganisationsFile('{"orgs":[{"id":7}]}', "orgs.json"), [
      { name: "org-7", args: { orgId: 7, restoreOnDelete: false } },
    ]);
  });

  it("names the file, the entry and the field of a bad value", () => {
    assert.deepEqual(problems("orgs:\n  - id: 1\n  - id: 2\n  - id: 3\n  - id: 4711\n    vatRate: { id: '1' }\n"), [
      'orgs.yaml: orgs[3] (id 4711): vatRate.id must be a number, got the string "1"',
    ]);
  });

  it("reports every problem of the file at once", () => {
    assert.deepEqual(
      problems("defaults:\n  vatin: 5\n  orgId: 3\norgs:\n  - id: x\n  - vatin: DE\n  - id: 9\n    name: 'has space'\n  - 3\n"),
      [
        "orgs.yaml: defaults: vatin must be a string, got the number 5",
        "orgs.yaml: defaults: 'orgId' cannot have a default (allowed: vatin, invoiceIssuerInfo, chargingModel, paymentTerm, vatRate, paymentData, restoreOnDelete)",
        'orgs.yaml: orgs[0] (id x): id must be a number (the emnify organisation id), got the string "x"',
        "orgs.yaml: orgs[1]: id is required",
        "orgs.yaml: orgs[2] (id 9): name must be letters, digits, '.', '_' or '-', got \"has space\"",
        "orgs.yaml: orgs[3]: must be a mapping with at least an id",
      ],
    );
  });

  it("refuses an organisation listed twice", () => {
    assert.deepEqual(problems("orgs:\n  - id: 5\n  - id: 5\n"), ["orgs.yaml: orgs[1] (id 5): id 5 is listed twice (also orgs[0])"]);
  });

  it("refuses unknown top-level keys and a missing orgs list", () => {
    assert.deepEqual(problems("organisations: []\n"), [
      "orgs.yaml: 'organisations' is not expected (only 'defaults' and 'orgs')",
      "orgs.yaml: orgs must be a list of organisations",
    ]);
  });

  it("gives the line and column of a YAML syntax error", () => {
    const [first] = problems("orgs:\n  - id: 1\n   bad: [\n");
    assert.match(first, /^orgs\.yaml:\d+:\d+: /);
  });
});
