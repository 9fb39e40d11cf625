/**
 * The repository's three Pulumi projects (examples/basic, examples/multi-org and the root, whose
 * program is examples/multi-org) run in place through the real `pulumi`, with the commands their
 * READMEs give. The programs load pulumi-emnify from this repository's dist/ by self-reference,
 * exactly as a user who cloned the repository runs them.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadOrganisationsFile } from "pulumi-emnify";
import { adoptionCalls, demoOrganisations } from "../../tools/demoScenario";
import { repoRoot } from "../../tools/repoRoot";
import { CliStack } from "./world";

const ORGS_FILE = path.join(repoRoot(), "examples/multi-org/orgs.yaml");

/** The billing-config calls of one `pulumi` command, order-free (organisations run in parallel). */
function sorted(calls: string[]): string[] {
  return [...calls].sort();
}

async function stackOutputs(stack: CliStack): Promise<Record<string, unknown>> {
  const result = await stack.pulumi(["stack", "output", "--json"]);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("real CLI: examples/basic, run as its README says", function () {
  let stack: CliStack;

  before(async function () {
    // `npm run emulator` holds children 2, 3 and 4 with the emulator's default settings.
    stack = await CliStack.inRepositoryProject(path.join(repoRoot(), "examples/basic"), {
      organisations: [{ id: 2 }, { id: 3 }, { id: 4 }],
    });
    await stack.setConfig("basic:orgId", "2");
    await stack.setConfig("basic:vatin", "DE811234567");
    await stack.setConfig("basic:chargingModelId", "1");
    await stack.setConfig("basic:paymentData", '{"iban":"DE02120300000000202051"}', { secret: true });
  });
  after(() => stack?.dispose());

  it("the first up adopts organisation 2 with GET, one PATCH of the declared fields that differ, GET", async function () {
    const before = stack.emulator.billingConfig(2);
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["GET 2", "PATCH 2", "GET 2"]);
    const patch = stack.emulator.requests.find((r) => r.method === "PATCH")?.body as Record<string, unknown>;
    const differing = ["vatin", "charging_model", "payment_data"].filter(
      (key) => JSON.stringify(before[key as keyof typeof before]) !== JSON.stringify(patch[key]),
    );
    assert.deepEqual(Object.keys(patch).sort(), differing.sort(), "the PATCH holds only declared fields that differed");
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE811234567");
  });

  it("stack output shows the live values, payment data as [secret]", async function () {
    const outputs = await stackOutputs(stack);
    assert.equal(outputs.orgId, 2);
    assert.equal(outputs.vatin, "DE811234567");
    assert.equal((outputs.chargingModel as { id: number }).id, 1);
    assert.equal(outputs.paymentData, "[secret]");
  });

  it("up again: no changes and no API call, not even an authentication", async function () {
    stack.emulator.clearRequests();
    await stack.up(["--expect-no-changes"]);
    assert.equal(stack.emulator.requests.length, 0);
  });

  it("a changed basic:vatin is sent alone", async function () {
    await stack.setConfig("basic:vatin", "DE999999999");
    stack.emulator.clearRequests();
    await stack.up();
    assert.deepEqual(stack.billingCalls(), ["PATCH 2", "GET 2"]);
    assert.deepEqual(stack.emulator.requests.find((r) => r.method === "PATCH")?.body, { vatin: "DE999999999" });
  });

  it("destroy releases the organisation without an API call; emnify keeps its settings", async function () {
    stack.emulator.clearRequests();
    await stack.destroy();
    assert.deepEqual(stack.billingCalls(), []);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE999999999");
    assert.deepEqual(await stack.billingResources(), []);
  });
});

describe("real CLI: examples/multi-org, run as its README says", function () {
  const organisations = demoOrganisations(loadOrganisationsFile(ORGS_FILE));
  let stack: CliStack;

  before(async function () {
    stack = await CliStack.inRepositoryProject(path.join(repoRoot(), "examples/multi-org"), {
      organisations: organisations.map((o) => o.seed),
    });
  });
  after(() => stack?.dispose());

  it("up adopts every organisation of orgs.yaml: a GET where it matches, GET, PATCH, GET where it differs", async function () {
    assert.ok(organisations.some((o) => o.differs) && organisations.some((o) => !o.differs), "the seed has both kinds");
    await stack.up();
    assert.deepEqual(sorted(stack.billingCalls()), adoptionCalls(organisations));
    assert.equal((await stack.billingResources()).length, organisations.length);
  });

  it("the summary output lists every organisation with its live settings, and organisationCount their number", async function () {
    const outputs = await stackOutputs(stack);
    assert.equal(outputs.organisationCount, organisations.length);
    const summary = outputs.summary as Record<string, { orgId: number; vatin: string | null }>;
    assert.deepEqual(Object.keys(summary).sort(), organisations.map((o) => o.entry.name).sort());
    for (const { entry } of organisations) assert.equal(summary[entry.name].vatin, entry.args.vatin ?? null, entry.name);
  });

  it("a mistake in the organisations file stops up before any API call, with one line naming the file, the entry and the field", async function () {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "multi-org-bad-")), "orgs.yaml");
    fs.writeFileSync(bad, fs.readFileSync(ORGS_FILE, "utf8").replace("vatRate: { id: 0 }", 'vatRate: { id: "0" }'));
    try {
      await stack.setConfig("multi-org:orgsFile", bad);
      stack.emulator.clearRequests();
      const result = await stack.up([], { allowFailure: true });
      assert.notEqual(result.code, 0);
      assert.match(result.stdout + result.stderr, /orgs\.yaml: orgs\[2\] \(id 4\): vatRate\.id must be a number, got the string "0"/);
      assert.doesNotMatch(result.stdout + result.stderr, /\n\s+at /, "no stack trace");
      assert.equal(stack.emulator.requests.length, 0);
    } finally {
      await stack.pulumi(["config", "rm", "multi-org:orgsFile"]);
      fs.rmSync(path.dirname(bad), { recursive: true, force: true });
    }
  });

  it("destroy restores the organisations with restoreOnDelete (one PATCH each) and releases the others", async function () {
    const restoring = organisations.filter((o) => o.entry.args.restoreOnDelete);
    assert.ok(restoring.length > 0);
    stack.emulator.clearRequests();
    await stack.destroy();
    assert.deepEqual(sorted(stack.billingCalls()), sorted(restoring.map((o) => `PATCH ${o.entry.args.orgId}`)));
    for (const { entry, seed } of organisations) {
      const expected = entry.args.restoreOnDelete ? seed.billingConfig?.vatin : entry.args.vatin;
      assert.equal(stack.emulator.billingConfig(entry.args.orgId).vatin, expected, entry.name);
    }
  });
});

describe("real CLI: the repository root as a Pulumi project (`pulumi up` in the root runs examples/multi-org)", function () {
  const organisations = demoOrganisations(loadOrganisationsFile(ORGS_FILE));
  let stack: CliStack;

  before(async function () {
    stack = await CliStack.inRepositoryProject(repoRoot(), { organisations: organisations.map((o) => o.seed) });
  });
  after(() => stack?.dispose());

  // Found here: with `main: examples/multi-org/` (a directory) Pulumi's Node.js runtime took the
  // entry point from the nearest package.json, this package's own, and `pulumi up` ran
  // dist/provider/index.js, declaring nothing. The stand-in had resolved the directory itself.
  it("up adopts the organisations of examples/multi-org/orgs.yaml under the project pulumi-emnify; up again changes nothing", async function () {
    await stack.up();
    assert.deepEqual(sorted(stack.billingCalls()), adoptionCalls(organisations));
    const resources = await stack.billingResources();
    assert.equal(resources.length, organisations.length);
    for (const resource of resources) assert.match(resource.urn, /^urn:pulumi:[^:]+::pulumi-emnify::/);
    stack.emulator.clearRequests();
    await stack.up(["--expect-no-changes"]);
    assert.equal(stack.emulator.requests.length, 0);
  });
});
