/**
 * examples/multi-org, run the way `pulumi up` runs it, against an emulator holding the
 * organisations of orgs.yaml: most already as declared, every third one differing (the demo's
 * starting point, tools/demoScenario.ts). Each test starts from that point itself.
 */
import { BILLING_CONFIG_TYPE, BILLING_ORIGINALS_TYPE } from "../../tools/apiCalls";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadOrganisationsFile } from "pulumi-emnify";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "pulumi-emnify/emulator";
import { DemoOrganisation, demoOrganisations } from "../../tools/demoScenario";
import { ProgramRunError, makeTempDir, runProgramUnderMocks } from "../../tools/engine";
import { ExampleStack, REPO_ROOT, sourcePath, startExampleStack } from "../../tools/examples/exampleStack";

const PROGRAM = "dist/examples/multi-org/index.js";
const ORGS_FILE = sourcePath("examples", "multi-org", "orgs.yaml");
const SECRET_KEYS = ["emnify:applicationToken"];

const billingPath = (orgId: number) => `/api/v1/organisation/${orgId}/billing_config`;

function stackConfig(emulator: EmnifyEmulator, orgsFile = ORGS_FILE): Record<string, string> {
  return { "emnify:endpoint": emulator.url, "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "multi-org:orgsFile": orgsFile };
}

/** The declared settings of an organisation in the API's shape, as the emulator stores them. */
function declaredInApi(organisation: DemoOrganisation): Record<string, unknown> {
  const { args } = organisation.entry;
  return {
    vatin: args.vatin,
    ...(args.invoiceIssuerInfo === undefined ? {} : { invoice_issuer_info: args.invoiceIssuerInfo }),
    charging_model: args.chargingModel,
    payment_term: args.paymentTerm,
    vat_rate: args.vatRate,
  };
}

/** Writes a copy of orgs.yaml, edited, into a fresh directory; returns its path. */
function editedOrgsFile(edit: (text: string) => string): string {
  const file = path.join(makeTempDir("multi-org-"), "orgs.yaml");
  const original = fs.readFileSync(ORGS_FILE, "utf8");
  const edited = edit(original);
  assert.notEqual(edited, original, "the edit changed the file");
  fs.writeFileSync(file, edited);
  return file;
}

/**
 * Waits for a line on the provider host's stderr. The host writes it before answering the call,
 * but the pipe may deliver it a moment after the gRPC answer arrives.
 */
async function hostSays(stack: ExampleStack, line: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!stack.host.output().split("\n").includes(line)) {
    if (Date.now() > deadline) assert.fail(`the host did not say: ${line}\n--- it said ---\n${stack.host.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("examples/multi-org through Pulumi's dynamic-provider host", () => {
  // Every test sets up what it needs (its own emulator, host and state), so one failure does not
  // make the others fail.
  const organisations = demoOrganisations(loadOrganisationsFile(ORGS_FILE));
  let running: { emulator: EmnifyEmulator; stacks: ExampleStack[] }[] = [];

  /** An emulator seeded with orgs.yaml's organisations (the demo's starting point) and a stack on it. */
  async function freshStack(): Promise<{ emulator: EmnifyEmulator; stack: ExampleStack }> {
    const emulator = await EmnifyEmulator.start({ organisations: organisations.map((o) => o.seed) });
    const entry = { emulator, stacks: [] as ExampleStack[] };
    running.push(entry);
    const stack = await startExampleStack({
      program: PROGRAM,
      project: "pulumi-emnify",
      stack: "dev",
      config: stackConfig(emulator),
      secretConfigKeys: SECRET_KEYS,
    });
    entry.stacks.push(stack);
    return { emulator, stack };
  }

  /** A stack after its first `pulumi up` adopted every organisation; the emulator's requests cleared. */
  async function adoptedStack(): Promise<{ emulator: EmnifyEmulator; stack: ExampleStack }> {
    const fresh = await freshStack();
    assert.deepEqual((await fresh.stack.engine.up(fresh.stack.resources)).failed, [], "the first up");
    fresh.emulator.clearRequests();
    return fresh;
  }

  afterEach(async () => {
    for (const { emulator, stacks } of running.splice(0)) {
      for (const stack of stacks) await stack.stop();
      await emulator.stop();
    }
    running = [];
  });

  it("declares one BillingConfig per entry of orgs.yaml, named as the file names them", async function () {
    this.timeout(60_000);
    const { stack } = await freshStack();
    const billing = stack.resources.filter((r) => r.type === BILLING_CONFIG_TYPE);
    assert.deepEqual(billing.map((r) => r.name).sort(), organisations.map((o) => o.entry.name).sort());
    // Beside them, a record of originals for each organisation with restoreOnDelete: agrisense-fr (6), telematics-es (9).
    assert.deepEqual(
      stack.resources.filter((r) => r.type === BILLING_ORIGINALS_TYPE).map((r) => r.name),
      ["org-6", "org-9"],
    );
    assert.equal(organisations.length, 8);
    assert.deepEqual(
      organisations.filter((o) => o.differs).map((o) => o.entry.name),
      ["nordwind-energie", "agrisense-fr", "telematics-es"],
    );
  });

  it("the first run adopts every organisation: one GET where emnify already matches, GET PATCH GET where it differs", async function () {
    this.timeout(60_000);
    const { emulator, stack } = await freshStack();
    const result = await stack.engine.up(stack.resources);
    assert.deepEqual(result.failed, []);
    assert.deepEqual(new Set(result.steps.map((s) => s.op)), new Set(["create"]));
    for (const organisation of organisations) {
      const methods = emulator.requests.filter((r) => r.path === billingPath(organisation.entry.args.orgId)).map((r) => r.method);
      const recorded = organisation.entry.args.restoreOnDelete === true ? ["GET"] : [];
      assert.deepEqual(methods, [...recorded, ...(organisation.differs ? ["GET", "PATCH", "GET"] : ["GET"])], organisation.entry.name);
      assert.deepEqual(emulator.billingConfig(organisation.entry.args.orgId), {
        ...emulator.billingConfig(organisation.entry.args.orgId),
        ...declaredInApi(organisation),
      });
    }
    assert.equal(emulator.count({ path: "/api/v1/authenticate" }), 1);
    assert.equal(emulator.requests.length, 1 + 5 * 1 + 3 * 3 + 2);
  });

  it("a second `pulumi up`, with a fresh program run and a fresh provider host, changes nothing and makes no API call", async function () {
    this.timeout(90_000);
    const { emulator, stack } = await adoptedStack();
    await stack.stop();
    const second = await startExampleStack({
      program: PROGRAM,
      project: "pulumi-emnify",
      stack: "dev",
      config: stackConfig(emulator),
      secretConfigKeys: SECRET_KEYS,
      state: stack.engine.state(),
    });
    try {
      const result = await second.engine.up(second.resources);
      assert.deepEqual(result.failed, []);
      assert.deepEqual(new Set(result.steps.map((s) => s.op)), new Set(["same"]));
      assert.equal(emulator.requests.length, 0);
    } finally {
      await second.stop();
    }
  });

  it("removing entries from orgs.yaml restores the organisation with restoreOnDelete and releases the other untouched", async function () {
    this.timeout(90_000);
    const { emulator, stack } = await adoptedStack();
    // agrisense-fr (restoreOnDelete: true) was adopted with a PATCH, so it has originals to restore;
    // acme-logistics (restoreOnDelete unset) is released as it is.
    const agrisense = organisations.find((o) => o.entry.name === "agrisense-fr")!;
    const withoutTwo = editedOrgsFile((text) =>
      text.replace(/ {2}- id: 2\n {4}name: acme-logistics\n.*\n/, "").replace(/ {2}- id: 6\n {4}name: agrisense-fr\n( {4}.*\n)*/, ""),
    );
    const resources = await runProgramUnderMocks({
      projectDir: REPO_ROOT,
      program: PROGRAM,
      project: "pulumi-emnify",
      stack: "dev",
      config: stackConfig(emulator, withoutTwo),
      secretConfigKeys: SECRET_KEYS,
    });
    assert.equal(resources.length, 7, "6 BillingConfigs and the record of telematics-es");
    emulator.clearRequests();
    const result = await stack.engine.up(resources);
    assert.deepEqual(result.failed, []);
    assert.deepEqual(
      result.steps
        .filter((s) => s.op === "delete")
        .map((s) => s.urn.split("::").pop())
        .sort(),
      ["acme-logistics", "agrisense-fr", "org-6"],
    );
    // Every managed field goes back to the value it had when adopted (the seed), in one PATCH.
    const { vatin, charging_model, payment_term, vat_rate } = agrisense.seed.billingConfig!;
    assert.deepEqual(
      emulator.requests.map((r) => [r.method, r.path, r.body]),
      [["PATCH", billingPath(6), { vatin, charging_model, payment_term, vat_rate }]],
    );
    assert.deepEqual(emulator.billingConfig(6), { ...emulator.billingConfig(6), vatin, charging_model, payment_term, vat_rate });
    assert.notDeepEqual(charging_model, agrisense.entry.args.chargingModel, "the restored value is not the declared one");
    // What the user sees from the provider during `pulumi up`.
    await hostSays(
      stack,
      "emnify: organisation 2: billing config released unchanged (restoreOnDelete is false); emnify keeps its current settings",
    );
    await hostSays(
      stack,
      "emnify: organisation 6: restored vatin, chargingModel, paymentTerm, vatRate to the values it had before it was managed",
    );
  });

  it("a bad orgs.yaml stops the program before any API call, naming the file, the entry and the field", async function () {
    this.timeout(60_000);
    const emulator = await EmnifyEmulator.start({ organisations: organisations.map((o) => o.seed) });
    running.push({ emulator, stacks: [] });
    const bad = editedOrgsFile((text) => text.replace("  - id: 5\n", "  - id: 4711\n    vatRate: { id: '1' }\n"));
    await assert.rejects(
      runProgramUnderMocks({
        projectDir: REPO_ROOT,
        program: PROGRAM,
        project: "pulumi-emnify",
        stack: "dev",
        config: stackConfig(emulator, bad),
        secretConfigKeys: SECRET_KEYS,
      }),
      (error: unknown) => {
        assert.ok(error instanceof ProgramRunError);
        assert.equal(error.errors.length, 1);
        assert.equal(
          error.errors[0].split("\n")[0],
          'Error: orgs.yaml: orgs[3] (id 4711): vatRate.id must be a number, got the string "1"',
        );
        return true;
      },
    );
    assert.equal(emulator.requests.length, 0);
  });
});
