import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runNodeScript } from "../../tools/engine/nodeScript";
import { repoRoot } from "../../tools/repoRoot";
import { createUserProject } from "../../tools/pulumi-cli/userProject";
import { BILLING_CONFIG_TYPE, BILLING_ORIGINALS_TYPE } from "../../tools/apiCalls";
import { PLUGIN_TYPE, PluginStack } from "./pluginWorld";
import { realCliWorld } from "./world";

// README "Moving a stack from the dynamic resource to the plugin", run as documented: a stack made
// by the dynamic BillingConfig (with records of originals for its restoreOnDelete organisations)
// is exported, rewritten by `pulumi-emnify migrate-to-plugin`, imported, and its program switched
// to `pulumi-emnify/plugin`. Nothing may be replaced, created, deleted, restored or written in
// emnify on the way, and the destroy afterwards must still restore the pre-Pulumi values.

const PLUGIN_RECORD_TYPE = "emnify:index:BillingOriginals";

/** Pre-Pulumi values of each organisation (emnify's API shape). */
const BEFORE: Record<number, Record<string, unknown>> = {
  2: { vatin: "DE-ORIGINAL-2", payment_term: { id: 1 } },
  3: { vatin: "DE-SAME-3", charging_model: { id: 1 } },
  4: { vatin: "DE-ORIGINAL-4", invoice_issuer_info: "Original Four", payment_data: { iban: "ORIGINAL-4" } },
  5: { vatin: "DE-ORIGINAL-5", vat_rate: { id: 1 } },
};

/** What the program declares. */
const DECLARED = [
  // Released on destroy: keeps the declared values.
  { name: "changed", args: { orgId: 2, vatin: "DE-SET-2", paymentTerm: { id: 2 } } },
  // Adopted as it was: nothing written, nothing to restore.
  { name: "untouched", args: { orgId: 3, vatin: "DE-SAME-3", chargingModel: { id: 1 } } },
  // restoreOnDelete with changed values: a record of originals each; destroy puts BEFORE back.
  {
    name: "restored-four",
    args: { orgId: 4, vatin: "DE-SET-4", invoiceIssuerInfo: "Set Four", paymentData: { iban: "SET-4" }, restoreOnDelete: true },
  },
  { name: "restored-five", args: { orgId: 5, vatin: "DE-SET-5", vatRate: { id: 2 }, restoreOnDelete: true } },
];

const RECORDS = DECLARED.filter((r) => "restoreOnDelete" in r.args).map((r) => `org-${r.args.orgId}`);

function program(file: string): string {
  return fs.readFileSync(path.join(repoRoot(), "test/realCli/fixtures", file), "utf8");
}

describe("real CLI: moving a stack from the dynamic resource to the plugin", function () {
  let stack: PluginStack;
  let projectDir: string;
  let workDir: string;

  /** Every state URN of these types, without the stack and project. */
  async function urnsOf(...types: string[]): Promise<string[]> {
    const exported = await stack.runner.exportStack(stack.name);
    return (exported.deployment.resources ?? [])
      .filter((r) => types.includes(r.type))
      .map((r) => r.urn.split("::").slice(2).join("::"))
      .sort();
  }

  before(async function () {
    const world = await realCliWorld();
    // A project of its own, whose index.ts the migration switches from one program to the other.
    projectDir = await createUserProject({
      dir: path.join(world.root, "migration-project"),
      name: "emnify-migration-test",
      program: program("lifecycleProgram.ts"),
    });
    workDir = fs.mkdtempSync(path.join(world.root, "migration-"));
    stack = await PluginStack.create({
      projectDir,
      organisations: Object.entries(BEFORE).map(([id, billingConfig]) => ({ id: Number(id), billingConfig })),
      resources: DECLARED,
    });
    stack.emulator.clearRequests();
    await stack.up();
    measured.push(`dynamic up (before): ${summary()}`);
    assert.deepEqual(
      await urnsOf(BILLING_ORIGINALS_TYPE),
      RECORDS.map((name) => `${BILLING_ORIGINALS_TYPE}::${name}`),
    );
  });
  after(async () => {
    process.stderr.write(`      API calls per step (emulator request log):\n${measured.map((line) => `        ${line}\n`).join("")}`);
    await stack?.dispose();
  });

  const measured: string[] = [];
  /** "1 authentication, GET 4, PATCH 0" since the last clearRequests. */
  function summary(): string {
    const calls = stack.apiCalls();
    const count = (method: string) => calls.filter((c) => c.method === method).length;
    return `${stack.authentications()} authentication(s), GET ${count("GET")}, PATCH ${count("PATCH")}, other ${calls.length - count("GET") - count("PATCH")}`;
  }

  it("export, migrate-to-plugin and import change no resource's identity and call no API", async function () {
    stack.emulator.clearRequests();
    const oldFile = path.join(workDir, "old.json");
    const newFile = path.join(workDir, "new.json");
    await stack.pulumi(["stack", "export", "--file", oldFile]);
    // The command as installed with the package (node_modules/.bin/pulumi-emnify).
    const migrate = await runNodeScript(
      path.join(projectDir, "node_modules/pulumi-emnify/dist/provider/cli/main.js"),
      ["migrate-to-plugin", oldFile, "--out", newFile],
      {
        cwd: workDir,
      },
    );
    assert.equal(migrate.status, 0, migrate.stderr);
    assert.match(
      migrate.stderr,
      new RegExp(`^migrated ${DECLARED.length} BillingConfig\\(s\\) and ${RECORDS.length} BillingOriginals record\\(s\\)`),
    );
    await stack.pulumi(["stack", "import", "--file", newFile]);
    measured.push(`stack export + migrate-to-plugin + stack import: ${summary()}`);
    assert.deepEqual(stack.emulator.requests, [], "no API call, not even an authentication");

    assert.deepEqual(await urnsOf(BILLING_CONFIG_TYPE, BILLING_ORIGINALS_TYPE, "pulumi:providers:pulumi-nodejs"), []);
    assert.deepEqual(
      await urnsOf(PLUGIN_TYPE, PLUGIN_RECORD_TYPE, "pulumi:providers:emnify"),
      [
        ...DECLARED.map((r) => `${PLUGIN_TYPE}::${r.name}`),
        ...RECORDS.map((name) => `${PLUGIN_RECORD_TYPE}::${name}`),
        "pulumi:providers:emnify::default",
      ].sort(),
    );
    const exported = JSON.stringify(await stack.runner.exportStack(stack.name));
    assert.equal(exported.includes("__provider"), false, "no provider code left in the state");
  });

  it("with the program switched to pulumi-emnify/plugin, preview --expect-no-changes passes and plans no step but same", async function () {
    fs.writeFileSync(path.join(projectDir, "index.ts"), program("migratedProgram.ts"));
    stack.emulator.clearRequests();
    await stack.preview(["--expect-no-changes", "--diff"]);
    measured.push(`preview --expect-no-changes: ${summary()}`);
    const preview = await stack.preview(["--json"]);
    const steps = (JSON.parse(preview.stdout) as { steps?: Array<{ op: string; urn: string }> }).steps ?? [];
    assert.deepEqual(
      steps.filter((step) => step.op !== "same").map((step) => `${step.op} ${step.urn}`),
      [],
    );
    assert.deepEqual(stack.apiCalls(), [], "a preview after the migration calls nothing");
  });

  it("up changes nothing and calls nothing; refresh only reads each organisation", async function () {
    stack.emulator.clearRequests();
    await stack.up(["--expect-no-changes"]);
    measured.push(`up --expect-no-changes: ${summary()}`);
    assert.deepEqual(stack.apiCalls(), []);
    stack.emulator.clearRequests();
    await stack.refresh(["--expect-no-changes"]);
    measured.push(`refresh --expect-no-changes: ${summary()}`);
    // The refresh's preview and the refresh each read every BillingConfig; a record is never read.
    assert.deepEqual([...stack.billingCalls()].sort(), DECLARED.flatMap((r) => [`GET ${r.args.orgId}`, `GET ${r.args.orgId}`]).sort());
  });

  it("destroy restores every restoreOnDelete organisation to its pre-Pulumi values and releases the others as declared", async function () {
    stack.emulator.clearRequests();
    await stack.destroy();
    measured.push(`destroy: ${summary()}`);
    assert.deepEqual(
      stack
        .billingCalls()
        .filter((c) => c.startsWith("PATCH"))
        .sort(),
      RECORDS.map((name) => `PATCH ${name.slice("org-".length)}`).sort(),
      "only the restoreOnDelete organisations are written (restored)",
    );
    const held = (orgId: number) => stack.emulator.billingConfig(orgId);
    assert.equal(held(2).vatin, "DE-SET-2");
    assert.deepEqual(held(2).payment_term, { id: 2 });
    assert.equal(held(3).vatin, "DE-SAME-3");
    if (RECORDS.length > 0) {
      assert.equal(held(4).vatin, "DE-ORIGINAL-4");
      assert.equal(held(4).invoice_issuer_info, "Original Four");
      assert.deepEqual(held(4).payment_data, { iban: "ORIGINAL-4" });
      assert.equal(held(5).vatin, "DE-ORIGINAL-5");
      assert.equal((held(5).vat_rate as { id: number }).id, 1);
    }
    assert.deepEqual(await urnsOf(PLUGIN_TYPE, PLUGIN_RECORD_TYPE), []);
  });
});
