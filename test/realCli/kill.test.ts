/**
 * A pipeline run that dies: `pulumi up` (and `pulumi destroy`) killed at an exact moment, chosen by
 * a gate in front of the emulator, then the recovery the README documents ("Recovering a killed
 * run"). Whatever kills the run, `restoreOnDelete` must still give every organisation back the
 * values it had before Pulumi touched it, and no credential may reach any output or backend file.
 */
import * as assert from "node:assert/strict";
import type { SeedOrganisation } from "pulumi-emnify/emulator";
import { CliStack, DeclaredResource } from "./world";
import { KillWorldBase, gateInFront } from "./killWorld";
import { KILL_KINDS } from "../../tools/pulumi-cli/killRun";
import { Recovery, formatCalls, pendingOperations, recover, step } from "../../tools/pulumi-cli/killRecovery";

const FIRST_ORG = 101;
/** Seeded, never declared: must stay as seeded whatever happens. */
const BYSTANDERS = [901, 902];

function seeds(count: number): SeedOrganisation[] {
  const orgs: SeedOrganisation[] = [];
  for (let i = 0; i < count; i++) {
    const id = FIRST_ORG + i;
    orgs.push({
      id,
      billingConfig: {
        vatin: `DE-SEED-${id}`,
        invoice_issuer_info: `issuer before Pulumi ${id}`,
        charging_model: { id: 1 },
        payment_term: { id: 1 },
        vat_rate: { id: 1 },
      },
    });
  }
  for (const id of BYSTANDERS) orgs.push({ id, billingConfig: { vatin: `DE-BYSTANDER-${id}`, payment_term: { id: 3 } } });
  return orgs;
}

function declarations(count: number, round: string, naming = (id: number) => `org-${id}`): DeclaredResource[] {
  return Array.from({ length: count }, (_, i) => {
    const orgId = FIRST_ORG + i;
    return {
      name: naming(orgId),
      args: {
        orgId,
        vatin: `DE-${round}-${orgId}`,
        invoiceIssuerInfo: `${round} issuer ${orgId}`,
        paymentTerm: { id: 2 },
        vatRate: { id: 2 },
        restoreOnDelete: true,
      },
    };
  });
}

/** Steps of every recovery the suite ran, printed as a table after the suite (for the README). */
const table: string[] = [];
after(function () {
  if (table.length === 0) return;
  process.stderr.write(`\n      Recovery after a kill (API calls from the emulator's request log):\n`);
  for (const line of table) process.stderr.write(`      ${line}\n`);
});

function record(label: string, recovery: Recovery): void {
  const steps = recovery.steps.map((s) => `\`pulumi ${s.command}\` ${formatCalls(s.calls)}`).join("; ");
  table.push(
    `${label} | lock: ${recovery.locked ? "yes" : "no"}${recovery.repaired.length ? " (empty .attrs removed)" : ""} | pending: ${pendingSummary(recovery.pendingBefore)} | ${steps}`,
  );
}

function pendingSummary(pending: string[]): string {
  const byType = new Map<string, number>();
  for (const op of pending) byType.set(op.split(" ")[0], (byType.get(op.split(" ")[0]) ?? 0) + 1);
  return [...byType].map(([type, n]) => `${n} ${type}`).join(", ") || "none";
}

class KillWorld extends KillWorldBase<CliStack> {
  static async create(orgs: number): Promise<KillWorld> {
    const seeded = seeds(orgs);
    const stack = await CliStack.create({ organisations: seeded, resources: [] });
    return new KillWorld(stack, await gateInFront(stack), seeded);
  }
}

function summary(problems: string[], of: number): string {
  return `${problems.length} of ${of} organisations wrong:\n  ${problems.slice(0, 12).join("\n  ")}`;
}

const ORGS = 40;
const KILL_AFTER = 16;

for (const kind of KILL_KINDS) {
  describe(`real CLI: pulumi up killed (${kind === "sigint" ? "SIGINT to the engine" : `SIGKILL of the ${kind === "tree" ? "whole process tree" : kind}`}) after ${KILL_AFTER} of ${ORGS} PATCHes`, function () {
    let world: KillWorld;
    const declared = declarations(ORGS, "DECLARED");

    before(async function () {
      world = await KillWorld.create(ORGS);
      world.snapshotInitial();
      await world.stack.declare(declared);
    });
    after(() => world?.dispose());

    it("the documented recovery brings every organisation to its declared values", async function () {
      await world.killAfterPatches("up", KILL_AFTER, kind);
      const recovery = await recover(world.target, "up");
      record(`up killed: ${kind}`, recovery);
      if (kind === "tree" || kind === "engine") {
        assert.ok(recovery.locked, "an engine killed mid-up leaves the stack locked");
        assert.ok(
          recovery.pendingBefore.some((op) => op.startsWith("creating")),
          `pending creates expected, got ${recovery.pendingBefore.join(", ")}`,
        );
      }
      assert.equal(recovery.steps.find((s) => s.command === "cancel")?.calls.get ?? 0, 0);
      assert.deepEqual(world.notAsDeclared(declared), []);
    });

    it("up --expect-no-changes and refresh --expect-no-changes pass after the recovery", async function () {
      const up = await step(world.target, ["up", "--expect-no-changes"]);
      assert.equal(up.calls.patch, 0);
      await step(world.target, ["refresh", "--expect-no-changes"]);
    });

    it("destroy gives every restoreOnDelete organisation its pre-Pulumi values back and leaves the others untouched", async function () {
      await step(world.target, ["destroy"]);
      const wrong = world.notAsSeeded();
      assert.deepEqual(wrong, [], summary(wrong, ORGS));
    });

    it("no credential in any backend file", function () {
      assert.deepEqual(world.credentialsInBackend(), []);
    });
  });
}

describe("real CLI: recovering a killed update and a killed destroy (pending updates, pending deletes)", function () {
  const COUNT = 12;
  let world: KillWorld;

  before(async function () {
    world = await KillWorld.create(COUNT);
    world.snapshotInitial();
    await world.stack.declare(declarations(COUNT, "FIRST"));
    await world.stack.up();
  });
  after(() => world?.dispose());

  it("an update killed with the whole tree: cancel, refresh, up; the declared values hold", async function () {
    const second = declarations(COUNT, "SECOND");
    await world.stack.declare(second);
    await world.killAfterPatches("up", 4, "tree");
    const recovery = await recover(world.target, "up");
    record("update killed: tree", recovery);
    assert.ok(recovery.locked);
    assert.ok(
      recovery.pendingBefore.some((op) => op.startsWith("updating")),
      `pending updates expected, got ${recovery.pendingBefore.join(", ")}`,
    );
    assert.deepEqual(world.notAsDeclared(second), []);
    await step(world.target, ["up", "--expect-no-changes"]);
  });

  it("a destroy killed with the whole tree: cancel, refresh, destroy; every organisation holds its pre-Pulumi values", async function () {
    await world.killAfterPatches("destroy", 4, "tree");
    const recovery = await recover(world.target, "destroy");
    record("destroy killed: tree", recovery);
    assert.ok(recovery.locked);
    assert.ok(
      recovery.pendingBefore.some((op) => op.startsWith("deleting")),
      `pending deletes expected, got ${recovery.pendingBefore.join(", ")}`,
    );
    const wrong = world.notAsSeeded();
    assert.deepEqual(wrong, [], summary(wrong, COUNT));
    assert.deepEqual(pendingOperations(await world.stack.runner.exportStack(world.stack.name)), []);
    assert.deepEqual(world.credentialsInBackend(), []);
  });
});

describe("real CLI: a rename without aliases, then destroy", function () {
  const COUNT = 3;
  let world: KillWorld;

  before(async function () {
    world = await KillWorld.create(COUNT);
    world.snapshotInitial();
  });
  after(() => world?.dispose());

  it("destroy gives back the values from before Pulumi, not the ones the old name set", async function () {
    await world.stack.declare(declarations(COUNT, "DECLARED"));
    await world.stack.up();
    const renamed = declarations(COUNT, "DECLARED", (id) => `renamed-${id}`);
    await world.stack.declare(renamed);
    await world.stack.up();
    assert.deepEqual(world.notAsDeclared(renamed), []);
    await world.stack.destroy();
    const wrong = world.notAsSeeded();
    assert.deepEqual(wrong, [], summary(wrong, COUNT));
  });
});
