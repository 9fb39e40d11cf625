/**
 * The engine path: what `pulumi up` really does with BillingConfig. A program runs under mocks to
 * produce the serialized `__provider`; Pulumi's own dynamic-provider host is started in the
 * project directory and driven over gRPC by the engine simulator, against the emnify emulator.
 *
 * It runs with the package installed from its packed tarball, and (the lifecycle block) loaded by
 * self-reference from this repository (see `describeWhenInstalled` for what runs in which). Every
 * test sets up the stack it needs, so a failing one does not make others fail.
 */
import * as assert from "node:assert/strict";
import * as os from "node:os";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "../../provider/emulator";
import {
  EngineSimulator,
  ProviderHost,
  RegisteredResource,
  StateFile,
  StateResource,
  StepResult,
  isStateSecret,
  revealResource,
  runProgramUnderMocks,
  startProviderHost,
} from "../../tools/engine";
import { PROJECT_MODES, ProjectLayout } from "./projectModes";
import { apiReferences } from "../references";

const PROJECT = "lifecycle";
const STACK = "dev";
const TYPE = "pulumi-nodejs:dynamic/emnify:BillingConfig";
const ORIGINALS_TYPE = "pulumi-nodejs:dynamic/emnify:BillingOriginals";
const AUTHENTICATE = { method: "POST", path: "/api/v1/authenticate" };

interface Declared {
  name: string;
  args: Record<string, unknown>;
  opts?: Record<string, unknown>;
}

const urnOf = (name: string): string => `urn:pulumi:${STACK}::${PROJECT}::${TYPE}::${name}`;
/** The record of an organisation's originals that a BillingConfig with restoreOnDelete creates. */
const originalsUrnOf = (orgId: number): string => `urn:pulumi:${STACK}::${PROJECT}::${ORIGINALS_TYPE}::org-${orgId}`;
const billingPath = (orgId: number): string => `/api/v1/organisation/${orgId}/billing_config`;

/** Stack config as `pulumi config` would hold it; the same map goes to the program and to configure. */
function stackConfig(declared: Declared[], settings: Record<string, string>): Record<string, string> {
  return { ...settings, "lifecycle:billingConfigs": JSON.stringify(declared) };
}

function run(layout: ProjectLayout, config: Record<string, string>, env: Record<string, string> = {}): Promise<RegisteredResource[]> {
  return runProgramUnderMocks({
    projectDir: layout.projectDir,
    program: layout.program,
    project: PROJECT,
    stack: STACK,
    config,
    secretConfigKeys: Object.keys(config).filter((key) => key === "emnify:applicationToken"),
    env,
  });
}

/** The methods of the requests made to one organisation's billing config, in order. */
function methodsFor(emu: EmnifyEmulator, orgId: number): string[] {
  return emu.requests.filter((r) => r.path === billingPath(orgId)).map((r) => r.method);
}

function bodiesOf(emu: EmnifyEmulator, method: string, orgId: number): unknown[] {
  return emu.requests.filter((r) => r.method === method && r.path === billingPath(orgId)).map((r) => r.body);
}

function outputsOf(engine: EngineSimulator, name: string): Record<string, unknown> {
  const resource = engine.state().resources.find((r: StateResource) => r.urn === urnOf(name));
  assert.ok(resource, `${name} is in the state`);
  return revealResource(resource).outputs;
}

const errorsOf = (steps: StepResult[]): string[] => steps.flatMap((s) => (s.error === undefined ? [] : [s.error]));

/** Stops the hosts and emulators a block started, emptying its list (an afterEach of each block). */
async function stopAll(started: Array<{ host: { stop(): Promise<void> }; emu: { stop(): Promise<void> } }>): Promise<void> {
  for (const { host, emu } of started.splice(0)) {
    await host.stop();
    await emu.stop();
  }
}

for (const mode of PROJECT_MODES) {
  describe(`the engine path, with the package loaded ${mode.title}`, function () {
    // Each step starts Node processes (program, host); generous on a busy machine. No
    // assertion depends on time.
    this.timeout(120_000);
    let layout: ProjectLayout;
    // How the package is loaded matters to serialization and to the host loading the runtime:
    // the lifecycle block runs in both modes. The rest is the provider's behaviour, the same
    // either way: it runs with the installed tarball, as users (and the real-CLI suite) load
    // it; the self-reference mode's lifecycle also runs in test/examples (basic, multi-org).
    const describeWhenInstalled = mode === PROJECT_MODES[0] ? describe : (_title: string, _body: () => void): void => undefined;

    before(async function () {
      this.timeout(180_000); // npm pack on a busy machine
      layout = await mode.prepare();
    });

    describe("a stack's lifecycle: serialize, create, update, drift, refresh, preview", function () {
      // Each test sets up the stack it needs (its own emulator and host), so one failure does
      // not make the later ones fail. No-op up, destroy and the credential scan of this story
      // are made by the real-CLI suite (test/realCli: adoption, resourceOptions,
      // refreshAndSecrets, its hooks) and the suite-wide scan (test/secrets).
      const released: Declared = { name: "released", args: { orgId: 101, vatin: "DE123", chargingModel: { id: 1 } } };
      const restored: Declared = {
        name: "restored",
        args: { orgId: 102, vatin: "DE000000102", chargingModel: { id: 1 }, restoreOnDelete: true },
      };
      const original101 = {
        vatin: "DE000000101",
        invoice_issuer_info: null,
        ...apiReferences(0, 0, 0),
      };
      const original102 = {
        vatin: "DE000000102",
        invoice_issuer_info: null,
        ...apiReferences(1, 0, 0),
      };

      interface Stack {
        emu: EmnifyEmulator;
        host: ProviderHost;
        engine: EngineSimulator;
        settings: Record<string, string>;
      }
      const running: Stack[] = [];

      /** An emulator holding organisations 101 and 102 as they were before Pulumi, and a configured host. */
      async function freshStack(): Promise<Stack> {
        const emu = await EmnifyEmulator.start({
          organisations: [
            { id: 101, billingConfig: { id: 11, ...original101 } },
            { id: 102, billingConfig: { id: 12, ...original102 } },
          ],
        });
        const settings = { "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "emnify:endpoint": emu.url };
        const host = await startProviderHost({ cwd: layout.projectDir, project: PROJECT, stack: STACK }).catch(async (error: unknown) => {
          await emu.stop();
          throw error;
        });
        const stack = { emu, host, engine: new EngineSimulator(host, { project: PROJECT, stack: STACK }), settings };
        running.push(stack);
        // The engine sends the whole stack config; secrets arrive as plain strings.
        await host.configure(stackConfig([released, restored], settings));
        return stack;
      }

      /** A stack whose first `up` adopted both organisations; its requests cleared. */
      async function createdStack(): Promise<Stack> {
        const stack = await freshStack();
        const result = await stack.engine.up(await run(layout, stackConfig([released, restored], stack.settings)));
        assert.deepEqual(result.failed, [], "the first up");
        stack.emu.clearRequests();
        return stack;
      }

      afterEach(() => stopAll(running));

      it("serializes one small __provider with no token, endpoint, machine path or environment value in it", async function () {
        const emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }, { id: 102 }] });
        try {
          const settings = { "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "emnify:endpoint": emu.url };
          const programEnv = {
            EMNIFY_APPLICATION_TOKEN: DEMO_APPLICATION_TOKEN,
            EMNIFY_API_URL: emu.url,
            LIFECYCLE_MARKER: "marker-7f3c9a",
          };
          const resources = await run(layout, stackConfig([released, restored], settings), programEnv);
          assert.deepEqual(resources.map((r) => r.urn).sort(), [urnOf("released"), urnOf("restored"), originalsUrnOf(102)]);
          const billing = resources.filter((r) => r.type === TYPE);
          const texts = new Set(billing.map((r) => String(r.inputs.__provider)));
          assert.equal(texts.size, 1, "both resources carry the same provider text");
          const [text] = texts;
          const [record] = resources.filter((r) => r.type === ORIGINALS_TYPE);
          const recordText = String(record.inputs.__provider);
          for (const t of [text, recordText]) assert.ok(Buffer.byteLength(t) < 4096, `__provider is ${Buffer.byteLength(t)} bytes`);
          if (mode.installed) {
            // The serializer stores the installed module by name (stored twice per resource: keep the state small).
            assert.match(text, /require\("pulumi-emnify\/dist\/provider\/dynamicProvider\.js"\)/);
            assert.match(recordText, /require\("pulumi-emnify\/dist\/provider\/originalsProvider\.js"\)/);
            for (const t of [text, recordText]) assert.ok(Buffer.byteLength(t) < 400, `__provider is ${Buffer.byteLength(t)} bytes`);
          }
          assert.deepEqual(record.additionalSecretOutputs, ["originals"]);
          assert.deepEqual(billing.find((r) => r.name === "restored")?.options.dependencies, [originalsUrnOf(102)]);
          const forbidden = [
            DEMO_APPLICATION_TOKEN,
            emu.url,
            emu.url.replace(/^http:\/\//, ""),
            layout.projectDir,
            os.homedir(),
            ...Object.values(programEnv),
            process.env.PATH ?? "",
          ].filter((s) => s.length > 1);
          for (const value of forbidden) {
            assert.equal(text.includes(value), false, `__provider contains ${JSON.stringify(value)}`);
            assert.equal(recordText.includes(value), false, `__provider contains ${JSON.stringify(value)}`);
          }
          for (const r of billing) {
            assert.equal(r.type, TYPE);
            assert.deepEqual(r.additionalSecretOutputs, ["paymentData", "adoptedOriginal"]);
          }
        } finally {
          await emu.stop();
        }
      });

      it("creates by adopting: GET, PATCH, GET where values differ and a single GET where they already match", async function () {
        const { emu, engine, settings } = await freshStack();
        const result = await engine.up(await run(layout, stackConfig([released, restored], settings)));
        assert.deepEqual(result.failed, []);
        assert.deepEqual(result.steps.map((s) => [s.urn, s.op]).sort(), [
          [urnOf("released"), "create"],
          [urnOf("restored"), "create"],
          [originalsUrnOf(102), "create"],
        ]);
        assert.deepEqual(methodsFor(emu, 101), ["GET", "PATCH", "GET"]);
        // restoreOnDelete: the organisation's record first (one GET), then the adoption's own GET.
        assert.deepEqual(methodsFor(emu, 102), ["GET", "GET"]);
        assert.deepEqual(bodiesOf(emu, "PATCH", 101), [{ vatin: "DE123", charging_model: { id: 1 } }]);
        assert.equal(emu.count(AUTHENTICATE), 1, "one session shared by concurrent creates");
        assert.equal(emu.requests.length, 6);

        const out101 = outputsOf(engine, "released");
        assert.equal(out101.orgId, 101);
        assert.equal(out101.billingConfigId, 11);
        assert.equal(out101.vatin, "DE123");
        assert.deepEqual(out101.chargingModel, { id: 1, description: "Charging model 1" });
        assert.equal(out101.restoreOnDelete, false);
        assert.equal(outputsOf(engine, "restored").restoreOnDelete, true);
        assert.equal(emu.billingConfig(101).vatin, "DE123");
      });

      it("updates a changed vatin with exactly one PATCH and one GET", async function () {
        const { emu, engine, settings } = await createdStack();
        const changed: Declared = { ...restored, args: { ...restored.args, vatin: "DE999" } };
        const result = await engine.up(await run(layout, stackConfig([released, changed], settings)));
        assert.deepEqual(result.failed, []);
        const byUrn = new Map(result.steps.map((s) => [s.urn, s]));
        assert.deepEqual(byUrn.get(urnOf("restored")), { urn: urnOf("restored"), op: "update", changed: ["vatin"] });
        assert.deepEqual(byUrn.get(urnOf("released")), { urn: urnOf("released"), op: "same", changed: [] });
        assert.deepEqual(
          emu.requests.map((r) => [r.method, r.path]),
          [
            ["PATCH", billingPath(102)],
            ["GET", billingPath(102)],
          ],
        );
        assert.deepEqual(bodiesOf(emu, "PATCH", 102), [{ vatin: "DE999" }]);
        assert.equal(outputsOf(engine, "restored").vatin, "DE999");
      });

      it("shows an out-of-band change after refresh, and the next preview plans to undo it", async function () {
        const { emu, engine, settings } = await createdStack();
        emu.setBillingConfig(101, { vatin: "DRIFTED" });
        const refreshed = await engine.refresh();
        assert.deepEqual(refreshed.failed, []);
        const byUrn = new Map(refreshed.steps.map((s) => [s.urn, s]));
        assert.deepEqual(byUrn.get(urnOf("released")), { urn: urnOf("released"), op: "refresh", changed: ["vatin"] });
        assert.deepEqual(byUrn.get(urnOf("restored")), { urn: urnOf("restored"), op: "refresh", changed: [] });
        assert.deepEqual(byUrn.get(originalsUrnOf(102)), { urn: originalsUrnOf(102), op: "refresh", changed: [] });
        assert.equal(outputsOf(engine, "released").vatin, "DRIFTED");
        assert.deepEqual(emu.requests.map((r) => r.method + " " + r.path).sort(), [`GET ${billingPath(101)}`, `GET ${billingPath(102)}`]);

        emu.clearRequests();
        const plan = await engine.preview(await run(layout, stackConfig([released, restored], settings)));
        const planned = new Map(plan.map((s) => [s.urn, s]));
        assert.deepEqual(planned.get(urnOf("released")), { urn: urnOf("released"), op: "update", changed: ["vatin"] });
        assert.deepEqual(planned.get(urnOf("restored")), { urn: urnOf("restored"), op: "same", changed: [] });
        assert.deepEqual(planned.get(originalsUrnOf(102)), { urn: originalsUrnOf(102), op: "same", changed: [] });
        assert.equal(plan.length, 3);
        assert.deepEqual(emu.requests, [], "preview calls only check and diff");
      });
    });

    describeWhenInstalled("a half-applied create (PATCH answered 500, outcome unknown)", function () {
      // Each test makes its own half-applied stack, so one failure does not cascade.
      const declared: Declared[] = [{ name: "halfway", args: { orgId: 104, vatin: "DE104NEW" } }];
      interface HalfApplied {
        emu: EmnifyEmulator;
        host: ProviderHost;
        engine: EngineSimulator;
        config: Record<string, string>;
        step: StepResult;
      }
      const running: HalfApplied[] = [];

      /** A stack whose create met one PATCH answered 500 (one attempt, so it is final). */
      async function halfApplied(): Promise<HalfApplied> {
        const emu = await EmnifyEmulator.start({ organisations: [{ id: 104, billingConfig: { id: 14, vatin: "DE104OLD" } }] });
        const config = stackConfig(declared, {
          "emnify:applicationToken": DEMO_APPLICATION_TOKEN,
          "emnify:endpoint": emu.url,
          "emnify:maxAttempts": "1",
        });
        const host = await startProviderHost({ cwd: layout.projectDir, project: PROJECT, stack: STACK }).catch(async (error: unknown) => {
          await emu.stop();
          throw error;
        });
        const engine = new EngineSimulator(host, { project: PROJECT, stack: STACK });
        const stack = { emu, host, engine, config } as HalfApplied;
        running.push(stack);
        await host.configure(config);
        emu.injectFault({ method: "PATCH", path: billingPath(104), kind: "status", status: 500, times: 1 });
        const result = await engine.up(await run(layout, config));
        assert.equal(result.failed.length, 1);
        stack.step = result.failed[0];
        return stack;
      }

      afterEach(() => stopAll(running));

      it("is recorded with its id, the values from before the PATCH and the reason", async function () {
        const { engine, step } = await halfApplied();
        assert.equal(step.op, "create");
        assert.deepEqual(step.initErrors, [step.error]);
        const [resource] = engine.state().resources;
        assert.equal(resource.id, "104");
        assert.deepEqual(resource.initErrors, [step.error]);
        assert.equal(revealResource(resource).outputs.vatin, "DE104OLD");
      });

      it("can be refreshed before the next up (Read runs the __provider stored in the outputs)", async function () {
        const { engine } = await halfApplied();
        const refreshed = await engine.refresh();
        assert.deepEqual(errorsOf(refreshed.steps), []);
      });

      it("can be destroyed before the next up (Delete runs the __provider stored in the outputs)", async function () {
        const { engine } = await halfApplied();
        const destroyed = await engine.destroy();
        assert.deepEqual(errorsOf(destroyed.steps), []);
        assert.deepEqual(engine.state().resources, []);
      });

      it("is finished by the next up with one PATCH and one GET", async function () {
        const { emu, engine, config } = await halfApplied();
        emu.clearRequests();
        const result = await engine.up(await run(layout, config));
        assert.deepEqual(result.failed, []);
        assert.deepEqual(
          result.steps.map((s) => [s.op, s.changed]),
          [["update", ["vatin"]]],
        );
        assert.deepEqual(
          emu.requests.map((r) => r.method + " " + r.path),
          [`PATCH ${billingPath(104)}`, `GET ${billingPath(104)}`],
        );
        assert.equal(emu.billingConfig(104).vatin, "DE104NEW");
        const [resource] = engine.state().resources;
        assert.equal(resource.initErrors, undefined);
        assert.equal(typeof revealResource(resource).outputs.__provider, "string");
      });
    });

    describeWhenInstalled("payment data", function () {
      it("is stored sealed in the state and never printed", async function () {
        const emu = await EmnifyEmulator.start({ organisations: [{ id: 103 }] });
        const host = await startProviderHost({ cwd: layout.projectDir, project: PROJECT, stack: STACK });
        try {
          const iban = "DE89370400440532013000";
          const declared = [{ name: "paying", args: { orgId: 103, paymentData: { iban } } }];
          const settings = { "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "emnify:endpoint": emu.url };
          await host.configure(stackConfig(declared, settings));
          const engine = new EngineSimulator(host, { project: PROJECT, stack: STACK });
          const resources = await run(layout, stackConfig(declared, settings));
          assert.deepEqual(resources[0].secretInputKeys, ["paymentData"]);
          const result = await engine.up(resources);
          assert.deepEqual(errorsOf(result.steps), []);
          assert.deepEqual(emu.billingConfig(103).payment_data, { iban });
          assert.deepEqual(outputsOf(engine, "paying").paymentData, { iban });
          assert.equal(JSON.stringify(engine.state()).includes(iban), false, "the IBAN is in the state in plain text");
          assert.equal(host.output().includes(iban), false, "the IBAN is in the host output");
          await engine.destroy();
        } finally {
          await host.stop();
          await emu.stop();
        }
      });
    });

    describeWhenInstalled("refresh, ignoreChanges and renames across runs", function () {
      const original = {
        id: 21,
        vatin: "DE000000121",
        invoice_issuer_info: null,
        ...apiReferences(0, 0, 0),
        payment_data: { method: "invoice" },
      };
      const settingsFor = (emu: EmnifyEmulator) => ({ "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "emnify:endpoint": emu.url });

      /** One `pulumi` command: its own host process, configured with the stack config, as the CLI does. */
      async function command<T>(
        emu: EmnifyEmulator,
        declared: Declared[],
        state: StateFile | undefined,
        body: (engine: EngineSimulator, resources: RegisteredResource[], host: ProviderHost) => Promise<T>,
      ): Promise<{ value: T; state: StateFile; output: string }> {
        const config = stackConfig(declared, settingsFor(emu));
        const host = await startProviderHost({ cwd: layout.projectDir, project: PROJECT, stack: STACK });
        try {
          await host.configure(config);
          const engine = new EngineSimulator(host, { project: PROJECT, stack: STACK, state });
          const value = await body(engine, await run(layout, config), host);
          // Stopped first: the host's last log lines may arrive after its last answer.
          await host.stop();
          return { value, state: engine.state(), output: host.output() };
        } finally {
          await host.stop();
        }
      }

      it("reports no change on a second and third refresh of an unchanged organisation whose payment data is managed", async function () {
        const emu = await EmnifyEmulator.start({ organisations: [{ id: 121, billingConfig: { ...original } }] });
        try {
          const iban = "DE02120300000000202051";
          const declared: Declared[] = [{ name: "paying", args: { orgId: 121, vatin: "DE121", paymentData: { iban } } }];
          let { state } = await command(emu, declared, undefined, async (engine, resources) =>
            assert.deepEqual((await engine.up(resources)).failed, []),
          );
          for (const round of [1, 2, 3]) {
            emu.clearRequests();
            const refreshed = await command(emu, declared, state, (engine) => engine.refresh());
            state = refreshed.state;
            assert.deepEqual(refreshed.value.steps, [{ urn: urnOf("paying"), op: "refresh", changed: [] }], `refresh ${round}`);
            assert.deepEqual(
              emu.requests.map((r) => `${r.method} ${r.path}`),
              ["POST /api/v1/authenticate", `GET ${billingPath(121)}`],
            );
          }
          const [resource] = state.resources;
          assert.deepEqual(revealResource(resource).inputs.paymentData, { iban }, "the refreshed inputs keep managing payment data");
          assert.equal(isStateSecret(resource.inputs.paymentData), true, "payment data in the inputs is sealed");
          assert.equal(JSON.stringify(state).includes(iban), false, "the IBAN is in the state in plain text");

          emu.setBillingConfig(121, { payment_data: { iban: "DE89370400440532013000" } });
          const drifted = await command(emu, declared, state, (engine) => engine.refresh());
          assert.deepEqual(drifted.value.steps, [{ urn: urnOf("paying"), op: "refresh", changed: ["paymentData"] }]);
        } finally {
          await emu.stop();
        }
      });

      it("releases, never restores, the old resource of a rename whose create half-failed, when a later up removes it", async function () {
        const emu = await EmnifyEmulator.start({ organisations: [{ id: 123, billingConfig: { ...original, id: 23 } }] });
        try {
          const args = { orgId: 123, vatin: "DE123", restoreOnDelete: true };
          let { state } = await command(emu, [{ name: "before", args }], undefined, async (engine, resources) =>
            assert.deepEqual((await engine.up(resources)).failed, []),
          );
          // The rename: the new resource adopts, its PATCH fails with an unknown outcome. (Its
          // GET finds the value the old resource set, so make the new name change something.)
          const renamed: Declared[] = [{ name: "after", args: { ...args, vatin: "DE123NEW" } }];
          emu.injectFault({ method: "PATCH", path: billingPath(123), kind: "status", status: 500, times: 10 });
          const half = await command(emu, renamed, state, (engine, resources) => engine.up(resources));
          emu.clearFaults();
          assert.equal(half.value.failed.length, 1);
          assert.deepEqual(half.state.resources.map((r) => r.urn).sort(), [urnOf("after"), urnOf("before"), originalsUrnOf(123)]);
          emu.clearRequests();
          const finished = await command(emu, renamed, half.state, (engine, resources) => engine.up(resources));
          assert.deepEqual(finished.value.failed, []);
          assert.deepEqual(
            finished.value.steps.map((s) => [s.urn, s.op]),
            [
              [originalsUrnOf(123), "same"],
              [urnOf("after"), "update"],
              [urnOf("before"), "delete"],
            ],
          );
          assert.deepEqual(bodiesOf(emu, "PATCH", 123), [{ vatin: "DE123NEW" }], "no restoring PATCH");
          assert.equal(emu.billingConfig(123).vatin, "DE123NEW");
          assert.match(
            finished.output,
            /organisation 123: billing config released unchanged, not restored: another resource of this stack manages it \(a rename or move\)/,
          );
          state = finished.state;
          assert.deepEqual(
            state.resources.map((r) => r.urn),
            [originalsUrnOf(123), urnOf("after")],
          );
          // The successor adopted the organisation's record, not the value the old one had set.
          await command(emu, renamed, state, (engine) => engine.destroy());
          assert.equal(emu.billingConfig(123).vatin, original.vatin);
        } finally {
          await emu.stop();
        }
      });

      it("says what to run when refresh and destroy meet a token rejected since the last up", async function () {
        const emu = await EmnifyEmulator.start({ organisations: [{ id: 125, billingConfig: { ...original, id: 25 } }], lockout: false });
        const host = await startProviderHost({ cwd: layout.projectDir, project: PROJECT, stack: STACK });
        try {
          const declared: Declared[] = [{ name: "rotated", args: { orgId: 125, vatin: "DE125", restoreOnDelete: true } }];
          // The config saved by the last up still holds the token rotated away since.
          await host.configure(
            stackConfig(declared, { ...settingsFor(emu), "emnify:applicationToken": "rotated-away-application-token-5d1" }),
          );
          const stale = await command(emu, declared, undefined, async (up, resources) => {
            assert.deepEqual((await up.up(resources)).failed, []);
          });
          const refreshed = await new EngineSimulator(host, { project: PROJECT, stack: STACK, state: stale.state }).refresh();
          assert.match(
            refreshed.failed[0]?.error ?? "",
            /answered 401.* Note: 'pulumi refresh' signs in with the stack config saved by the last 'pulumi up', not the current one; if emnify:applicationToken was changed since, run 'pulumi refresh --run-program' \(or 'pulumi up' first\)\.$/,
          );
          const destroyed = await new EngineSimulator(host, { project: PROJECT, stack: STACK, state: stale.state }).destroy();
          assert.match(
            destroyed.failed[0]?.error ?? "",
            /answered 401.* Note: 'pulumi destroy' signs in with the stack config saved by the last 'pulumi up', not the current one; if emnify:applicationToken was changed since, run 'pulumi destroy --run-program' \(or 'pulumi up' first\)\.$/,
          );
        } finally {
          await host.stop();
          await emu.stop();
        }
      });
    });

    describeWhenInstalled("provider settings", function () {
      it("fails create without a token in config or environment, naming emnify:applicationToken and EMNIFY_APPLICATION_TOKEN", async function () {
        const emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
        // childEnv drops every EMNIFY_* variable, so the host has no token from the environment.
        const host = await startProviderHost({ cwd: layout.projectDir, project: PROJECT, stack: STACK });
        try {
          const declared = [{ name: "untokened", args: { orgId: 101, vatin: "DE1" } }];
          const config = stackConfig(declared, { "emnify:endpoint": emu.url });
          await host.configure(config);
          const engine = new EngineSimulator(host, { project: PROJECT, stack: STACK });
          const result = await engine.up(await run(layout, config));
          assert.equal(result.failed.length, 1);
          const [step] = result.failed;
          assert.equal(step.op, "create");
          assert.match(step.error!, /emnify:applicationToken/);
          assert.match(step.error!, /EMNIFY_APPLICATION_TOKEN/);
          assert.deepEqual(engine.state().resources, []);
          assert.deepEqual(emu.requests, []);
        } finally {
          await host.stop();
          await emu.stop();
        }
      });

      it("authenticates exactly once when a wrong token meets 20 resources", async function () {
        const orgIds = Array.from({ length: 20 }, (_, i) => 201 + i);
        const emu = await EmnifyEmulator.start({ organisations: orgIds.map((id) => ({ id })) });
        const host = await startProviderHost({ cwd: layout.projectDir, project: PROJECT, stack: STACK });
        const wrongToken = "wrong-application-token-0b5e";
        try {
          const declared = orgIds.map((orgId) => ({ name: `org-${orgId}`, args: { orgId, vatin: `DE${orgId}` } }));
          const config = stackConfig(declared, { "emnify:applicationToken": wrongToken, "emnify:endpoint": emu.url });
          await host.configure(config);
          const engine = new EngineSimulator(host, { project: PROJECT, stack: STACK });
          const result = await engine.up(await run(layout, config));
          assert.equal(result.failed.length, 20);
          assert.equal(emu.count(AUTHENTICATE), 1);
          assert.equal(emu.count({ path: /billing_config$/ }), 0);
          assert.deepEqual(engine.state().resources, []);
          for (const message of errorsOf(result.steps)) {
            assert.equal(message.includes(wrongToken), false, `error message leaks the token: ${message}`);
          }
          assert.equal(host.output().includes(wrongToken), false, "the host output leaks the token");
        } finally {
          await host.stop();
          await emu.stop();
        }
      });
    });
  });
}
