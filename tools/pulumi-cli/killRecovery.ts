/**
 * What to run after a `pulumi` command was killed, non-interactively, and what each step cost in
 * API calls (read from the emulator's request log); and the invariants a recovered stack must keep.
 * Shared by the real-CLI kill tests and the kill soak (`npm run soak:cli`).
 *
 * The recovery, as the README documents it:
 * 0. file backend only: remove an empty `<stack>.json.attrs` beside the checkpoint. The backend
 *    (gocloud.dev fileblob) writes that sidecar in place, not atomically, after each checkpoint; a
 *    SIGKILL in between leaves it empty and every later command fails with
 *    `failed to load checkpoint: EOF` (found by the kill soak);
 * 1. `pulumi cancel --yes` if the stack is locked (the engine died holding the file backend's lock);
 * 2. `pulumi refresh --clear-pending-creates --skip-preview --yes` (reads every resource, drops the
 *    operations the dead run left pending: creates are dropped only with that flag when
 *    non-interactive; updates and deletes by any refresh);
 * 3. the killed command again (`pulumi up --yes` or `pulumi destroy --yes`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ApiBillingConfig, EmnifyEmulator } from "../../provider/emulator";
import { isAuthentication } from "../apiCalls";
import type { PulumiResult, PulumiRunner, StackExport } from "./pulumiRunner";

export interface KillTarget {
  runner: PulumiRunner;
  stack: string;
  backendDir: string;
  emulator: EmnifyEmulator;
}

/** API calls by kind, authentication apart. */
export interface CallCount {
  get: number;
  patch: number;
  other: number;
  authenticate: number;
}

export interface RecoveryStep {
  /** The command line after `pulumi`, without `--stack` and `--yes`. */
  command: string;
  code: number;
  calls: CallCount;
  seconds: number;
}

export function countCalls(emulator: EmnifyEmulator, since: number): CallCount {
  const count: CallCount = { get: 0, patch: 0, other: 0, authenticate: 0 };
  for (const entry of emulator.requests.slice(since)) {
    if (isAuthentication(entry)) count.authenticate += 1;
    else if (entry.method === "GET") count.get += 1;
    else if (entry.method === "PATCH") count.patch += 1;
    else count.other += 1;
  }
  return count;
}

export function formatCalls(c: CallCount): string {
  return `${c.get} GET, ${c.patch} PATCH${c.other ? `, ${c.other} other` : ""}, ${c.authenticate} auth`;
}

/** The file backend's lock files of a stack (the engine writes one per running update). */
export function lockFiles(backendDir: string, stack: string): string[] {
  const locks = path.join(backendDir, ".pulumi", "locks");
  if (!fs.existsSync(locks)) return [];
  return (fs.readdirSync(locks, { recursive: true }) as string[])
    .map((entry) => path.join(locks, entry))
    .filter((file) => fs.statSync(file).isFile() && path.basename(path.dirname(file)) === stack);
}

/** Runs `pulumi <args> --stack <stack> [--yes]` and counts its API calls. */
export async function step(
  target: KillTarget,
  args: string[],
  options: { allowFailure?: boolean } = {},
): Promise<RecoveryStep & { result: PulumiResult }> {
  const since = target.emulator.requests.length;
  const mutating = ["up", "refresh", "destroy", "cancel"].includes(args[0]);
  const result = await target.runner.run([...args, "--stack", target.stack, ...(mutating ? ["--yes"] : [])], options);
  return { command: args.join(" "), code: result.code, calls: countCalls(target.emulator, since), seconds: result.seconds, result };
}

export async function exportState(target: KillTarget): Promise<StackExport> {
  return target.runner.exportStack(target.stack);
}

/** Pending operations in the state, as "creating <name>". */
export function pendingOperations(state: StackExport): string[] {
  return ((state.deployment.pending_operations ?? []) as Array<{ type?: string; resource?: { urn?: string } }>).map(
    (op) => `${op.type ?? "?"} ${op.resource?.urn?.split("::").pop() ?? "?"}`,
  );
}

/** Removes the stack's empty `.attrs` sidecars in the file backend; returns the files removed. */
export function removeEmptyAttrs(backendDir: string, stack: string): string[] {
  const stacks = path.join(backendDir, ".pulumi", "stacks");
  return filesUnder(stacks).filter((file) => {
    const base = path.basename(file);
    if (!base.startsWith(`${stack}.json`) || !base.endsWith(".attrs") || fs.statSync(file).size > 0) return false;
    fs.rmSync(file);
    return true;
  });
}

export interface Recovery {
  /** Empty `.attrs` sidecars removed (step 0). */
  repaired: string[];
  locked: boolean;
  pendingBefore: string[];
  steps: RecoveryStep[];
}

/** The documented recovery after a killed `up` or `destroy`; throws if a step fails. */
export async function recover(target: KillTarget, rerun: "up" | "destroy"): Promise<Recovery> {
  const steps: RecoveryStep[] = [];
  const repaired = removeEmptyAttrs(target.backendDir, target.stack);
  const locked = lockFiles(target.backendDir, target.stack).length > 0;
  if (locked) steps.push(await step(target, ["cancel"]));
  const pendingBefore = pendingOperations(await exportState(target));
  steps.push(await step(target, ["refresh", "--clear-pending-creates", "--skip-preview"]));
  const after = pendingOperations(await exportState(target));
  if (after.length > 0) throw new Error(`pending operations left after the refresh: ${after.join(", ")}`);
  steps.push(await step(target, [rerun]));
  return { repaired, locked, pendingBefore, steps };
}

/** The fields of a declaration in the API's words, to compare with what the emulator holds. */
export interface DeclaredFields {
  orgId: number;
  vatin?: string;
  invoiceIssuerInfo?: string | null;
  chargingModel?: { id: number };
  paymentTerm?: { id: number };
  vatRate?: { id: number };
}

/** The managed fields where the emulator differs from a declaration, as "vatin: X (want Y)". */
export function differencesFromDeclared(held: ApiBillingConfig, declared: DeclaredFields): string[] {
  const out: string[] = [];
  const want: Array<[string, unknown, unknown]> = [
    ["vatin", declared.vatin, held.vatin],
    ["invoice_issuer_info", declared.invoiceIssuerInfo, held.invoice_issuer_info],
    ["charging_model", declared.chargingModel?.id, held.charging_model?.id],
    ["payment_term", declared.paymentTerm?.id, held.payment_term?.id],
    ["vat_rate", declared.vatRate?.id, held.vat_rate?.id],
  ];
  for (const [field, wanted, got] of want) {
    if (wanted !== undefined && wanted !== got) out.push(`${field}: ${JSON.stringify(got)} (want ${JSON.stringify(wanted)})`);
  }
  return out;
}

/** The fields where two billing configs differ (payment data and the record id included). */
export function differencesFrom(held: ApiBillingConfig, expected: ApiBillingConfig): string[] {
  const out: string[] = [];
  for (const field of ["vatin", "invoice_issuer_info", "charging_model", "payment_term", "vat_rate", "payment_data"] as const) {
    const a = JSON.stringify(held[field] ?? null);
    const b = JSON.stringify(expected[field] ?? null);
    if (a !== b) out.push(`${field}: ${a} (want ${b})`);
  }
  return out;
}

/** Every file under a directory, for the credential scan of a backend (state, backups, locks, history, logs). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((entry) => path.join(dir, entry))
    .filter((file) => {
      try {
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    });
}
