/**
 * The provider plugin's record of originals through the real CLI: each `restoreOnDelete`
 * organisation declares an `emnify:index:BillingOriginals` named `org-<orgId>` and passes its
 * `originals` to the `BillingConfig` (README, "The provider plugin"). Then a destroy after
 * adoption, a `pulumi up` SIGKILLed with its whole process tree after some PATCHes (recovered as
 * the README documents), and a rename without aliases all give every organisation its pre-Pulumi
 * values back. The same kill without the record loses some: the record is what makes it safe.
 */
import * as assert from "node:assert/strict";
import type { SeedOrganisation } from "pulumi-emnify/emulator";
import { PluginDeclaredResource, PluginStack } from "./pluginWorld";
import { KillWorldBase, gateInFront } from "./killWorld";
import { differencesFrom, formatCalls, pendingOperations, recover, step } from "../../tools/pulumi-cli/killRecovery";

const RECORD_TYPE = "emnify:index:BillingOriginals";
const FIRST_ORG = 101;
/** Seeded, never declared: must stay as seeded whatever happens. */
const BYSTANDER = 901;

function seeds(count: number): SeedOrganisation[] {
  const orgs: SeedOrganisation[] = Array.from({ length: count }, (_, i) => ({
    id: FIRST_ORG + i,
    billingConfig: {
      vatin: `DE-SEED-${FIRST_ORG + i}`,
      invoice_issuer_info: `issuer before Pulumi ${FIRST_ORG + i}`,
      payment_term: { id: 1 },
      vat_rate: { id: 1 },
      payment_data: { iban: `IBAN-SEED-${FIRST_ORG + i}` },
    },
  }));
  orgs.push({ id: BYSTANDER, billingConfig: { vatin: `DE-BYSTANDER-${BYSTANDER}`, payment_term: { id: 3 } } });
  return orgs;
}

function declarations(
  count: number,
  options: { recordOriginals: boolean; naming?: (orgId: number) => string; round?: string },
): PluginDeclaredResource[] {
  const round = options.round ?? "DECLARED";
  return Array.from({ length: count }, (_, i) => {
    const orgId = FIRST_ORG + i;
    return {
      name: (options.naming ?? ((id) => `billing-${id}`))(orgId),
      args: {
        orgId,
        vatin: `DE-${round}-${orgId}`,
        invoiceIssuerInfo: `${round} issuer ${orgId}`,
        paymentTerm: { id: 2 },
        vatRate: { id: 2 },
        paymentData: { iban: `IBAN-${round}-${orgId}` },
        restoreOnDelete: true,
      },
      options: { recordOriginals: options.recordOriginals },
    };
  });
}

/** One plugin stack whose endpoint is a gate in front of its emulator, and what each organisation held first. */
class PluginOriginalsWorld extends KillWorldBase<PluginStack> {
  static async create(orgs: number): Promise<PluginOriginalsWorld> {
    const seeded = seeds(orgs);
    const stack = await PluginStack.create({ organisations: seeded, resources: [] });
    const world = new PluginOriginalsWorld(stack, await gateInFront(stack), seeded);
    world.snapshotInitial();
    return world;
  }

  /** Runs `pulumi up` and SIGKILLs its whole process tree once the n-th billing PATCH was applied. */
  killUpAfterPatches(patches: number): Promise<void> {
    return this.killAfterPatches("up", patches, "tree");
  }

  async recordNames(): Promise<string[]> {
    return (await this.stack.runner.resources(this.stack.name, RECORD_TYPE))
      .filter((r) => !r.delete)
      .map((r) => r.urn.split("::").pop() ?? "")
      .sort();
  }
}

function summary(problems: string[], of: number): string {
  return `${problems.length} of ${of} organisations wrong:\n  ${problems.slice(0, 12).join("\n  ")}`;
}

/** Figures of each kill run, printed after the suite (for the report and the README). */
const figures: string[] = [];
after(function () {
  if (figures.length === 0) return;
  process.stderr.write(`\n      Plugin path, pulumi up killed (whole tree):\n`);
  for (const line of figures) process.stderr.write(`      ${line}\n`);
});

describe("real CLI, plugin: destroy after adoption restores the values recorded in emnify:index:BillingOriginals", function () {
  const COUNT = 3;
  let world: PluginOriginalsWorld;

  before(async function () {
    world = await PluginOriginalsWorld.create(COUNT);
  });
  after(() => world?.dispose());

  it("up records each organisation (one GET more) before changing it; no warning about a missing record", async function () {
    const declared = declarations(COUNT, { recordOriginals: true });
    await world.stack.declare(declared);
    world.stack.emulator.clearRequests();
    const up = await world.stack.up();
    assert.deepEqual(world.notAsDeclared(declared), []);
    assert.deepEqual(await world.recordNames(), ["org-101", "org-102", "org-103"]);
    const calls = world.stack.billingCalls();
    for (let i = 0; i < COUNT; i++) {
      const org = FIRST_ORG + i;
      const mine = calls.filter((c) => c.endsWith(` ${org}`));
      // The record's GET, then the BillingConfig's GET, PATCH and GET.
      assert.deepEqual(mine, [`GET ${org}`, `GET ${org}`, `PATCH ${org}`, `GET ${org}`], `org ${org}: ${calls.join(", ")}`);
    }
    assert.ok(!up.stdout.includes("without a record of originals"), up.stdout);
    const record = (await world.stack.runner.resources(world.stack.name, RECORD_TYPE))[0];
    assert.ok(record.outputs?.originals && typeof record.outputs.originals === "object" && "ciphertext" in record.outputs.originals);
  });

  it("refresh keeps the records without an API call for them, then up --expect-no-changes passes", async function () {
    world.stack.emulator.clearRequests();
    await world.stack.refresh(["--expect-no-changes"]);
    // The refresh's preview and the refresh itself each read every BillingConfig once; a record is read from the state.
    const calls = world.stack.billingCalls().sort();
    assert.deepEqual(calls, ["GET 101", "GET 101", "GET 102", "GET 102", "GET 103", "GET 103"]);
    await world.stack.up(["--expect-no-changes"]);
  });

  it("destroy restores every organisation's pre-Pulumi values and forgets the records", async function () {
    await world.stack.destroy();
    const wrong = world.notAsSeeded();
    assert.deepEqual(wrong, [], summary(wrong, COUNT));
    assert.deepEqual(await world.recordNames(), []);
    assert.deepEqual(world.credentialsInBackend(), []);
  });
});

describe("real CLI, plugin: a restoreOnDelete BillingConfig without its record", function () {
  let world: PluginOriginalsWorld;

  before(async function () {
    world = await PluginOriginalsWorld.create(1);
  });
  after(() => world?.dispose());

  it("up warns once, in one line, what to declare", async function () {
    await world.stack.declare(declarations(1, { recordOriginals: false }));
    const up = await world.stack.up();
    // The CLI shows a diagnostic as it happens and again in its summary: one distinct line, against the resource.
    const lines = [...new Set([...up.stdout.matchAll(/warning: [^\n]*without a record of originals[^\n]*/g)].map((m) => m[0]))];
    assert.equal(lines.length, 1, up.stdout);
    assert.ok(up.stdout.includes(`emnify:index:BillingConfig (billing-101):\n    ${lines[0]}`), up.stdout);
    assert.match(lines[0], /warning: organisation 101: restoreOnDelete without a record of originals/);
    assert.match(
      lines[0],
      /declare an emnify:index:BillingOriginals named "org-101" with orgId 101 and pass its originals to "billing-101"/,
    );
    await world.stack.destroy();
  });
});

const KILL_ORGS = 12;
const KILL_AFTER = 5;

/**
 * `pulumi up` SIGKILLed (every process of the tree) once KILL_AFTER PATCHes were applied, the
 * README's recovery, then destroy. With the records nothing is lost; without them (the same run,
 * the same kill) the organisations whose PATCH landed but whose create was never saved are
 * re-adopted at the changed values, and destroy cannot restore them.
 */
for (const recordOriginals of [true, false]) {
  describe(`real CLI, plugin: pulumi up SIGKILLed (whole tree) after ${KILL_AFTER} of ${KILL_ORGS} PATCHes, ${recordOriginals ? "with" : "WITHOUT"} the records of originals`, function () {
    let world: PluginOriginalsWorld;
    const declared = declarations(KILL_ORGS, { recordOriginals });

    before(async function () {
      world = await PluginOriginalsWorld.create(KILL_ORGS);
      await world.stack.declare(declared);
    });
    after(() => world?.dispose());

    it("the documented recovery (cancel, refresh --clear-pending-creates, up) converges and destroy restores or loses as expected", async function () {
      await world.killUpAfterPatches(KILL_AFTER);
      const patched = world.seeded.filter(
        (org) => differencesFrom(world.stack.emulator.billingConfig(org.id), world.initial.get(org.id)!).length > 0,
      );
      const recovery = await recover(world.target, "up");
      assert.ok(recovery.locked, "an engine killed mid-up leaves the stack locked");
      assert.ok(
        recovery.pendingBefore.some((op) => op.startsWith("creating")),
        `pending creates expected, got ${recovery.pendingBefore.join(", ")}`,
      );
      assert.deepEqual(world.notAsDeclared(declared), []);
      const up = await step(world.target, ["up", "--expect-no-changes"]);
      assert.equal(up.calls.patch, 0);
      await step(world.target, ["refresh", "--expect-no-changes"]);
      if (recordOriginals) assert.deepEqual(await world.recordNames(), declared.map((d) => `org-${String(d.args.orgId)}`).sort());

      await step(world.target, ["destroy"]);
      const wrong = world.notAsSeeded();
      figures.push(
        `${recordOriginals ? "with records   " : "without records"} | ${KILL_ORGS} orgs | killed after ${KILL_AFTER} PATCHes (${patched.length} orgs changed at the kill) | ` +
          `pending: ${recovery.pendingBefore.length} | ${recovery.steps.map((s) => `${s.command}: ${formatCalls(s.calls)}`).join("; ")} | ` +
          `after destroy: ${KILL_ORGS - wrong.length} restored, ${wrong.length} lost`,
      );
      assert.deepEqual(pendingOperations(await world.stack.runner.exportStack(world.stack.name)), []);
      assert.deepEqual(world.credentialsInBackend(), []);
      if (recordOriginals) assert.deepEqual(wrong, [], summary(wrong, KILL_ORGS));
      // Without the records the kill loses originals: this run proves that the records (not luck) make the other one safe.
      else assert.ok(wrong.length > 0, "without the records, a kill after PATCHes was expected to lose some originals");
    });
  });
}

describe("real CLI, plugin: a rename without aliases, then destroy", function () {
  const COUNT = 3;
  let world: PluginOriginalsWorld;

  before(async function () {
    world = await PluginOriginalsWorld.create(COUNT);
  });
  after(() => world?.dispose());

  it("destroy gives back the values from before Pulumi, not the ones the old name set; the records stay in place", async function () {
    await world.stack.declare(declarations(COUNT, { recordOriginals: true }));
    await world.stack.up();
    const recordsBefore = await world.stack.runner.resources(world.stack.name, RECORD_TYPE);
    const renamed = declarations(COUNT, { recordOriginals: true, naming: (id) => `renamed-${id}` });
    await world.stack.declare(renamed);
    world.stack.emulator.clearRequests();
    await world.stack.up();
    assert.deepEqual(world.notAsDeclared(renamed), []);
    assert.ok(!world.stack.billingCalls().some((c) => c.startsWith("PATCH")), "the rename changes nothing in emnify");
    const recordsAfter = await world.stack.runner.resources(world.stack.name, RECORD_TYPE);
    assert.deepEqual(
      // The engine orders the state by when each step finished, which parallel steps vary.
      recordsAfter.map((r) => [r.urn, r.id]).sort(),
      recordsBefore.map((r) => [r.urn, r.id]).sort(),
      "the records are untouched by the rename",
    );
    await world.stack.destroy();
    const wrong = world.notAsSeeded();
    assert.deepEqual(wrong, [], summary(wrong, COUNT));
  });
});
