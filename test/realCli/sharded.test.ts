/**
 * examples/sharded through the real `pulumi`, as its README says: one organisations file spread
 * over three stacks of one project, run concurrently by examples/sharded/shards.sh against one
 * emulator (one source IP, one rate limit), then one organisation moved on purpose to another
 * shard with `pulumi-emnify shards move` (`pulumi state move`, then the pin in the file).
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OrganisationEntry, entriesOfShard, loadOrganisationsFile } from "pulumi-emnify";
import { EmnifyEmulator } from "pulumi-emnify/emulator";
import type { RequestLogEntry } from "pulumi-emnify/emulator";
import { BILLING_CONFIG_TYPE, billingCallLabel, isAuthentication } from "../../tools/apiCalls";
import { DemoOrganisation, adoptionCalls, demoOrganisations } from "../../tools/demoScenario";
import { PulumiRunner, StateResource } from "../../tools/pulumi-cli/pulumiRunner";
import { runNodeScript } from "../../tools/engine/nodeScript";
import { repoRoot } from "../../tools/repoRoot";
import { PASSPHRASE, realCliWorld } from "./world";

const PROJECT_DIR = path.join(repoRoot(), "examples/sharded");
const ORIGINALS_TYPE = "pulumi-nodejs:dynamic/emnify:BillingOriginals";
const SHARDS = 3;
/** emnify's limit compressed: small enough that three shards pacing alone would overrun it. */
const LIMIT = { requests: 20, windowSeconds: 4 };

/** Twelve organisations, every other one restoring on delete, one pinned to shard 0. */
function organisationsFileText(): string {
  const lines = ["defaults:", "  chargingModel: { id: 1 }", "  paymentTerm: { id: 1 }", "orgs:"];
  for (let id = 2; id <= 13; id++) {
    lines.push(`  - id: ${id}`, `    name: org-${id}`, `    vatin: DE8${String(id).padStart(8, "0")}`);
    if (id % 2 === 0) lines.push("    restoreOnDelete: true");
    if (id === 3) lines.push("    shard: 0");
  }
  return `${lines.join("\n")}\n`;
}

/** The most requests that arrived within any window of the limit's length. */
function busiestWindow(requests: RequestLogEntry[], windowMs: number): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe("real CLI: examples/sharded, three shards of one organisations file run concurrently", function () {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-sharded-"));
  const orgsFile = path.join(root, "orgs.yaml");
  fs.writeFileSync(orgsFile, organisationsFileText());
  let organisations: DemoOrganisation[];
  const prefix = `sh${process.pid}-${randomBytes(2).toString("hex")}-`;
  const stacks = Array.from({ length: SHARDS }, (_, i) => `${prefix}${i}`);
  let emulator: EmnifyEmulator;
  let runner: PulumiRunner;
  let token: string;

  /** examples/sharded/shards.sh with the suite's offline Pulumi environment. */
  async function shards(args: string[]): Promise<string> {
    const child = spawn(path.join(PROJECT_DIR, "shards.sh"), args, {
      cwd: PROJECT_DIR,
      env: runner.environment({ SHARDS: String(SHARDS), SHARD_STACK_PREFIX: prefix }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, `shards.sh ${args.join(" ")} failed:\n${output}`);
    return output;
  }

  function resources(stack: string, type: string): Promise<StateResource[]> {
    return runner.resources(stack, type);
  }

  /** Organisation id → the stacks whose state holds a BillingConfig for it. */
  async function declaredBy(): Promise<Map<number, string[]>> {
    const owners = new Map<number, string[]>();
    for (const stack of stacks) {
      for (const r of await resources(stack, BILLING_CONFIG_TYPE)) {
        const orgId = (r.outputs as { orgId: number }).orgId;
        owners.set(orgId, [...(owners.get(orgId) ?? []), stack]);
      }
    }
    return owners;
  }

  function apiCalls(): RequestLogEntry[] {
    return emulator.requests.filter((r) => !isAuthentication(r));
  }

  function entries(): OrganisationEntry[] {
    return loadOrganisationsFile(orgsFile);
  }

  before(async function () {
    const world = await realCliWorld();
    organisations = demoOrganisations(entries());
    token = `real-cli-token-${randomBytes(12).toString("hex")}`;
    world.credentials.push(token);
    emulator = await EmnifyEmulator.start({
      accounts: [{ applicationToken: token, organisationId: 1 }],
      organisations: organisations.map((o) => o.seed),
      rateLimit: LIMIT,
    });
    runner = new PulumiRunner({
      cli: world.cli,
      projectDir: PROJECT_DIR,
      backendDir: world.backendDir,
      passphrase: PASSPHRASE,
      onResult: (result) => world.results.push(result),
    });
    const init = await shards(["init"]);
    for (let i = 0; i < SHARDS; i++) assert.match(init, new RegExp(`${stacks[i]}: shard ${i} of ${SHARDS}`));
    for (const stack of stacks) {
      await runner.setConfig(stack, "sharded:orgsFile", orgsFile);
      await runner.setConfig(stack, "emnify:endpoint", emulator.url);
      await runner.setConfig(stack, "emnify:rateLimit", `${LIMIT.requests}/${LIMIT.windowSeconds}`);
      await runner.setConfig(stack, "emnify:applicationToken", token, { secret: true });
    }
  });

  after(async function () {
    for (const stack of stacks) {
      await runner?.run(["stack", "rm", stack, "--force", "--yes"], { allowFailure: true });
      fs.rmSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), { force: true });
    }
    await emulator?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("every shard declares its part; concurrent ups adopt every organisation exactly once with the fewest calls, sharing one rate budget without a 429", async function () {
    for (let shard = 0; shard < SHARDS; shard++) {
      assert.ok(entriesOfShard(entries(), shard, SHARDS).length > 0, `shard ${shard} has organisations`);
    }
    const started = Date.now();
    await shards(["up", "--yes"]);
    const seconds = (Date.now() - started) / 1000;

    const owners = await declaredBy();
    assert.deepEqual(
      [...owners.keys()].sort((a, b) => a - b),
      organisations.map((o) => o.entry.args.orgId),
    );
    for (const [orgId, by] of owners) assert.equal(by.length, 1, `organisation ${orgId} is declared by ${by.join(", ")}`);
    assert.deepEqual(owners.get(3), [stacks[0]], "the pinned organisation is in its shard");

    for (const { entry } of organisations) assert.equal(emulator.billingConfig(entry.args.orgId).vatin, entry.args.vatin, entry.name);
    assert.deepEqual(apiCalls().map(billingCallLabel).sort(), adoptionCalls(organisations));
    assert.equal(emulator.requests.filter(isAuthentication).length, SHARDS, "one authentication per shard");
    assert.deepEqual(
      emulator.requests.filter((r) => r.status === 429),
      [],
      "no request over the limit",
    );
    const busiest = busiestWindow(emulator.requests, LIMIT.windowSeconds * 1000);
    assert.ok(busiest <= LIMIT.requests, `${busiest} requests within ${LIMIT.windowSeconds} s`);
    process.stderr.write(
      `      ${SHARDS} shards: ${emulator.requests.length} requests in ${seconds.toFixed(1)} s, at most ${busiest} in any ${LIMIT.windowSeconds} s (limit ${LIMIT.requests})\n`,
    );
  });

  it("up again in every shard: no changes and no API call", async function () {
    emulator.clearRequests();
    await shards(["up", "--yes", "--expect-no-changes"]);
    assert.deepEqual(emulator.requests, []);
  });

  it("an organisation moved to another shard (shards move: pulumi state move, then its pin) keeps its record of originals and is neither restored nor adopted again", async function () {
    // A restoring organisation of shard 1, moved to shard 2.
    const moved = entriesOfShard(entries(), 1, SHARDS).find((e) => e.args.restoreOnDelete && e.shard === undefined);
    assert.ok(moved, "shard 1 has a restoring organisation");
    const [from, to] = [stacks[1], stacks[2]];
    const recordBefore = (await resources(from, ORIGINALS_TYPE)).find((r) => r.urn.endsWith(`::org-${moved.args.orgId}`));
    const configBefore = (await resources(from, BILLING_CONFIG_TYPE)).find((r) => r.urn.endsWith(`::${moved.name}`));
    assert.ok(recordBefore && configBefore);

    emulator.clearRequests();
    // The README's command: pulumi state move of both resources, then the pin in the file.
    const move = await runNodeScript(
      path.join(repoRoot(), "dist/provider/cli/main.js"),
      ["shards", "move", "--file", orgsFile, "--org", String(moved.args.orgId), "--from", from, "--to", to],
      { cwd: PROJECT_DIR, env: runner.environment() as Record<string, string> },
    );
    assert.equal(move.stderr, "");
    assert.equal(move.status, 0);
    assert.match(
      move.stdout,
      new RegExp(`moved the BillingConfig and its record of originals of ${moved.name} \\(id ${moved.args.orgId}\\) from ${from} to ${to}`),
    );
    assert.equal(entries().find((e) => e.name === moved.name)?.shard, 2);
    await shards(["up", "--yes", "--expect-no-changes"]);
    assert.deepEqual(emulator.requests, [], "no API call: nothing restored, nothing adopted");

    const owners = await declaredBy();
    assert.deepEqual(owners.get(moved.args.orgId), [to]);
    assert.ok([...owners.values()].every((by) => by.length === 1));
    // Secret outputs are encrypted again for the destination stack; the destroy below shows the
    // record still holds the values from before Pulumi.
    const recordAfter = (await resources(to, ORIGINALS_TYPE)).find((r) => r.urn.endsWith(`::org-${moved.args.orgId}`));
    const configAfter = (await resources(to, BILLING_CONFIG_TYPE)).find((r) => r.urn.endsWith(`::${moved.name}`));
    assert.equal(recordAfter?.id, recordBefore.id, "the record of originals moved");
    assert.equal(configAfter?.id, configBefore.id);
    assert.equal((configAfter?.outputs as { vatin: string }).vatin, moved.args.vatin);
    assert.deepEqual(await resources(from, ORIGINALS_TYPE).then((rs) => rs.filter((r) => r.urn.endsWith(`::org-${moved.args.orgId}`))), []);
    assert.equal(emulator.billingConfig(moved.args.orgId).vatin, moved.args.vatin);
  });

  it("destroying every shard restores each restoring organisation, the moved one included, to its values from before Pulumi", async function () {
    emulator.clearRequests();
    await shards(["destroy", "--yes"]);
    const restoring = organisations.filter((o) => o.entry.args.restoreOnDelete);
    assert.deepEqual(apiCalls().map(billingCallLabel).sort(), restoring.map((o) => `PATCH ${o.entry.args.orgId}`).sort());
    for (const { entry, seed } of organisations) {
      const expected = entry.args.restoreOnDelete ? seed.billingConfig?.vatin : entry.args.vatin;
      assert.equal(emulator.billingConfig(entry.args.orgId).vatin, expected, entry.name);
    }
  });
});
