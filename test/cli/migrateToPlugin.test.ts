/**
 * `pulumi-emnify migrate-to-plugin`: the state rewrite from the dynamic BillingConfig to the
 * provider plugin, on recorded states of earlier versions (test/realCli/fixtures/upgrade) and on
 * small states built here for the shapes those lack (records of originals, components, other
 * dynamic resources), and the command as a user runs it.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DYNAMIC_BILLING_CONFIG,
  DYNAMIC_BILLING_ORIGINALS,
  MigrationError,
  PLUGIN_BILLING_CONFIG,
  PLUGIN_BILLING_ORIGINALS,
  StackExportJson,
  StateResourceJson,
  migrateToPlugin,
} from "../../provider/cli/migrateToPlugin";
import { migrateHelp } from "../../provider/cli/help";
import { makeTempDir } from "../../tools/engine/tempDirs";
import { readUpgradeManifest, upgradeFixturesDir } from "../../tools/upgradeFixtures";
import { runCli } from "./helpers";

const PREFIX = "urn:pulumi:dev::proj";
const STACK_URN = `${PREFIX}::pulumi:pulumi:Stack::proj-dev`;
const NODEJS_PROVIDER_URN = `${PREFIX}::pulumi:providers:pulumi-nodejs::default`;
const NODEJS_PROVIDER_REF = `${NODEJS_PROVIDER_URN}::11111111-2222-3333-4444-555555555555`;
const EMNIFY_PROVIDER_URN = `${PREFIX}::pulumi:providers:emnify::default`;
const SECRET = (ciphertext: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext });

function stackResource(): StateResourceJson {
  return { urn: STACK_URN, custom: false, type: "pulumi:pulumi:Stack", outputs: { vatins: { a: "DE1" } } };
}

function nodejsProvider(): StateResourceJson {
  const config = {
    "app:resources": SECRET("v1:app"),
    "emnify:applicationToken": SECRET("v1:token"),
    "emnify:endpoint": "http://127.0.0.1:9",
    "emnify:maxAttempts": "3",
  };
  return {
    urn: NODEJS_PROVIDER_URN,
    custom: true,
    id: "11111111-2222-3333-4444-555555555555",
    type: "pulumi:providers:pulumi-nodejs",
    inputs: config,
    outputs: config,
  };
}

function record(orgId: number): StateResourceJson {
  return {
    urn: `${PREFIX}::${DYNAMIC_BILLING_ORIGINALS}::org-${orgId}`,
    custom: true,
    id: `org-${orgId}`,
    type: DYNAMIC_BILLING_ORIGINALS,
    inputs: { __provider: SECRET("v1:code"), orgId },
    outputs: { __provider: SECRET("v1:code"), orgId, originals: SECRET(`v1:originals-${orgId}`) },
    parent: STACK_URN,
    provider: NODEJS_PROVIDER_REF,
    propertyDependencies: { __provider: [], orgId: [] },
  };
}

function billingConfig(
  name: string,
  orgId: number,
  options: { record?: boolean; parent?: string; qualifiedType?: string } = {},
): StateResourceJson {
  const recordUrn = `${PREFIX}::${DYNAMIC_BILLING_ORIGINALS}::org-${orgId}`;
  const inputs: Record<string, unknown> = {
    __provider: "exports.handler = __f0;",
    orgId,
    vatin: `DE${orgId}`,
    restoreOnDelete: options.record === true,
  };
  if (options.record) inputs.originals = SECRET(`v1:originals-${orgId}`);
  return {
    urn: `${PREFIX}::${options.qualifiedType ?? DYNAMIC_BILLING_CONFIG}::${name}`,
    custom: true,
    id: String(orgId),
    type: DYNAMIC_BILLING_CONFIG,
    inputs,
    outputs: {
      __provider: "exports.handler = __f0;",
      orgId,
      vatin: `DE${orgId}`,
      paymentData: SECRET(`v1:payment-${orgId}`),
      adoptedOriginal: SECRET(`v1:adopted-${orgId}`),
      adoptionId: `adoption-${orgId}`,
      billingConfigId: 900 + orgId,
      managedFields: ["vatin"],
      restoreOnDelete: options.record === true,
    },
    parent: options.parent ?? STACK_URN,
    provider: NODEJS_PROVIDER_REF,
    dependencies: options.record ? [recordUrn] : [],
    propertyDependencies: { __provider: [], orgId: [], vatin: [], ...(options.record ? { originals: [recordUrn] } : {}) },
    additionalSecretOutputs: ["paymentData", "adoptedOriginal"],
  };
}

function exportOf(resources: StateResourceJson[], extra: Partial<StackExportJson["deployment"]> = {}): StackExportJson {
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-12-06T00:00:00Z", magic: "m", version: "v3.248.0" },
      secrets_providers: { type: "passphrase", state: { salt: "v1:salt" } },
      resources,
      ...extra,
    },
  };
}

function byUrn(state: StackExportJson, urn: string): StateResourceJson {
  const found = state.deployment.resources?.find((r) => r.urn === urn);
  assert.ok(found, `no ${urn} in ${JSON.stringify(state.deployment.resources?.map((r) => r.urn))}`);
  return found;
}

function refusal(exported: unknown): string {
  try {
    migrateToPlugin(exported);
  } catch (error) {
    assert.ok(error instanceof MigrationError, `expected a MigrationError, got ${String(error)}`);
    assert.equal(error.message.includes("\n"), false, "one line");
    return error.message;
  }
  assert.fail("expected the state to be refused");
}

describe("migrate-to-plugin: rewriting a dynamic stack's state for the provider plugin", () => {
  describe("on the recorded states of earlier versions", () => {
    for (const fixture of readUpgradeManifest().fixtures) {
      it(`${fixture.name}: every BillingConfig becomes the plugin's, with its id, values and ciphertext, under the emnify default provider`, () => {
        const before = JSON.parse(fs.readFileSync(path.join(upgradeFixturesDir(), fixture.stateFile), "utf8")) as StackExportJson;
        const { state, billingConfigs, records } = migrateToPlugin(before);
        assert.equal(billingConfigs, fixture.resources.length);
        assert.equal(records, 0);
        const text = JSON.stringify(state);
        assert.equal(text.includes("__provider"), false, "no provider code left");
        assert.equal(text.includes("pulumi-nodejs"), false, "no dynamic type or provider left");

        const oldResources = before.deployment.resources!;
        const oldProvider = oldResources.find((r) => r.type === "pulumi:providers:pulumi-nodejs")!;
        const prefix = oldProvider.urn.split("::").slice(0, 2).join("::");
        const provider = byUrn(state, `${prefix}::pulumi:providers:emnify::default`);
        const settings = Object.fromEntries(
          Object.entries(oldProvider.inputs!)
            .filter(([key]) => key.startsWith("emnify:"))
            .map(([key, value]) => [key.slice("emnify:".length), value]),
        );
        assert.deepEqual(provider.inputs, settings, "the emnify settings the dynamic provider was given, token still encrypted");
        assert.deepEqual(provider.outputs, settings);
        assert.ok(provider.inputs?.applicationToken && typeof provider.inputs.applicationToken === "object");

        for (const old of oldResources.filter((r) => r.type === DYNAMIC_BILLING_CONFIG)) {
          const name = old.urn.split("::").pop()!;
          const now = byUrn(state, `${prefix}::${PLUGIN_BILLING_CONFIG}::${name}`);
          assert.equal(now.type, PLUGIN_BILLING_CONFIG);
          assert.equal(now.id, old.id);
          assert.equal(now.provider, `${provider.urn}::${provider.id}`);
          const { __provider: _in, ...inputs } = old.inputs!;
          const { __provider: _out, ...outputs } = old.outputs!;
          assert.deepEqual(now.inputs, inputs);
          assert.deepEqual(now.outputs, outputs, "outputs (secrets as the same ciphertext) unchanged");
          assert.equal(now.parent, old.parent);
          assert.deepEqual(now.additionalSecretOutputs, old.additionalSecretOutputs);
        }
        // The provider comes before every resource that uses it, as the engine requires.
        const urns = state.deployment.resources!.map((r) => r.urn);
        const firstUser = state.deployment.resources!.findIndex((r) => r.provider?.startsWith(provider.urn));
        assert.ok(urns.indexOf(provider.urn) < firstUser);
        assert.deepEqual(state.deployment.secrets_providers, before.deployment.secrets_providers);
        // Migrated again: nothing left to migrate.
        assert.match(refusal(state), /^nothing to migrate/);
      });
    }
  });

  it("moves the records of originals, and the URNs a BillingConfig depends on with them", () => {
    const before = exportOf([
      stackResource(),
      nodejsProvider(),
      record(4),
      billingConfig("four", 4, { record: true }),
      billingConfig("two", 2),
    ]);
    const { state, billingConfigs, records } = migrateToPlugin(before);
    assert.deepEqual([billingConfigs, records], [2, 1]);
    assert.deepEqual(
      state.deployment.resources!.map((r) => r.urn),
      [
        STACK_URN,
        EMNIFY_PROVIDER_URN,
        `${PREFIX}::${PLUGIN_BILLING_ORIGINALS}::org-4`,
        `${PREFIX}::${PLUGIN_BILLING_CONFIG}::four`,
        `${PREFIX}::${PLUGIN_BILLING_CONFIG}::two`,
      ],
    );
    const recordNow = byUrn(state, `${PREFIX}::${PLUGIN_BILLING_ORIGINALS}::org-4`);
    assert.equal(recordNow.type, PLUGIN_BILLING_ORIGINALS);
    assert.deepEqual(recordNow.inputs, { orgId: 4 });
    assert.deepEqual(recordNow.outputs, { orgId: 4, originals: SECRET("v1:originals-4") });
    assert.deepEqual(recordNow.propertyDependencies, { orgId: [] });
    const four = byUrn(state, `${PREFIX}::${PLUGIN_BILLING_CONFIG}::four`);
    assert.deepEqual(four.dependencies, [recordNow.urn]);
    assert.deepEqual(four.propertyDependencies, { orgId: [], vatin: [], originals: [recordNow.urn] });
    assert.deepEqual(four.inputs?.originals, SECRET("v1:originals-4"), "the originals input keeps its ciphertext");
    assert.deepEqual(byUrn(state, EMNIFY_PROVIDER_URN).inputs, {
      applicationToken: SECRET("v1:token"),
      endpoint: "http://127.0.0.1:9",
      maxAttempts: "3",
    });
    assert.equal(four.provider, `${EMNIFY_PROVIDER_URN}::11111111-2222-3333-4444-555555555555`);
    // The input is left as it was.
    assert.equal(before.deployment.resources![3].type, DYNAMIC_BILLING_CONFIG);
  });

  it("renames the type inside the URN of a BillingConfig in a component and of anything under it", () => {
    const component = { urn: `${PREFIX}::acme:index:Tenant::t`, custom: false, type: "acme:index:Tenant", parent: STACK_URN };
    const inside = billingConfig("t-billing", 7, { parent: component.urn, qualifiedType: `acme:index:Tenant$${DYNAMIC_BILLING_CONFIG}` });
    const child = {
      urn: `${PREFIX}::acme:index:Tenant$${DYNAMIC_BILLING_CONFIG}$acme:index:Note::n`,
      custom: false,
      type: "acme:index:Note",
      parent: inside.urn,
    };
    const { state } = migrateToPlugin(exportOf([stackResource(), nodejsProvider(), component, inside, child]));
    const urns = state.deployment.resources!.map((r) => r.urn);
    assert.ok(urns.includes(`${PREFIX}::acme:index:Tenant$${PLUGIN_BILLING_CONFIG}::t-billing`), urns.join("\n"));
    const note = byUrn(state, `${PREFIX}::acme:index:Tenant$${PLUGIN_BILLING_CONFIG}$acme:index:Note::n`);
    assert.equal(note.parent, `${PREFIX}::acme:index:Tenant$${PLUGIN_BILLING_CONFIG}::t-billing`);
    assert.equal(byUrn(state, `${PREFIX}::acme:index:Tenant$${PLUGIN_BILLING_CONFIG}::t-billing`).parent, component.urn);
  });

  it("keeps the dynamic provider for other dynamic resources, and reuses an emnify default provider already there", () => {
    const other = {
      urn: `${PREFIX}::pulumi-nodejs:dynamic:Resource::mine`,
      custom: true,
      id: "x",
      type: "pulumi-nodejs:dynamic:Resource",
      provider: NODEJS_PROVIDER_REF,
      inputs: { __provider: "code" },
      outputs: { __provider: "code" },
    };
    const emnify = {
      urn: EMNIFY_PROVIDER_URN,
      custom: true,
      id: "existing-id",
      type: "pulumi:providers:emnify",
      inputs: { endpoint: "x" },
      outputs: { endpoint: "x" },
    };
    const { state } = migrateToPlugin(exportOf([stackResource(), nodejsProvider(), emnify, other, billingConfig("two", 2)]));
    assert.deepEqual(
      state.deployment.resources!.map((r) => r.urn),
      [STACK_URN, NODEJS_PROVIDER_URN, EMNIFY_PROVIDER_URN, other.urn, `${PREFIX}::${PLUGIN_BILLING_CONFIG}::two`],
    );
    assert.equal(byUrn(state, `${PREFIX}::${PLUGIN_BILLING_CONFIG}::two`).provider, `${EMNIFY_PROVIDER_URN}::existing-id`);
    assert.deepEqual(byUrn(state, other.urn).inputs, { __provider: "code" }, "another dynamic resource is not touched");
  });

  describe("refuses, with one line naming the resource, what it does not understand", () => {
    const cases: Array<[string, () => unknown, RegExp]> = [
      ["not an object", () => [1, 2], /^not a stack export/],
      ["another export version", () => ({ ...exportOf([]), version: 2 }), /^unsupported stack export version 2/],
      [
        "no BillingConfig",
        () => exportOf([stackResource()]),
        /^nothing to migrate: the state holds no pulumi-nodejs:dynamic\/emnify:BillingConfig$/,
      ],
      [
        "pending operations",
        () => exportOf([stackResource(), nodejsProvider(), billingConfig("a", 2)], { pending_operations: [{ type: "creating" }] }),
        /^the state has 1 pending operation\(s\) of a run that did not finish; recover first/,
      ],
      [
        "an input this version does not know",
        () => {
          const bc = billingConfig("a", 2);
          bc.inputs!.discount = 5;
          return exportOf([stackResource(), nodejsProvider(), bc]);
        },
        /^pulumi-nodejs:dynamic\/emnify:BillingConfig "a": unknown input 'discount'; this version of pulumi-emnify cannot migrate it$/,
      ],
      [
        "an output this version does not know",
        () => {
          const r = record(4);
          r.outputs!.extra = 1;
          return exportOf([stackResource(), nodejsProvider(), r, billingConfig("a", 4, { record: true })]);
        },
        /^pulumi-nodejs:dynamic\/emnify:BillingOriginals "org-4": unknown output 'extra'/,
      ],
      [
        "another emnify dynamic type",
        () =>
          exportOf([
            stackResource(),
            nodejsProvider(),
            billingConfig("a", 2),
            {
              urn: `${PREFIX}::pulumi-nodejs:dynamic/emnify:Sim::s`,
              type: "pulumi-nodejs:dynamic/emnify:Sim",
              custom: true,
              provider: NODEJS_PROVIDER_REF,
            },
          ]),
        /^pulumi-nodejs:dynamic\/emnify:Sim "s": unknown resource type/,
      ],
      [
        "a half-replaced resource",
        () => exportOf([stackResource(), nodejsProvider(), { ...billingConfig("a", 2), delete: true }, billingConfig("a", 2)]),
        /^pulumi-nodejs:dynamic\/emnify:BillingConfig "a": left half-replaced by an earlier run/,
      ],
      [
        "a resource read by id",
        () => exportOf([stackResource(), nodejsProvider(), { ...billingConfig("a", 2), external: true }]),
        /^pulumi-nodejs:dynamic\/emnify:BillingConfig "a": read by id/,
      ],
      [
        "a missing dynamic provider",
        () => exportOf([stackResource(), billingConfig("a", 2)]),
        /^the dynamic provider urn:pulumi:dev::proj::pulumi:providers:pulumi-nodejs::default that the resources use is not in the state$/,
      ],
      [
        "a target URN already taken",
        () =>
          exportOf([
            stackResource(),
            nodejsProvider(),
            billingConfig("a", 2),
            { ...billingConfig("a", 2), urn: `${PREFIX}::${PLUGIN_BILLING_CONFIG}::a`, type: PLUGIN_BILLING_CONFIG },
          ]),
        /^urn:pulumi:dev::proj::emnify:index:BillingConfig::a is already in the state/,
      ],
    ];
    for (const [what, make, expected] of cases) {
      it(what, () => assert.match(refusal(make()), expected));
    }
  });

  describe("the command", function () {
    this.timeout(60_000);
    let dir: string;
    const fixtureFile = () => path.join(upgradeFixturesDir(), readUpgradeManifest().fixtures[0].stateFile);

    beforeEach(() => {
      dir = makeTempDir("pulumi-emnify-migrate-");
    });

    it("writes the new state to --out, readable by the owner only, and says what it did", async () => {
      const out = path.join(dir, "new.json");
      const run = await runCli(["migrate-to-plugin", fixtureFile(), "--out", out], {});
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, "");
      assert.match(
        run.stderr,
        /^migrated \d+ BillingConfig\(s\) and 0 BillingOriginals record\(s\) to the emnify provider plugin; import with: pulumi stack import --file .*new\.json\n$/,
      );
      assert.deepEqual(JSON.parse(fs.readFileSync(out, "utf8")), migrateToPlugin(JSON.parse(fs.readFileSync(fixtureFile(), "utf8"))).state);
      assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    });

    it("writes to standard output without --out", async () => {
      const run = await runCli(["migrate-to-plugin", fixtureFile()], {});
      assert.equal(run.status, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as StackExportJson).version, 3);
    });

    it("refuses a state it does not understand with exit status 1, one line, and writes nothing", async () => {
      const bad = path.join(dir, "old.json");
      const state = exportOf([stackResource(), nodejsProvider(), billingConfig("a", 2)]);
      state.deployment.resources![2].inputs!.discount = 5;
      fs.writeFileSync(bad, JSON.stringify(state));
      const out = path.join(dir, "new.json");
      const run = await runCli(["migrate-to-plugin", bad, "--out", out], {});
      assert.deepEqual(run, {
        status: 1,
        stdout: "",
        stderr: `error: pulumi-nodejs:dynamic/emnify:BillingConfig "a": unknown input 'discount'; this version of pulumi-emnify cannot migrate it\n`,
      });
      assert.deepEqual(fs.readdirSync(dir), ["old.json"], "no new state, no temporary file");
    });

    it("refuses a missing file and a file that is not JSON", async () => {
      const missing = await runCli(["migrate-to-plugin", path.join(dir, "none.json")], {});
      assert.deepEqual([missing.status, missing.stdout], [1, ""]);
      assert.match(missing.stderr, /^error: cannot read .*none\.json: ENOENT\n$/);
      fs.writeFileSync(path.join(dir, "text.json"), "not json");
      const text = await runCli(["migrate-to-plugin", path.join(dir, "text.json")], {});
      assert.deepEqual([text.status, text.stdout], [1, ""]);
      assert.match(text.stderr, /^error: .*text\.json is not JSON/);
    });

    it("refuses a command line without the file, or writing over the old export", async () => {
      const none = await runCli(["migrate-to-plugin"], {});
      assert.deepEqual(none, {
        status: 2,
        stdout: "",
        stderr:
          "error: say which state to migrate: the file `pulumi stack export --file <file>` wrote\nRun 'pulumi-emnify migrate-to-plugin --help' for usage.\n",
      });
      const same = await runCli(["migrate-to-plugin", "old.json", "--out", "./old.json"], {}, { cwd: dir });
      assert.equal(same.status, 2);
      assert.match(same.stderr, /^error: --out must not be the input file: keep the old export as the backup\n/);
    });

    it("prints its help", async () => {
      const run = await runCli(["migrate-to-plugin", "--help"], {});
      assert.deepEqual(run, { status: 0, stdout: migrateHelp(), stderr: "" });
      const viaHelp = await runCli(["help", "migrate-to-plugin"], {});
      assert.equal(viaHelp.stdout, migrateHelp());
    });
  });
});
