import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { makePluginTarball } from "../../tools/plugin/pluginTarball";
import { PLUGIN_PROJECT, PluginStack, pluginProjectDir } from "./pluginWorld";
import { realCliWorld } from "./world";

/**
 * A project beside the plugin project, sharing its node_modules, whose Pulumi.yaml is as given:
 * another way to find the plugin without another npm install.
 */
async function siblingProject(name: string, pulumiYamlExtra: string): Promise<string> {
  const source = await pluginProjectDir();
  const dir = path.join(path.dirname(source), name);
  fs.mkdirSync(dir, { recursive: true });
  for (const file of ["package.json", "tsconfig.json", "index.ts"]) fs.copyFileSync(path.join(source, file), path.join(dir, file));
  if (!fs.existsSync(path.join(dir, "node_modules"))) fs.symlinkSync(path.join(source, "node_modules"), path.join(dir, "node_modules"));
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    `name: ${PLUGIN_PROJECT}\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n${pulumiYamlExtra}`,
  );
  return dir;
}

/** No plugin on PATH and none taken from it: only the way under test can find it. */
const NOT_ON_PATH = { PULUMI_IGNORE_AMBIENT_PLUGINS: "true" };

async function adoptAndDestroy(stack: PluginStack): Promise<void> {
  stack.emulator.clearRequests();
  const up = await stack.up(["--skip-preview"]);
  assert.doesNotMatch(up.stdout + up.stderr, /from \$PATH/);
  assert.deepEqual(stack.billingCalls(), ["GET 2"]);
  assert.equal((await stack.billingResource("a")).id, "2");
  await stack.destroy(["--skip-preview"]);
}

describe("real CLI, provider plugin: installed with no service and no download", function () {
  const organisations = [{ id: 2, billingConfig: { vatin: "DE2" } }];
  const resources = [{ name: "a", args: { orgId: 2, vatin: "DE2" } }];

  it("`plugins: providers: [{name: emnify, path}]` in Pulumi.yaml", async function () {
    const source = await pluginProjectDir();
    const dir = await siblingProject(
      "plugin-by-project",
      `plugins:\n  providers:\n    - name: emnify\n      path: ${path.join(source, "node_modules", ".bin")}\n`,
    );
    const stack = await PluginStack.create({ organisations, resources: [], projectDir: dir, env: NOT_ON_PATH });
    try {
      await stack.declare(resources);
      await adoptAndDestroy(stack);
    } finally {
      await stack.dispose();
    }
  });

  it("a tarball from the npm script, installed with `pulumi plugin install resource emnify <version> --file`", async function () {
    const world = await realCliWorld();
    const tarball = await makePluginTarball(path.join(world.root, "plugin-tarball"));
    const dir = await siblingProject("plugin-by-cache", "");
    const stack = await PluginStack.create({ organisations, resources: [], projectDir: dir, env: NOT_ON_PATH });
    try {
      await stack.runner.run(["plugin", "install", "resource", "emnify", tarball.version, "--file", tarball.file], { env: NOT_ON_PATH });
      const listed = await stack.runner.run(["plugin", "ls"], { env: NOT_ON_PATH });
      assert.match(listed.stdout, new RegExp(`emnify\\s+resource\\s+${tarball.version.replace(/\./g, "\\.")}`));
      await stack.declare(resources);
      await adoptAndDestroy(stack);
    } finally {
      await stack.dispose();
      await stack.runner.run(["plugin", "rm", "resource", "emnify", "--all", "--yes"], { allowFailure: true, env: NOT_ON_PATH });
    }
  });

  it("without the plugin anywhere, the command fails naming it instead of downloading", async function () {
    const dir = await siblingProject("plugin-nowhere", "");
    const stack = await PluginStack.create({ organisations, resources: [], projectDir: dir, env: NOT_ON_PATH });
    try {
      await stack.declare(resources);
      const failed = await stack.up(["--skip-preview"], { allowFailure: true });
      assert.notEqual(failed.code, 0);
      assert.match(failed.stdout + failed.stderr, /emnify/);
      assert.equal(stack.emulator.requests.length, 0);
    } finally {
      await stack.dispose();
    }
  });
});

describe("real CLI, provider plugin: two emnify accounts in one stack", function () {
  let stack: PluginStack;

  before(async function () {
    stack = await PluginStack.create({
      extraAccounts: [{ organisationId: 50 }],
      organisations: [
        { id: 2, billingConfig: { vatin: "DE-2" } },
        { id: 51, parentId: 50, billingConfig: { vatin: "DE-51" } },
      ],
      resources: [],
    });
  });
  after(() => stack?.dispose());

  it("each resource signs in with its own provider's token: the default provider's and an explicit one's", async function () {
    await stack.setConfig("app:tokenB", stack.extraTokens.get(50)!, { secret: true });
    await stack.declare(
      [
        { name: "first", args: { orgId: 2, vatin: "DE-2-NEW", restoreOnDelete: true } },
        { name: "second", args: { orgId: 51, vatin: "DE-51-NEW", restoreOnDelete: true }, options: { provider: "accountB" } },
      ],
      [{ name: "accountB", tokenKey: "tokenB", endpoint: stack.emulator.url }],
    );
    stack.emulator.clearRequests();
    await stack.up(["--skip-preview"]);
    // The emulator answers 403 to an organisation of another account: both PATCHes landing proves each token went to its own.
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-2-NEW");
    assert.equal(stack.emulator.billingConfig(51).vatin, "DE-51-NEW");
    assert.equal(stack.authentications(), 2, "one sign-in per account");
    const exported = JSON.stringify(await stack.runner.exportStack(stack.name));
    assert.ok(!exported.includes(stack.extraTokens.get(50)!), "the explicit provider's token is in the state in plain text");
    await stack.up(["--expect-no-changes"]);
  });

  it("destroy restores each organisation through its own account", async function () {
    stack.emulator.clearRequests();
    await stack.destroy(["--skip-preview"]);
    assert.deepEqual([...stack.billingCalls()].sort(), ["PATCH 2", "PATCH 51"]);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-2");
    assert.equal(stack.emulator.billingConfig(51).vatin, "DE-51");
  });
});

describe("real CLI, provider plugin: import, rename, replace, release, an undisclosed rate limit", function () {
  let stack: PluginStack;
  const ORGS = [2, 3].map((id) => ({ id, billingConfig: { vatin: `DE-ORIGINAL-${id}`, payment_data: { iban: `ORIGINAL-${id}` } } }));

  beforeEach(async function () {
    stack = await PluginStack.create({ organisations: ORGS, resources: [] });
  });
  afterEach(() => stack?.dispose());

  it("pulumi import --skip-preview reads the organisation with one GET; declaring the imported inputs previews and ups with no changes", async function () {
    stack.emulator.clearRequests();
    // --generate-code=false: the Node.js language host built here (sdk v3.68, D27) predates GenerateProgram.
    const imported = await stack.pulumi([
      "import",
      "emnify:index:BillingConfig",
      "imported",
      "2",
      "--generate-code=false",
      "--skip-preview",
    ]);
    assert.match(imported.stdout, /= 1 imported/);
    assert.deepEqual(stack.billingCalls(), ["GET 2"]);
    const resource = await stack.billingResource("imported");
    const managed = resource.outputs?.managedFields as string[];
    assert.ok(managed.includes("vatin") && managed.includes("paymentData"), `managed: ${managed.join(", ")}`);
    // What the generated code would declare (payment data is ciphertext in the state: its value is the seed's).
    const args = { ...resource.inputs, paymentData: { iban: "ORIGINAL-2" } } as never;
    await stack.declare([{ name: "imported", args, options: { protect: true } }]);
    stack.emulator.clearRequests();
    await stack.preview(["--expect-no-changes"]);
    await stack.up(["--expect-no-changes", "--skip-preview"]);
    assert.deepEqual(stack.billingCalls(), []);
  });

  it("pulumi-emnify export --format import writes the bulk import file that `pulumi import --file` takes for every child organisation", async function () {
    const file = path.join(stack.projectDir, `import-${stack.name}.json`);
    const cli = path.join(stack.projectDir, "node_modules", "pulumi-emnify", "dist", "provider", "cli", "main.js");
    await promisify(execFile)(process.execPath, [cli, "export", "--children", "--format", "import", "--out", file], {
      env: { ...process.env, EMNIFY_API_URL: stack.emulator.url, EMNIFY_APPLICATION_TOKEN: stack.applicationToken },
    });
    try {
      const written = JSON.parse(fs.readFileSync(file, "utf8")) as { resources: { type: string; id: string }[] };
      assert.deepEqual(
        written.resources.map((r) => [r.type, r.id]),
        [
          ["emnify:index:BillingConfig", "2"],
          ["emnify:index:BillingConfig", "3"],
        ],
      );
      stack.emulator.clearRequests();
      const imported = await stack.pulumi(["import", "--file", file, "--generate-code=false", "--skip-preview"]);
      assert.match(imported.stdout, /= 2 imported/);
      assert.deepEqual([...stack.billingCalls()].sort(), ["GET 2", "GET 3"]);
      assert.deepEqual((await stack.billingResources()).map((r) => r.id).sort(), ["2", "3"]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it("changing orgId replaces: the new organisation is adopted, then the old one restored", async function () {
    await stack.declare([{ name: "b", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } }]);
    await stack.up(["--skip-preview"]);
    await stack.declare([{ name: "b", args: { orgId: 3, vatin: "DE-NEW", restoreOnDelete: true } }]);
    stack.emulator.clearRequests();
    const result = await stack.up();
    assert.match(result.stdout, /\+-1 replaced/);
    assert.deepEqual(stack.billingCalls(), ["GET 3", "PATCH 3", "GET 3", "PATCH 2"]);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-ORIGINAL-2");
  });

  it("a rename without aliases in one up adopts under the new name and does not restore underneath it", async function () {
    await stack.declare([{ name: "old", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } }]);
    await stack.up(["--skip-preview"]);
    await stack.declare([{ name: "new", args: { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true } }]);
    stack.emulator.clearRequests();
    await stack.up(["--skip-preview"]);
    assert.deepEqual(stack.billingCalls(), ["GET 2"]);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-NEW");
  });

  it("destroy without restoreOnDelete releases: no API call, emnify keeps the values", async function () {
    await stack.declare([{ name: "b", args: { orgId: 2, vatin: "DE-NEW" } }]);
    await stack.up(["--skip-preview"]);
    stack.emulator.clearRequests();
    await stack.destroy(["--skip-preview"]);
    assert.deepEqual(stack.billingCalls(), []);
    assert.equal(stack.emulator.billingConfig(2).vatin, "DE-NEW");
  });

  it("a rate limit nobody told the provider about: 429s are absorbed and every organisation is adopted", async function () {
    const limited = await PluginStack.create({
      organisations: [2, 3, 4, 5, 6].map((id) => ({ id, billingConfig: { vatin: `DE-${id}` } })),
      resources: [2, 3, 4, 5, 6].map((id) => ({ name: `o${id}`, args: { orgId: id, vatin: `DE-${id}-NEW` } })),
      emulator: { pathRateLimits: [{ path: "/api/v1/organisation/:id/billing_config", requests: 3, windowSeconds: 1 }] },
    });
    try {
      await limited.up(["--skip-preview"]);
      for (const id of [2, 3, 4, 5, 6]) assert.equal(limited.emulator.billingConfig(id).vatin, `DE-${id}-NEW`);
      assert.ok(
        limited.emulator.requests.some((r) => r.status === 429),
        "the limit was met",
      );
    } finally {
      await limited.dispose();
    }
  });
});
