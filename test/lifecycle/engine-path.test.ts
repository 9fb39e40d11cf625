/**
 * The engine path: what `pulumi up` really does with BillingConfig. A program runs under mocks to
 * produce the serialized `__provider`; Pulumi's own dynamic-provider host is started in the
 * project directory and driven over gRPC by the engine simulator, against the emnify emulator.
 *
 * Everything runs twice: with the package installed from its packed tarball, and loaded by
 * self-reference from this repository. Within a lifecycle block the `it`s are steps of one stack's
 * history and run in order; a failing step makes the later ones fail too.
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

const PROJECT = "lifecycle";
const STACK = "dev";
const TYPE = "pulumi-nodejs:dynamic/emnify:BillingConfig";
const AUTHENTICATE = { method: "POST", path: "/api/v1/authenticate" };
/** Any JSON Web Token: three base64url parts, the first two JSON objects ("eyJ" = `{"`). */
const JWT_SHAPE = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

interface Declared {
    name: string;
    args: Record<string, unknown>;
    opts?: Record<string, unknown>;
}

const urnOf = (name: string): string => `urn:pulumi:${STACK}::${PROJECT}::${TYPE}::${name}`;
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

for (const mode of PROJECT_MODES) {
    describe(`the engine path, with the package loaded ${mode.title}`, function () {
        // Each step starts Node processes (program, host); generous on a busy machine. No
        // assertion depends on time.
        this.timeout(120_000);
        let layout: ProjectLayout;

        before(async function () {
            this.timeout(180_000); // npm pack on a busy machine
            layout = await mode.prepare();
        });

        describe("a stack's lifecycle: create, no-op, update, drift, refresh, preview, destroy", function () {
            const released: Declared = { name: "released", args: { orgId: 101, vatin: "DE123", chargingModel: { id: 1 } } };
            const restored: Declared = { name: "restored", args: { orgId: 102, vatin: "DE000000102", chargingModel: { id: 1 }, restoreOnDelete: true } };
            const original101 = { vatin: "DE000000101", invoice_issuer_info: null, charging_model: { id: 0 }, payment_term: { id: 0 }, vat_rate: { id: 0 } };
            const original102 = { vatin: "DE000000102", invoice_issuer_info: null, charging_model: { id: 1 }, payment_term: { id: 0 }, vat_rate: { id: 0 } };

            let emu: EmnifyEmulator;
            let host: ProviderHost;
            let engine: EngineSimulator;
            let settings: Record<string, string>;
            // Everything a user could see or keep, scanned for credentials in the last step.
            const stateSnapshots: string[] = [];
            const errorMessages: string[] = [];
            const record = (steps: StepResult[]): void => {
                stateSnapshots.push(JSON.stringify(engine.state()));
                errorMessages.push(...errorsOf(steps));
            };

            before(async function () {
                emu = await EmnifyEmulator.start({
                    organisations: [
                        { id: 101, billingConfig: { id: 11, ...original101 } },
                        { id: 102, billingConfig: { id: 12, ...original102 } },
                    ],
                });
                settings = { "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "emnify:endpoint": emu.url };
                host = await startProviderHost({ cwd: layout.projectDir, project: PROJECT, stack: STACK });
                // The engine sends the whole stack config; secrets arrive as plain strings.
                await host.configure(stackConfig([released, restored], settings));
                engine = new EngineSimulator(host, { project: PROJECT, stack: STACK });
            });

            after(async function () {
                await host?.stop();
                await emu?.stop();
            });

            it("serializes one small __provider with no token, endpoint, machine path or environment value in it", async function () {
                const programEnv = { EMNIFY_APPLICATION_TOKEN: DEMO_APPLICATION_TOKEN, EMNIFY_API_URL: emu.url, LIFECYCLE_MARKER: "marker-7f3c9a" };
                const resources = await run(layout, stackConfig([released, restored], settings), programEnv);
                assert.deepEqual(resources.map((r) => r.urn).sort(), [urnOf("released"), urnOf("restored")]);
                const texts = new Set(resources.map((r) => String(r.inputs.__provider)));
                assert.equal(texts.size, 1, "both resources carry the same provider text");
                const [text] = texts;
                assert.ok(Buffer.byteLength(text) < 4096, `__provider is ${Buffer.byteLength(text)} bytes`);
                if (mode.installed) {
                    // The serializer stores the installed module by name (stored twice per resource: keep the state small).
                    assert.match(text, /require\("pulumi-emnify\/dist\/provider\/dynamicProvider\.js"\)/);
                    assert.ok(Buffer.byteLength(text) < 400, `__provider is ${Buffer.byteLength(text)} bytes`);
                }
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
                }
                for (const r of resources) {
                    assert.equal(r.type, TYPE);
                    assert.deepEqual(r.additionalSecretOutputs, ["paymentData", "adoptedOriginal"]);
                }
            });

            it("creates by adopting: GET, PATCH, GET where values differ and a single GET where they already match", async function () {
                emu.clearRequests();
                const result = await engine.up(await run(layout, stackConfig([released, restored], settings)));
                record(result.steps);
                assert.deepEqual(result.failed, []);
                assert.deepEqual(
                    result.steps.map((s) => [s.urn, s.op]).sort(),
                    [[urnOf("released"), "create"], [urnOf("restored"), "create"]],
                );
                assert.deepEqual(methodsFor(emu, 101), ["GET", "PATCH", "GET"]);
                assert.deepEqual(methodsFor(emu, 102), ["GET"]);
                assert.deepEqual(bodiesOf(emu, "PATCH", 101), [{ vatin: "DE123", charging_model: { id: 1 } }]);
                assert.equal(emu.count(AUTHENTICATE), 1, "one session shared by concurrent creates");
                assert.equal(emu.requests.length, 5);

                const out101 = outputsOf(engine, "released");
                assert.equal(out101.orgId, 101);
                assert.equal(out101.billingConfigId, 11);
                assert.equal(out101.vatin, "DE123");
                assert.deepEqual(out101.chargingModel, { id: 1, description: "Charging model 1" });
                assert.equal(out101.restoreOnDelete, false);
                assert.equal(outputsOf(engine, "restored").restoreOnDelete, true);
                assert.equal(emu.billingConfig(101).vatin, "DE123");
            });

            it("does nothing, with zero API calls, when the program is unchanged", async function () {
                emu.clearRequests();
                const result = await engine.up(await run(layout, stackConfig([released, restored], settings)));
                record(result.steps);
                // Steps follow registration order, which the program does not fix; compare sorted.
                assert.deepEqual(result.steps.map((s) => [s.urn, s.op, s.changed]).sort(), [
                    [urnOf("released"), "same", []],
                    [urnOf("restored"), "same", []],
                ]);
                assert.deepEqual(emu.requests, []);
            });

            it("updates a changed vatin with exactly one PATCH and one GET", async function () {
                emu.clearRequests();
                restored.args = { ...restored.args, vatin: "DE999" };
                const result = await engine.up(await run(layout, stackConfig([released, restored], settings)));
                record(result.steps);
                assert.deepEqual(result.failed, []);
                const byUrn = new Map(result.steps.map((s) => [s.urn, s]));
                assert.deepEqual(byUrn.get(urnOf("restored")), { urn: urnOf("restored"), op: "update", changed: ["vatin"] });
                assert.deepEqual(byUrn.get(urnOf("released")), { urn: urnOf("released"), op: "same", changed: [] });
                assert.deepEqual(emu.requests.map((r) => [r.method, r.path]), [
                    ["PATCH", billingPath(102)],
                    ["GET", billingPath(102)],
                ]);
                assert.deepEqual(bodiesOf(emu, "PATCH", 102), [{ vatin: "DE999" }]);
                assert.equal(outputsOf(engine, "restored").vatin, "DE999");
            });

            it("shows an out-of-band change after refresh, and the next preview plans to undo it", async function () {
                emu.setBillingConfig(101, { vatin: "DRIFTED" });
                emu.clearRequests();
                const refreshed = await engine.refresh();
                record(refreshed.steps);
                assert.deepEqual(refreshed.failed, []);
                const byUrn = new Map(refreshed.steps.map((s) => [s.urn, s]));
                assert.deepEqual(byUrn.get(urnOf("released")), { urn: urnOf("released"), op: "refresh", changed: ["vatin"] });
                assert.deepEqual(byUrn.get(urnOf("restored")), { urn: urnOf("restored"), op: "refresh", changed: [] });
                assert.equal(outputsOf(engine, "released").vatin, "DRIFTED");
                assert.deepEqual(emu.requests.map((r) => r.method + " " + r.path).sort(), [`GET ${billingPath(101)}`, `GET ${billingPath(102)}`]);

                emu.clearRequests();
                const plan = await engine.preview(await run(layout, stackConfig([released, restored], settings)));
                const planned = new Map(plan.map((s) => [s.urn, s]));
                assert.deepEqual(planned.get(urnOf("released")), { urn: urnOf("released"), op: "update", changed: ["vatin"] });
                assert.deepEqual(planned.get(urnOf("restored")), { urn: urnOf("restored"), op: "same", changed: [] });
                assert.equal(plan.length, 2);
                assert.deepEqual(emu.requests, [], "preview calls only check and diff");
            });

            it("destroys by releasing the plain org untouched and PATCHing the restoreOnDelete org back to its original values", async function () {
                emu.clearRequests();
                const result = await engine.destroy();
                record(result.steps);
                assert.deepEqual(result.failed, []);
                assert.deepEqual(result.steps.map((s) => [s.urn, s.op]).sort(), [[urnOf("released"), "delete"], [urnOf("restored"), "delete"]]);
                assert.deepEqual(methodsFor(emu, 101), []);
                assert.deepEqual(methodsFor(emu, 102), ["PATCH"]);
                assert.deepEqual(bodiesOf(emu, "PATCH", 102), [{ vatin: "DE000000102", charging_model: { id: 1 } }]);
                assert.equal(emu.billingConfig(101).vatin, "DRIFTED");
                const after102 = emu.billingConfig(102);
                assert.deepEqual(
                    { vatin: after102.vatin, invoice_issuer_info: after102.invoice_issuer_info, charging_model: after102.charging_model, payment_term: after102.payment_term, vat_rate: after102.vat_rate },
                    original102,
                );
                assert.deepEqual(engine.state().resources, []);
            });

            it("never lets the application token or a session JWT reach the state, the host output or an error message", function () {
                assert.ok(stateSnapshots.length >= 5, "every step recorded the state");
                const places = { state: stateSnapshots.join("\n"), hostOutput: host.output(), errors: errorMessages.join("\n") };
                for (const [where, text] of Object.entries(places)) {
                    assert.equal(text.includes(DEMO_APPLICATION_TOKEN), false, `the application token is in ${where}`);
                    assert.doesNotMatch(text, JWT_SHAPE, `a JWT is in ${where}`);
                }
            });
        });

        describe("a half-applied create (PATCH answered 500, outcome unknown)", function () {
            const declared: Declared[] = [{ name: "halfway", args: { orgId: 104, vatin: "DE104NEW" } }];
            let emu: EmnifyEmulator;
            let host: ProviderHost;
            let engine: EngineSimulator;
            let config: Record<string, string>;

            before(async function () {
                emu = await EmnifyEmulator.start({ organisations: [{ id: 104, billingConfig: { id: 14, vatin: "DE104OLD" } }] });
                // One attempt, so the injected 500 is final instead of being retried away.
                config = stackConfig(declared, {
                    "emnify:applicationToken": DEMO_APPLICATION_TOKEN,
                    "emnify:endpoint": emu.url,
                    "emnify:maxAttempts": "1",
                });
                host = await startProviderHost({ cwd: layout.projectDir, project: PROJECT, stack: STACK });
                await host.configure(config);
                engine = new EngineSimulator(host, { project: PROJECT, stack: STACK });
            });

            after(async function () {
                await host?.stop();
                await emu?.stop();
            });

            it("is recorded with its id, the values from before the PATCH and the reason", async function () {
                emu.injectFault({ method: "PATCH", path: billingPath(104), kind: "status", status: 500, times: 1 });
                const result = await engine.up(await run(layout, config));
                assert.equal(result.failed.length, 1);
                const [step] = result.failed;
                assert.equal(step.op, "create");
                assert.deepEqual(step.initErrors, [step.error]);
                const [resource] = engine.state().resources;
                assert.equal(resource.id, "104");
                assert.deepEqual(resource.initErrors, [step.error]);
                assert.equal(revealResource(resource).outputs.vatin, "DE104OLD");
            });

            it("can be refreshed before the next up (Read runs the __provider stored in the outputs)", async function () {
                const refreshed = await engine.refresh();
                assert.deepEqual(errorsOf(refreshed.steps), []);
            });

            it("can be destroyed before the next up (Delete runs the __provider stored in the outputs)", async function () {
                // A copy of the stack, so this step does not disturb the next one.
                const copy = new EngineSimulator(host, { project: PROJECT, stack: STACK, state: engine.state() });
                const destroyed = await copy.destroy();
                assert.deepEqual(errorsOf(destroyed.steps), []);
            });

            it("is finished by the next up with one PATCH and one GET", async function () {
                emu.clearRequests();
                const result = await engine.up(await run(layout, config));
                assert.deepEqual(result.failed, []);
                assert.deepEqual(result.steps.map((s) => [s.op, s.changed]), [["update", ["vatin"]]]);
                assert.deepEqual(emu.requests.map((r) => r.method + " " + r.path), [`PATCH ${billingPath(104)}`, `GET ${billingPath(104)}`]);
                assert.equal(emu.billingConfig(104).vatin, "DE104NEW");
                const [resource] = engine.state().resources;
                assert.equal(resource.initErrors, undefined);
                assert.equal(typeof revealResource(resource).outputs.__provider, "string");
            });
        });

        describe("payment data", function () {
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

        describe("refresh, ignoreChanges and renames across runs", function () {
            const original = { id: 21, vatin: "DE000000121", invoice_issuer_info: null, charging_model: { id: 0 }, payment_term: { id: 0 }, vat_rate: { id: 0 }, payment_data: { method: "invoice" } };
            const settingsFor = (emu: EmnifyEmulator) => ({ "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "emnify:endpoint": emu.url });

            /** One `pulumi` command: its own host process, configured with the stack config, as the CLI does. */
            async function command<T>(emu: EmnifyEmulator, declared: Declared[], state: StateFile | undefined, body: (engine: EngineSimulator, resources: RegisteredResource[], host: ProviderHost) => Promise<T>): Promise<{ value: T; state: StateFile; output: string }> {
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
                    let { state } = await command(emu, declared, undefined, async (engine, resources) => assert.deepEqual((await engine.up(resources)).failed, []));
                    for (const round of [1, 2, 3]) {
                        emu.clearRequests();
                        const refreshed = await command(emu, declared, state, (engine) => engine.refresh());
                        state = refreshed.state;
                        assert.deepEqual(refreshed.value.steps, [{ urn: urnOf("paying"), op: "refresh", changed: [] }], `refresh ${round}`);
                        assert.deepEqual(emu.requests.map((r) => `${r.method} ${r.path}`), ["POST /api/v1/authenticate", `GET ${billingPath(121)}`]);
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

            it("keeps an ignored payment data managed after a refresh, so restoreOnDelete still puts it back", async function () {
                const emu = await EmnifyEmulator.start({ organisations: [{ id: 122, billingConfig: { ...original, id: 22 } }] });
                try {
                    const declared: Declared[] = [
                        { name: "ignoring", args: { orgId: 122, vatin: "DE122", paymentData: { iban: "DE02120300000000202051" }, restoreOnDelete: true }, opts: { ignoreChanges: ["paymentData"] } },
                    ];
                    let { state } = await command(emu, declared, undefined, async (engine, resources) => assert.deepEqual((await engine.up(resources)).failed, []));
                    state = (await command(emu, declared, state, (engine) => engine.refresh())).state;
                    const again = await command(emu, declared, state, (engine, resources) => engine.up(resources));
                    assert.deepEqual(again.value.steps, [{ urn: urnOf("ignoring"), op: "same", changed: [] }]);
                    assert.equal(again.output.includes("no longer declared"), false, again.output);
                    assert.deepEqual(revealResource(again.state.resources[0]).outputs.managedFields, ["vatin", "paymentData"]);
                    emu.clearRequests();
                    await command(emu, declared, again.state, (engine) => engine.destroy());
                    assert.deepEqual(bodiesOf(emu, "PATCH", 122), [{ vatin: "DE000000121", payment_data: { method: "invoice" } }]);
                } finally {
                    await emu.stop();
                }
            });

            it("releases, never restores, the old resource of a rename whose create half-failed, when a later up removes it", async function () {
                const emu = await EmnifyEmulator.start({ organisations: [{ id: 123, billingConfig: { ...original, id: 23 } }] });
                try {
                    const args = { orgId: 123, vatin: "DE123", restoreOnDelete: true };
                    let { state } = await command(emu, [{ name: "before", args }], undefined, async (engine, resources) => assert.deepEqual((await engine.up(resources)).failed, []));
                    // The rename: the new resource adopts, its PATCH fails with an unknown outcome. (Its
                    // GET finds the value the old resource set, so make the new name change something.)
                    const renamed: Declared[] = [{ name: "after", args: { ...args, vatin: "DE123NEW" } }];
                    emu.injectFault({ method: "PATCH", path: billingPath(123), kind: "status", status: 500, times: 10 });
                    const half = await command(emu, renamed, state, (engine, resources) => engine.up(resources));
                    emu.clearFaults();
                    assert.equal(half.value.failed.length, 1);
                    assert.deepEqual(half.state.resources.map((r) => r.urn).sort(), [urnOf("after"), urnOf("before")]);
                    emu.clearRequests();
                    const finished = await command(emu, renamed, half.state, (engine, resources) => engine.up(resources));
                    assert.deepEqual(finished.value.failed, []);
                    assert.deepEqual(finished.value.steps.map((s) => [s.urn, s.op]), [[urnOf("after"), "update"], [urnOf("before"), "delete"]]);
                    assert.deepEqual(bodiesOf(emu, "PATCH", 123), [{ vatin: "DE123NEW" }], "no restoring PATCH");
                    assert.equal(emu.billingConfig(123).vatin, "DE123NEW");
                    assert.match(finished.output, /organisation 123: billing config released unchanged, not restored: another resource of this stack manages it \(a rename or move\)/);
                    state = finished.state;
                    assert.deepEqual(state.resources.map((r) => r.urn), [urnOf("after")]);
                } finally {
                    await emu.stop();
                }
            });

            it("releases, never restores, an old resource removed one up after the new one adopted the same organisation", async function () {
                const emu = await EmnifyEmulator.start({ organisations: [{ id: 124, billingConfig: { ...original, id: 24 } }] });
                try {
                    const old: Declared = { name: "old", args: { orgId: 124, vatin: "DE124", restoreOnDelete: true } };
                    const successor: Declared = { name: "successor", args: { orgId: 124, vatin: "DE124", restoreOnDelete: true } };
                    let { state } = await command(emu, [old], undefined, async (engine, resources) => assert.deepEqual((await engine.up(resources)).failed, []));
                    ({ state } = await command(emu, [old, successor], state, async (engine, resources) => assert.deepEqual((await engine.up(resources)).failed, [])));
                    emu.clearRequests();
                    const removed = await command(emu, [successor], state, (engine, resources) => engine.up(resources));
                    assert.deepEqual(removed.value.steps, [
                        { urn: urnOf("successor"), op: "same", changed: [] },
                        { urn: urnOf("old"), op: "delete", changed: [] },
                    ]);
                    assert.deepEqual(emu.requests, [], "no API call: released, not restored");
                    assert.equal(emu.billingConfig(124).vatin, "DE124");
                    assert.match(removed.output, /organisation 124: billing config released unchanged, not restored: another resource of this stack manages it/);
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
                    await host.configure(stackConfig(declared, { ...settingsFor(emu), "emnify:applicationToken": "rotated-away-application-token-5d1" }));
                    const stale = await command(emu, declared, undefined, async (up, resources) => {
                        assert.deepEqual((await up.up(resources)).failed, []);
                    });
                    const refreshed = await new EngineSimulator(host, { project: PROJECT, stack: STACK, state: stale.state }).refresh();
                    assert.match(refreshed.failed[0]?.error ?? "", /answered 401.* Note: 'pulumi refresh' signs in with the stack config saved by the last 'pulumi up', not the current one; if emnify:applicationToken was changed since, run 'pulumi refresh --run-program' \(or 'pulumi up' first\)\.$/);
                    const destroyed = await new EngineSimulator(host, { project: PROJECT, stack: STACK, state: stale.state }).destroy();
                    assert.match(destroyed.failed[0]?.error ?? "", /answered 401.* Note: 'pulumi destroy' signs in with the stack config saved by the last 'pulumi up', not the current one; if emnify:applicationToken was changed since, run 'pulumi destroy --run-program' \(or 'pulumi up' first\)\.$/);
                } finally {
                    await host.stop();
                    await emu.stop();
                }
            });
        });

        describe("provider settings", function () {
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
