/**
 * A stack of the real-CLI suite behind a request gate, for the tests that kill `pulumi` at a chosen
 * billing PATCH and then check the recovery: the dynamic path's kill tests and the plugin's
 * records-of-originals tests share it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ApiBillingConfig, SeedOrganisation } from "pulumi-emnify/emulator";
import type { StackUnderTest } from "./world";
import { findCredentials } from "./secretScan";
import { RequestGate, isBillingPatch } from "../../tools/pulumi-cli/requestGate";
import { KillKind, runAndKill } from "../../tools/pulumi-cli/killRun";
import { KillTarget, differencesFrom, differencesFromDeclared, filesUnder } from "../../tools/pulumi-cli/killRecovery";

/** A gate in front of the stack's emulator, and the stack's endpoint pointed at it. */
export async function gateInFront(stack: StackUnderTest): Promise<RequestGate> {
  const gate = await RequestGate.start(stack.emulator.url);
  await stack.setConfig("emnify:endpoint", gate.url);
  return gate;
}

export class KillWorldBase<S extends StackUnderTest> {
  /** What each organisation held before any run (the seed merged over the emulator's defaults). */
  readonly initial = new Map<number, ApiBillingConfig>();

  protected constructor(
    readonly stack: S,
    readonly gate: RequestGate,
    readonly seeded: SeedOrganisation[],
  ) {}

  get target(): KillTarget {
    return { runner: this.stack.runner, stack: this.stack.name, backendDir: this.stack.world.backendDir, emulator: this.stack.emulator };
  }

  async dispose(): Promise<void> {
    await this.gate.stop();
    await this.stack.dispose();
  }

  snapshotInitial(): void {
    for (const org of this.seeded) this.initial.set(org.id, structuredClone(this.stack.emulator.billingConfig(org.id)));
  }

  /** Runs `pulumi <command>` and kills it once the n-th billing PATCH was applied. */
  async killAfterPatches(command: "up" | "destroy", patches: number, kind: KillKind): Promise<void> {
    const reached = this.gate.armAfter(patches, isBillingPatch);
    const run = await runAndKill(this.stack.runner, [command, "--stack", this.stack.name, "--yes"], { gate: this.gate, reached, kind });
    assert.ok(run.killed, `pulumi ${command} ended before its ${patches}th PATCH:\n${run.result.stdout}\n${run.result.stderr}`);
    if (kind !== "sigint") assert.notEqual(run.result.code, 0, `a killed pulumi ${command} exited 0`);
  }

  /** Organisations whose managed fields differ from their declaration. */
  notAsDeclared(declared: readonly { args: object }[]): string[] {
    return declared.flatMap((d) => {
      const orgId = (d.args as { orgId: number }).orgId;
      const diff = differencesFromDeclared(this.stack.emulator.billingConfig(orgId), d.args as never);
      return diff.length ? [`org ${orgId}: ${diff.join(", ")}`] : [];
    });
  }

  /** Organisations that do not hold their pre-Pulumi values (bystanders, never declared, included). */
  notAsSeeded(): string[] {
    return this.seeded.flatMap((org) => {
      const diff = differencesFrom(this.stack.emulator.billingConfig(org.id), this.initial.get(org.id)!);
      return diff.length ? [`org ${org.id}: ${diff.join(", ")}`] : [];
    });
  }

  /** Credentials in any file of the file backend (state, backups, history, locks). */
  credentialsInBackend(): string[] {
    const found: string[] = [];
    for (const file of filesUnder(path.join(this.stack.world.backendDir, ".pulumi"))) {
      for (const leak of findCredentials(fs.readFileSync(file, "utf8"), this.stack.world.credentials)) found.push(`${file}: ${leak}`);
    }
    return found;
  }
}
