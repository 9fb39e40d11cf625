/**
 * A unit test of this program, written as a user of pulumi-emnify writes one: Pulumi's mocks
 * (`pulumi.runtime.setMocks`) stand in for the engine and the provider, so nothing talks to emnify,
 * to the emulator or to a `pulumi` CLI. mocha runs it (`npm test`, `npm run test:unit`); in a project
 * of your own, `npx mocha -r ts-node/register 'test/**\/*.test.ts'` does.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { BillingConfig, checkBillingConfigArgs, loadOrganisationsFile } from "pulumi-emnify";

// mocha runs from the repository root (a project of your own: its directory).
const ORGS_FILE = path.resolve("examples/multi-org/orgs.yaml");

/** The value of an output, once the mocks have resolved it. */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

describe("examples/multi-org under Pulumi's mocks", () => {
  /** What the program declared: each resource's inputs, by resource name. */
  const declared = new Map<string, Record<string, unknown>>();
  const records: string[] = [];
  let program: typeof import("../index.js");

  before(async function () {
    this.timeout(20_000);
    await pulumi.runtime.setMocks(
      {
        // Stands in for the provider: the id is the organisation id, and emnify's answer holds the
        // declared values plus the record's own id.
        newResource(args: pulumi.runtime.MockResourceArgs) {
          const inputs = args.inputs as Record<string, unknown>;
          // Beside each BillingConfig with restoreOnDelete, the package declares the record of the
          // organisation's original settings (emnify:BillingOriginals, named org-<orgId>).
          if (args.type.endsWith(":BillingOriginals")) {
            records.push(args.name);
            return { id: String(inputs.orgId), state: inputs };
          }
          declared.set(args.name, inputs);
          return { id: String(inputs.orgId), state: { ...inputs, billingConfigId: 8 } };
        },
        call: (args: pulumi.runtime.MockCallArgs) => args.inputs as Record<string, unknown>,
      },
      "multi-org",
      "test",
    );
    pulumi.runtime.setConfig("multi-org:orgsFile", ORGS_FILE);
    program = await import("../index.js");
  });

  it("declares one BillingConfig per entry of orgs.yaml, with the file's defaults filled in", async () => {
    const entries = loadOrganisationsFile(ORGS_FILE);
    assert.equal(program.organisationCount, entries.length);
    await valueOf(program.summary);
    assert.deepEqual([...declared.keys()].sort(), entries.map((e) => e.name).sort());
    // acme-logistics sets only its VAT id; the three references come from `defaults`.
    assert.deepEqual(pickDeclared(declared.get("acme-logistics")!), {
      orgId: 2,
      vatin: "DE811234567",
      chargingModel: { id: 1 },
      paymentTerm: { id: 1 },
      vatRate: { id: 1 },
    });
    assert.equal(declared.get("agrisense-fr")!.restoreOnDelete, true);
  });

  it("records the original settings of each organisation that restores on delete", () => {
    const restoring = loadOrganisationsFile(ORGS_FILE).filter((e) => e.args.restoreOnDelete === true);
    assert.deepEqual([...records].sort(), restoring.map((e) => `org-${String(e.args.orgId)}`).sort());
  });

  it("exports a summary of every organisation's live settings, without payment data", async () => {
    const summary = await valueOf(program.summary);
    assert.deepEqual(summary["fleetline-uk"], {
      orgId: 4,
      billingConfigId: 8,
      vatin: "GB123456789",
      invoiceIssuerInfo: "Fleetline Ltd, 1 Dock Road, London E16 1AA",
      chargingModelId: 1,
      paymentTermId: 1,
      vatRateId: 0,
      restoreOnDelete: false,
    });
    assert.ok(Object.values(summary).every((line) => !("paymentData" in line)));
  });

  it("refuses a wrong argument where it is declared, in the words of the provider's check", () => {
    assert.throws(() => new BillingConfig("bad", { orgId: -1 }), {
      message: 'BillingConfig "bad": orgId: must be a positive whole number, got the number -1',
    });
    assert.deepEqual(checkBillingConfigArgs({ orgId: 101, vatRate: { id: "1" } }), [
      { property: "vatRate.id", reason: 'must be a number, got the string "1"' },
    ]);
  });
});

/** The declared settings, without the properties Pulumi and the provider add. */
function pickDeclared(inputs: Record<string, unknown>): Record<string, unknown> {
  const names = ["orgId", "vatin", "invoiceIssuerInfo", "chargingModel", "paymentTerm", "vatRate", "paymentData"];
  return Object.fromEntries(Object.entries(inputs).filter(([key, value]) => names.includes(key) && value !== undefined));
}
