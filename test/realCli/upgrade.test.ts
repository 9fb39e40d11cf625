import * as assert from "node:assert/strict";
import { BILLING_ORIGINALS_TYPE } from "../../tools/apiCalls";
import * as fs from "node:fs";
import * as path from "node:path";
import { ENDPOINT_PLACEHOLDER, UPGRADE_FIXTURES, readUpgradeManifest, upgradeFixturesDir } from "../../tools/upgradeFixtures";
import { CliStack, type DeclaredResource, PASSPHRASE, PROJECT } from "./world";

// States that earlier versions of this package wrote (test/realCli/fixtures/upgrade/, recorded by
// `npm run upgrade-fixtures` from those commits), taken over by this version: imported as they
// are, they preview only the records of originals this version adds, refresh with no changes,
// and a destroy must still give the restoreOnDelete organisations the billing configs they had
// before Pulumi touched them.
describe("real CLI: states written by earlier versions of the package", function () {
  const manifest = readUpgradeManifest();

  it("keeps a recorded state for every earlier version listed", function () {
    assert.deepEqual(
      manifest.fixtures.map((f) => [f.name, f.commit]),
      UPGRADE_FIXTURES.map((f) => [f.name, f.commit]),
    );
  });

  for (const fixture of manifest.fixtures) {
    describe(`${fixture.name}: ${fixture.shape}`, function () {
      let stack: CliStack;

      before(async function () {
        assert.equal(fixture.project, PROJECT);
        assert.equal(fixture.passphrase, PASSPHRASE, "the state's secrets were encrypted with the suite's passphrase");
        // The emulator holds what the earlier version's `up` left; the stack config what it had.
        stack = await CliStack.create({
          name: fixture.stack,
          applicationToken: fixture.applicationToken,
          organisations: Object.entries(fixture.after).map(([id, billingConfig]) => ({ id: Number(id), billingConfig })),
          resources: fixture.resources as unknown as DeclaredResource[],
        });
        const state = fs
          .readFileSync(path.join(upgradeFixturesDir(), fixture.stateFile), "utf8")
          .split(ENDPOINT_PLACEHOLDER)
          .join(stack.emulator.url);
        const file = path.join(stack.world.root, `${fixture.name}.state.json`);
        fs.writeFileSync(file, state);
        await stack.pulumi(["stack", "import", "--file", file]);
      });
      after(() => stack?.dispose());

      it("imports with every resource of the earlier version", async function () {
        const names = (await stack.billingResources()).map((r) => r.urn.split("::").pop()).sort();
        assert.deepEqual(names, fixture.resources.map((r) => r.name).sort());
      });

      // This version records each restoreOnDelete organisation's originals in a resource of its own
      // (BillingOriginals, DECISIONS D36). An earlier state has none, so the first preview plans
      // exactly those records and nothing else; the BillingConfigs keep their own originals.
      it("previews only the records of originals this version adds, and no change to a BillingConfig", async function () {
        stack.emulator.clearRequests();
        const preview = await stack.preview(["--json"]);
        const steps = (JSON.parse(preview.stdout) as { steps?: Array<{ op: string; urn: string }> }).steps ?? [];
        const changed = steps.filter((step) => step.op !== "same");
        assert.deepEqual(
          changed.map((step) => `${step.op} ${step.urn.split("::").slice(-2).join("::")}`).sort(),
          fixture.resources
            .filter((r) => r.args.restoreOnDelete === true)
            .map((r) => `create ${BILLING_ORIGINALS_TYPE}::org-${String(r.args.orgId)}`)
            .sort(),
        );
        assert.deepEqual(
          stack.apiCalls().filter((c) => c.method !== "GET"),
          [],
          "a preview writes nothing",
        );
      });

      it("adds the records with an up that changes nothing in emnify, then previews with no changes", async function () {
        stack.emulator.clearRequests();
        await stack.up();
        assert.deepEqual(
          stack.apiCalls().filter((c) => c.method !== "GET"),
          [],
          "adding the records writes nothing",
        );
        await stack.preview(["--expect-no-changes", "--diff"]);
      });

      it("refreshes with no changes", async function () {
        await stack.refresh(["--expect-no-changes"]);
      });

      it("destroys, restoring the values the organisations had before Pulumi", async function () {
        await stack.destroy();
        for (const { args } of fixture.resources) {
          const orgId = args.orgId as number;
          const expected = args.restoreOnDelete === true ? fixture.before[orgId] : fixture.after[orgId];
          assert.deepEqual(stack.emulator.billingConfig(orgId), expected, `organisation ${orgId}`);
        }
        assert.deepEqual(await stack.billingResources(), []);
      });
    });
  }
});
