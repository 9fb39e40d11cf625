/**
 * examples/basic, run the way `pulumi up` runs it: the compiled program under mocks with stack
 * config, Pulumi's dynamic-provider host, the engine stand-in, the emulator over HTTP. The `it`s
 * of the lifecycle block are steps of one stack's history and run in order.
 */
import * as assert from "node:assert/strict";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "pulumi-emnify/emulator";
import { ProgramRunError, isStateSecret, revealResource, runProgramUnderMocks } from "../../tools/engine";
import { ExampleStack, REPO_ROOT, startExampleStack } from "../../tools/examples/exampleStack";
import { apiReferences, describedReferences } from "../references";

const PROGRAM = "dist/examples/basic/index.js";
const BILLING = "/api/v1/organisation/2/billing_config";
const IBAN = "DE02120300000000202051";

/** What the emulator holds for organisation 2 before the first run. */
const BEFORE = {
  id: 42,
  vatin: "DE000000000",
  invoice_issuer_info: null,
  ...apiReferences(0, 0, 0),
  payment_data: {},
};

function stackConfig(emulator: EmnifyEmulator, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    "emnify:endpoint": emulator.url,
    "emnify:applicationToken": DEMO_APPLICATION_TOKEN,
    "basic:orgId": "2",
    "basic:vatin": "DE811234567",
    "basic:chargingModelId": "1",
    "basic:paymentData": JSON.stringify({ iban: IBAN }),
    ...overrides,
  };
}

const SECRET_KEYS = ["emnify:applicationToken", "basic:paymentData"];

const requestsSince = (emulator: EmnifyEmulator, from: number) => emulator.requests.slice(from).map((r) => `${r.method} ${r.path}`);

describe("examples/basic through Pulumi's dynamic-provider host", () => {
  let emulator: EmnifyEmulator;
  let stack: ExampleStack;

  before(async function () {
    this.timeout(60_000);
    emulator = await EmnifyEmulator.start({ organisations: [{ id: 2, billingConfig: BEFORE }] });
    stack = await startExampleStack({
      program: PROGRAM,
      project: "basic",
      stack: "dev",
      config: stackConfig(emulator),
      secretConfigKeys: SECRET_KEYS,
    });
  });

  after(async () => {
    await stack?.stop();
    await emulator?.stop();
  });

  it("declares exactly the settings that are in stack config, payment data as a secret input", () => {
    assert.equal(stack.resources.length, 1);
    const { __provider, ...inputs } = stack.resources[0].inputs;
    assert.equal(typeof __provider, "string");
    assert.deepEqual(inputs, { orgId: 2, vatin: "DE811234567", chargingModel: { id: 1 }, paymentData: { iban: IBAN } });
    assert.deepEqual(stack.resources[0].secretInputKeys, ["paymentData"]);
  });

  it("adopts the organisation with one authenticate, a GET, a PATCH of only the differing declared fields, and a GET", async () => {
    const result = await stack.engine.up(stack.resources);
    assert.deepEqual(result.failed, []);
    assert.deepEqual(
      result.steps.map((s) => s.op),
      ["create"],
    );
    assert.deepEqual(requestsSince(emulator, 0), ["POST /api/v1/authenticate", `GET ${BILLING}`, `PATCH ${BILLING}`, `GET ${BILLING}`]);
    assert.deepEqual(emulator.requests[2].body, { vatin: "DE811234567", charging_model: { id: 1 }, payment_data: { iban: IBAN } });
    assert.deepEqual(emulator.billingConfig(2), {
      ...BEFORE,
      vatin: "DE811234567",
      charging_model: { id: 1 },
      payment_data: { iban: IBAN },
    });
  });

  it("records the live values as outputs, settings it does not declare included, and payment data only as a secret", () => {
    const [resource] = stack.engine.state().resources;
    assert.ok(isStateSecret(resource.outputs.paymentData), "paymentData is sealed in the state");
    const { __provider, adoptedOriginal, adoptionId, paymentData, ...outputs } = revealResource(resource).outputs;
    assert.match(adoptionId as string, /^[0-9a-f-]{36}$/);
    assert.equal(typeof __provider, "string");
    assert.deepEqual(paymentData, { iban: IBAN });
    assert.deepEqual(adoptedOriginal, { vatin: "DE000000000", chargingModel: { id: 0, description: "Charging model 0" }, paymentData: {} });
    assert.deepEqual(outputs, {
      orgId: 2,
      billingConfigId: 42,
      vatin: "DE811234567",
      invoiceIssuerInfo: null,
      ...describedReferences(1, 0, 0),
      restoreOnDelete: false,
      managedFields: ["vatin", "chargingModel", "paymentData"],
    });
    const stateText = JSON.stringify(stack.engine.state());
    assert.ok(!stateText.includes(IBAN), "the IBAN is not in the state in plain text");
    assert.ok(!stateText.includes(DEMO_APPLICATION_TOKEN), "the token is not in the state");
  });

  it("after `pulumi config set basic:vatin`, the next run PATCHes the VAT id alone and reads it back", async function () {
    this.timeout(60_000);
    const resources = await runProgramUnderMocks({
      projectDir: REPO_ROOT,
      program: PROGRAM,
      project: "basic",
      stack: "dev",
      config: stackConfig(emulator, { "basic:vatin": "DE999999999" }),
      secretConfigKeys: SECRET_KEYS,
    });
    const from = emulator.requests.length;
    const result = await stack.engine.up(resources);
    assert.deepEqual(result.failed, []);
    assert.deepEqual(
      result.steps.map((s) => [s.op, s.changed]),
      [["update", ["vatin"]]],
    );
    assert.deepEqual(requestsSince(emulator, from), [`PATCH ${BILLING}`, `GET ${BILLING}`]);
    assert.deepEqual(emulator.requests[from].body, { vatin: "DE999999999" });
  });

  it("without basic:orgId the program stops with Pulumi's missing-configuration message", async function () {
    this.timeout(60_000);
    const config = stackConfig(emulator);
    delete config["basic:orgId"];
    const from = emulator.requests.length;
    await assert.rejects(
      runProgramUnderMocks({
        projectDir: REPO_ROOT,
        program: PROGRAM,
        project: "basic",
        stack: "dev",
        config,
        secretConfigKeys: SECRET_KEYS,
      }),
      (error: unknown) => {
        assert.ok(error instanceof ProgramRunError);
        assert.match(error.errors.join("\n"), /Missing required configuration variable 'basic:orgId'/);
        return true;
      },
    );
    assert.equal(emulator.requests.length, from);
  });
});
