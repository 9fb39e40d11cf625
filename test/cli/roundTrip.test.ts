/**
 * The point of `export`: export the live settings, run the multi-org example on the file the way
 * `pulumi up` in the repository root runs it (program under mocks → Pulumi's own dynamic-provider
 * host → engine steps), and every organisation is adopted without a single change; a second run
 * changes nothing and does not even call the API.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "pulumi-emnify/emulator";
import { RegisteredResource, preparePackedProject, repoRoot, revealResource, runProgramUnderMocks } from "../../tools/engine";
import { makeTempDir } from "../../tools/engine/tempDirs";
import { startExampleStack } from "../../tools/examples/exampleStack";
import { pulumiTypeScriptProgram } from "../../tools/examples/pulumiTypeScript";
import { BILLING_CONFIG_PATH, LEFT_OUT_OWN, emulatorEnv, expectedArgs, runCli, variedOrganisations } from "./helpers";

const ORG_COUNT = 30;
/** The repository root's project, whose program is the multi-org example (see Pulumi.yaml). */
const PROJECT = "pulumi-emnify";
const STACK = "dev";
const MULTI_ORG_PROGRAM = path.join(repoRoot(), "dist", "examples", "multi-org", "index.js");

/** What a resource declares, without the serialized provider and without defaults left implicit. */
function declared(resource: RegisteredResource): Record<string, unknown> {
  const { __provider: _provider, ...inputs } = resource.inputs;
  if (inputs.restoreOnDelete === false) delete inputs.restoreOnDelete;
  return inputs;
}

describe("export → multi-org program → pulumi up: the adoption round trip", function () {
  this.timeout(240_000);
  let emulator: EmnifyEmulator;
  let dir: string;

  beforeEach(async () => {
    emulator = await EmnifyEmulator.start({ organisations: variedOrganisations(ORG_COUNT) });
    dir = makeTempDir("pulumi-emnify-roundtrip-");
  });
  afterEach(async () => {
    await emulator.stop();
  });

  function stackConfig(orgsFile: string): Record<string, string> {
    return { "multi-org:orgsFile": orgsFile, "emnify:endpoint": emulator.url, "emnify:applicationToken": DEMO_APPLICATION_TOKEN };
  }

  it("adopts every exported organisation with zero PATCH calls, and a second up changes nothing with zero API calls", async () => {
    const orgsFile = path.join(dir, "orgs.yaml");
    const exported = await runCli(["export", "--children", "--out", orgsFile], emulatorEnv(emulator));
    assert.deepEqual([exported.status, exported.stderr], [0, LEFT_OUT_OWN]);
    const before = new Map(Array.from({ length: ORG_COUNT }, (_, i) => [1001 + i, emulator.billingConfig(1001 + i)]));

    const stack = await startExampleStack({
      program: MULTI_ORG_PROGRAM,
      projectDir: repoRoot(),
      project: PROJECT,
      stack: STACK,
      config: stackConfig(orgsFile),
      secretConfigKeys: ["emnify:applicationToken"],
    });
    try {
      assert.equal(stack.resources.length, ORG_COUNT);
      /** `up` of every organisation: each resource's step is `op`, and none failed. */
      const upAll = async (op: "create" | "same") => {
        const result = await stack.engine.up(stack.resources);
        assert.deepEqual(result.failed, []);
        assert.deepEqual(
          result.steps.map((step) => step.op),
          Array(ORG_COUNT).fill(op),
        );
      };
      emulator.clearRequests();
      await upAll("create");
      assert.equal(emulator.count({ method: "PATCH" }), 0);
      assert.equal(emulator.count({ method: "GET", path: BILLING_CONFIG_PATH }), ORG_COUNT);
      assert.equal(emulator.count({ path: "/api/v1/authenticate" }), 1);
      assert.equal(emulator.requests.length, ORG_COUNT + 1);

      // Nothing changed on the API, and the state holds what the API holds.
      for (const [orgId, config] of before) assert.deepEqual(emulator.billingConfig(orgId), config);
      const state = stack.engine.state();
      for (const resource of state.resources) {
        const outputs = revealResource(resource).outputs;
        const orgId = outputs.orgId as number;
        const expected = expectedArgs(orgId, before.get(orgId)!, true);
        assert.equal(outputs.vatin ?? undefined, expected.vatin, `vatin of ${orgId}`);
        assert.equal(outputs.invoiceIssuerInfo, expected.invoiceIssuerInfo, `invoiceIssuerInfo of ${orgId}`);
        assert.equal((outputs.chargingModel as { id: number } | null)?.id, (expected.chargingModel as { id: number } | undefined)?.id);
      }

      emulator.clearRequests();
      await upAll("same");
      assert.equal(emulator.requests.length, 0);
    } finally {
      await stack.stop();
    }
  });

  it("exports a TypeScript program that type-checks in a user's project and declares exactly what the YAML file declares", async () => {
    const orgsFile = path.join(dir, "orgs.yaml");
    // The program must live in a project that installed the package, as a user's index.ts does.
    const projectDir = await preparePackedProject();
    const programFile = path.join(projectDir, `exported-${process.pid}-${Date.now()}.ts`);
    try {
      const yamlRun = await runCli(["export", "--children", "--out", orgsFile], emulatorEnv(emulator));
      const tsRun = await runCli(["export", "--children", "--out", programFile], emulatorEnv(emulator));
      assert.deepEqual([yamlRun.status, tsRun.status], [0, 0]);

      const fromYaml = await runProgramUnderMocks({
        projectDir: repoRoot(),
        program: MULTI_ORG_PROGRAM,
        config: stackConfig(orgsFile),
        project: PROJECT,
        stack: STACK,
      });
      const fromTs = await runProgramUnderMocks({
        projectDir,
        program: pulumiTypeScriptProgram(path.basename(programFile)),
        project: PROJECT,
        stack: STACK,
      });
      assert.equal(fromTs.length, ORG_COUNT);
      assert.deepEqual(
        fromTs.map((r) => [r.name, declared(r)]),
        fromYaml.map((r) => [r.name, declared(r)]),
      );
    } finally {
      fs.rmSync(programFile, { force: true });
    }
  });
});
