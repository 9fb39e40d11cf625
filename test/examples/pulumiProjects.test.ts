/**
 * The three Pulumi projects of this repository (the root, examples/basic, examples/multi-org) as
 * the Pulumi CLI would take them: their Pulumi.yaml against the rules the CLI enforces when it
 * loads a project, and their TypeScript programs loaded the way its Node.js runtime loads them.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { SETTINGS } from "../../provider/config/settings";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "../../provider/emulator";
import { runProgramUnderMocks } from "../../tools/engine";
import { REPO_ROOT, startExampleStack } from "../../tools/examples/exampleStack";
import { pulumiTypeScriptProgram } from "../../tools/examples/pulumiTypeScript";

interface ConfigDeclaration {
  type?: string;
  description?: string;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

interface PulumiProject {
  name: string;
  runtime: { name: string; options?: Record<string, unknown> };
  main?: string;
  config?: Record<string, ConfigDeclaration>;
}

const PROJECT_DIRS = [".", "examples/basic", "examples/multi-org"];

function readProject(dir: string): PulumiProject {
  return parse(fs.readFileSync(path.join(REPO_ROOT, dir, "Pulumi.yaml"), "utf8")) as PulumiProject;
}

/**
 * The rules of Project.Validate in Pulumi's sdk/go/common/workspace/project.go: a key in the
 * project's own namespace may declare a type and a default; any other key (such as `emnify:...`)
 * may declare neither and must give a value, which then applies to every stack.
 */
function projectProblems(project: PulumiProject): string[] {
  const problems: string[] = [];
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const ownNamespace = !key.includes(":") || key.startsWith(`${project.name}:`);
    if (declaration.default !== undefined && declaration.value !== undefined) problems.push(`${key}: both default and value`);
    if (ownNamespace) continue;
    if (declaration.type !== undefined) problems.push(`${key}: not namespaced by the project and should not define a type`);
    if (declaration.default !== undefined) problems.push(`${key}: not namespaced by the project and should not define a default value`);
    if (declaration.value === undefined) problems.push(`${key}: is namespaced and must provide an attribute 'value'`);
  }
  return problems;
}

describe("the Pulumi projects (root, examples/basic, examples/multi-org)", () => {
  for (const dir of PROJECT_DIRS) {
    it(`${dir}/Pulumi.yaml passes the checks the Pulumi CLI makes when it loads a project`, () => {
      const project = readProject(dir);
      assert.deepEqual(projectProblems(project), []);
      assert.equal(project.runtime.name, "nodejs");
      assert.deepEqual(project.runtime.options, { typescript: true, packagemanager: "npm" });
      assert.ok(project.main !== undefined && fs.existsSync(path.join(REPO_ROOT, dir, project.main)), `main ${project.main} exists`);
    });

    it(`${dir}/Pulumi.yaml declares the provider settings with empty values, so stack config and the environment decide`, () => {
      const config = readProject(dir).config ?? {};
      assert.equal(config[SETTINGS.applicationToken.key]?.value, "");
      assert.equal(config[SETTINGS.applicationToken.key]?.secret, true);
      assert.equal(config[SETTINGS.endpoint.key]?.value, "");
    });
  }

  it("the root project is named pulumi-emnify and runs the multi-org example", () => {
    const project = readProject(".");
    assert.equal(project.name, "pulumi-emnify");
    assert.equal(project.main, "examples/multi-org/index.ts");
  });

  it("pulumi up in the repository root would compile, type-check and run examples/multi-org/index.ts with the orgs.yaml beside it", async function () {
    this.timeout(60_000);
    const resources = await runProgramUnderMocks({
      projectDir: REPO_ROOT,
      program: pulumiTypeScriptProgram(readProject(".").main!),
      project: "pulumi-emnify",
      stack: "dev",
      config: { [SETTINGS.applicationToken.key]: "", [SETTINGS.endpoint.key]: "" },
    });
    // The BillingConfigs, and the records of originals of the two with restoreOnDelete.
    assert.deepEqual(resources.map((r) => r.name).sort(), [
      "acme-logistics",
      "agrisense-fr",
      "bikeshare-wien",
      "coldchain-pl",
      "fleetline-uk",
      "nordwind-energie",
      "org-6",
      "org-9",
      "smartmeter-nl",
      "telematics-es",
    ]);
    // The package is loaded by self-reference from dist/, and the host will find it from the root.
    assert.match(String(resources[0].inputs.__provider), /runtimeReference: "\.\/dist\/provider\/resource\/runtime\.js"/);
  });

  for (const [dir, config, expectedCount] of [
    ["examples/multi-org", { "multi-org:orgsFile": "orgs.yaml" }, 10],
    ["examples/basic", { "basic:orgId": "2", "basic:vatin": "DE811234567" }, 1],
  ] as const) {
    it(`pulumi up in ${dir} would run its index.ts as a project of its own, and the provider host finds the package from there`, async function () {
      this.timeout(60_000);
      const emulator = await EmnifyEmulator.start({ organisations: [2, 3, 4, 5, 6, 7, 8, 9].map((id) => ({ id })) });
      const projectDir = path.join(REPO_ROOT, dir);
      const stack = await startExampleStack({
        projectDir,
        program: pulumiTypeScriptProgram(readProject(dir).main!),
        project: readProject(dir).name,
        stack: "dev",
        // What `pulumi config set` and Pulumi.yaml's defaults would give the stack.
        config: { ...config, [SETTINGS.endpoint.key]: emulator.url, [SETTINGS.applicationToken.key]: DEMO_APPLICATION_TOKEN },
        secretConfigKeys: [SETTINGS.applicationToken.key],
      });
      try {
        assert.equal(stack.resources.length, expectedCount);
        const result = await stack.engine.up(stack.resources);
        assert.deepEqual(result.failed, []);
        assert.deepEqual(new Set(result.steps.map((s) => s.op)), new Set(["create"]));
      } finally {
        await stack.stop();
        await emulator.stop();
      }
    });
  }
});
