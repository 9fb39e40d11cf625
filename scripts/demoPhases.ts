/**
 * The demo's steps, each what one `pulumi` command does, printed in the shape of its output. Every
 * step also checks its own outcome (the expected plan, the API calls), so `npm run demo` fails
 * loudly, with exit status 1, instead of printing a story that did not happen.
 */
import type { EmnifyEmulator, RequestLogEntry } from "pulumi-emnify/emulator";
import { billingConfigPath } from "../provider/billing/billingConfigApi";
import type { FieldValues } from "../provider/billing/fields";
import { liveFromApi } from "../provider/billing/mapping";
import { apiBillingConfigSchema } from "../provider/billing/apiSchemas";
import { summarise } from "../examples/multi-org/summary";
import type { OperationResult, PlanStep, StateResource } from "../tools/engine";
import { revealResource } from "../tools/engine";
import { BILLING_ORIGINALS_TYPE } from "../tools/apiCalls";
import type { ExampleStack } from "../tools/examples/exampleStack";
import {
  FieldChange,
  callTotals,
  declaredFieldNames,
  describeCalls,
  detailLines,
  diffTag,
  fieldChanges,
  liveValues,
  resourceCounts,
  type RowSymbol,
  resourceRow,
  tableHeader,
} from "./demoReport";
import type { DemoDrift, DemoOrganisation } from "../tools/demoScenario";
import { Terminal, pad, seconds, style } from "./demoTerminal";

export interface DemoContext {
  term: Terminal;
  emulator: EmnifyEmulator;
  stack: ExampleStack;
  organisations: DemoOrganisation[];
  stackName: string;
}

/** What a step cost, for the closing table. */
export interface PhaseResult {
  title: string;
  apiCalls: number;
  ms: number;
}

export class DemoCheckFailed extends Error {
  override name = "DemoCheckFailed";
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new DemoCheckFailed(message);
}

function nameWidth(ctx: DemoContext): number {
  return Math.max(...ctx.organisations.map((o) => o.entry.name.length));
}

function urnOf(ctx: DemoContext, name: string): string {
  const resource = ctx.stack.resources.find((r) => r.name === name);
  if (!resource) throw new DemoCheckFailed(`the program registered no resource named ${name}`);
  return resource.urn;
}

function stepFor<T extends PlanStep>(ctx: DemoContext, steps: T[], name: string): T {
  const urn = urnOf(ctx, name);
  const step = steps.find((s) => s.urn === urn);
  if (!step) throw new DemoCheckFailed(`no step for ${name}`);
  return step;
}

function stateOf(ctx: DemoContext, name: string): Record<string, unknown> {
  const urn = urnOf(ctx, name);
  const resource = ctx.stack.engine.state().resources.find((r: StateResource) => r.urn === urn);
  if (!resource) throw new DemoCheckFailed(`${name} is not in the state`);
  return revealResource(resource).outputs;
}

/** The declared values against the last known live ones: what an update would change. */
function pendingChanges(ctx: DemoContext, organisation: DemoOrganisation): FieldChange[] {
  const inputs = ctx.stack.resources.find((r) => r.name === organisation.entry.name)!.inputs;
  const declared = liveValues(inputs);
  return fieldChanges(liveValues(stateOf(ctx, organisation.entry.name)), declared, declaredFieldNames(inputs));
}

/** What the emulator holds for an organisation, read as the provider reads a GET answer. */
function emulatorValues(ctx: DemoContext, orgId: number): FieldValues {
  return liveFromApi(apiBillingConfigSchema.parse(ctx.emulator.billingConfig(orgId))).values;
}

/** Runs `work` and returns the API requests the emulator received meanwhile. */
async function counting<T>(ctx: DemoContext, work: () => Promise<T>): Promise<{ result: T; calls: RequestLogEntry[]; ms: number }> {
  const from = ctx.emulator.requests.length;
  const started = Date.now();
  const result = await work();
  return { result, calls: ctx.emulator.requests.slice(from), ms: Date.now() - started };
}

function callsFor(calls: RequestLogEntry[], orgId: number): RequestLogEntry[] {
  return calls.filter((c) => c.path === billingConfigPath(orgId));
}

function failIfFailed(result: OperationResult): void {
  if (result.failed.length > 0) {
    throw new DemoCheckFailed(result.failed.map((s) => `${s.urn.split("::").pop()}: ${s.error}`).join("\n"));
  }
}

/** A phase's heading; what its lines are written with (the name column's width included). */
function openPhase(ctx: DemoContext, title: string): DemoContext & { width: number } {
  ctx.term.heading(title);
  return { ...ctx, width: nameWidth(ctx) };
}

/** A phase's last lines: its resource counts and what it cost; its result. */
function closePhase(
  ctx: DemoContext,
  title: string,
  calls: RequestLogEntry[],
  ms: number,
  ...counts: Array<[symbol: RowSymbol, count: number, words: string]>
): PhaseResult {
  ctx.term.line();
  for (const line of resourceCounts(counts)) ctx.term.line(line);
  footer(ctx, calls, ms);
  return { title, apiCalls: calls.length, ms };
}

function footer(ctx: DemoContext, calls: RequestLogEntry[], ms: number): void {
  ctx.term.line();
  ctx.term.line(`${style.bold("API calls:")} ${callTotals(calls)}    ${style.bold("Duration:")} ${seconds(ms)}`);
}

/** `pulumi up` on a stack with no state: every organisation is adopted (create). */
export async function firstUp(ctx: DemoContext): Promise<PhaseResult> {
  const title = "pulumi up (first run: adopt every organisation)";
  const { term, stack, organisations, width } = openPhase(ctx, title);

  term.line(style.dim("An organisation's billing config always exists in emnify: `create` adopts it, changing only"));
  term.line(style.dim("the declared fields that differ, and leaving every other setting alone."));
  term.line();
  const plan = await stack.engine.preview(stack.resources);
  term.line(`Previewing update (${ctx.stackName})`);
  term.line();
  term.line(tableHeader(width, "Plan", "Info"));
  for (const organisation of organisations) {
    const step = stepFor(ctx, plan, organisation.entry.name);
    expect(step.op === "create" && step.error === undefined, `${organisation.entry.name}: planned ${step.op} ${step.error ?? ""}`);
    const orgId = organisation.entry.args.orgId;
    const current = emulatorValues(ctx, orgId);
    const inputs = stack.resources.find((r) => r.name === organisation.entry.name)!.inputs;
    const changes = fieldChanges(current, liveValues(inputs), declaredFieldNames(inputs));
    const info =
      changes.length === 0
        ? `adopts org ${orgId}, already as declared`
        : `adopts org ${orgId}, changing ${changes.length} field${changes.length === 1 ? "" : "s"}`;
    term.line(resourceRow("+", organisation.entry.name, width, "create", info));
    for (const line of detailLines(changes)) term.line(line);
  }
  const records = recordCount(ctx);
  if (records > 0) {
    term.line(
      style.dim(`    and ${records} records of originals (emnify:BillingOriginals), one per organisation with restoreOnDelete, made first`),
    );
  }
  term.line();
  for (const line of resourceCounts([["+", plan.length, "to create"]])) term.line(line);
  term.line(style.dim('    Pulumi\'s own preview says only "create": what adoption will find was read from the emulator for this demo.'));

  const { result, calls, ms } = await counting(ctx, () => stack.engine.up(stack.resources));
  failIfFailed(result);
  term.line();
  term.line(`Updating (${ctx.stackName})`);
  term.line();
  term.line(tableHeader(width, "Status", "API calls"));
  for (const organisation of organisations) {
    const orgCalls = callsFor(calls, organisation.entry.args.orgId);
    // With restoreOnDelete, the organisation's record of originals makes the first GET.
    const recorded = organisation.entry.args.restoreOnDelete === true ? "GET " : "";
    const expected = recorded + (organisation.differs ? "GET PATCH GET" : "GET");
    expect(
      orgCalls.map((c) => c.method).join(" ") === expected,
      `${organisation.entry.name}: expected ${expected}, the API saw ${describeCalls(orgCalls)}`,
    );
    term.line(resourceRow("+", organisation.entry.name, width, "created", describeCalls(orgCalls)));
  }
  term.line();
  term.line("Outputs:");
  term.line(`    organisationCount: ${organisations.length}`);
  term.line("    summary          : {");
  for (const organisation of organisations) {
    const outputs = stateOf(ctx, organisation.entry.name);
    // The same summary the program exports, from the state's outputs (the mocks' exports are not real).
    const summary = summarise({
      ...liveValues(outputs),
      orgId: organisation.entry.args.orgId,
      billingConfigId: outputs.billingConfigId as number | null,
      restoreOnDelete: outputs.restoreOnDelete === true,
    });
    const shown = Object.entries(summary)
      .filter(([key, value]) => value !== null && key !== "billingConfigId")
      .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
      .join(", ");
    term.line(`        ${pad(organisation.entry.name, width)}: { ${shown} }`);
  }
  term.line("    }");
  return closePhase(ctx, title, calls, ms, ["+", result.steps.length, "created"]);
}

/** `pulumi up` again with nothing changed: every resource is unchanged and the API is not called. */
export async function secondUp(ctx: DemoContext): Promise<PhaseResult> {
  const { term, stack } = ctx;
  const title = "pulumi up (second run: nothing changed)";
  term.heading(title);
  const { result, calls, ms } = await counting(ctx, async () => {
    const plan = await stack.engine.preview(stack.resources);
    expect(
      plan.every((s) => s.op === "same"),
      `expected no changes, the plan has ${plan.filter((s) => s.op !== "same").length}`,
    );
    return stack.engine.up(stack.resources);
  });
  failIfFailed(result);
  expect(
    result.steps.every((s) => s.op === "same"),
    "expected every resource unchanged",
  );
  expect(calls.length === 0, `expected no API call, the emulator saw ${callTotals(calls)}`);
  term.line(`Previewing update (${ctx.stackName})`);
  term.line();
  for (const line of resourceCounts([[" ", result.steps.length, "unchanged"]])) term.line(line);
  term.line();
  term.line(`Updating (${ctx.stackName})`);
  term.line();
  for (const line of resourceCounts([[" ", result.steps.length, "unchanged"]])) term.line(line);
  term.line(style.dim("    check and diff run in the provider host without calling emnify: no changes costs no API call."));
  footer(ctx, calls, ms);
  return { title, apiCalls: calls.length, ms };
}

/** A change made outside Pulumi, as if someone edited the organisation in the emnify portal. */
export function driftHappens(ctx: DemoContext, drift: DemoDrift): void {
  const { term } = ctx;
  const orgId = drift.entry.args.orgId;
  term.heading(`meanwhile, organisation ${orgId} (${drift.entry.name}) is changed outside Pulumi`);
  const before = emulatorValues(ctx, orgId);
  ctx.emulator.setBillingConfig(orgId, drift.change);
  const after = emulatorValues(ctx, orgId);
  term.line(style.dim(`emu.setBillingConfig(${orgId}, ${JSON.stringify(drift.change)}), as if edited in the emnify portal:`));
  for (const line of detailLines(fieldChanges(before, after))) term.line(line);
}

/** `pulumi refresh`: one GET per organisation; the drifted one shows what changed. */
export async function refresh(ctx: DemoContext, drift: DemoDrift): Promise<PhaseResult> {
  const title = "pulumi refresh";
  const { term, stack, organisations, width } = openPhase(ctx, title);
  const before = new Map(organisations.map((o) => [o.entry.name, liveValues(stateOf(ctx, o.entry.name))]));
  const { result, calls, ms } = await counting(ctx, () => stack.engine.refresh());
  failIfFailed(result);
  term.line(`Refreshing (${ctx.stackName})`);
  term.line();
  term.line(tableHeader(width, "Status", "Info"));
  let changed = 0;
  for (const organisation of organisations) {
    const changes = fieldChanges(before.get(organisation.entry.name)!, liveValues(stateOf(ctx, organisation.entry.name)));
    const drifted = organisation.entry.name === drift.entry.name;
    expect(drifted === changes.length > 0, `${organisation.entry.name}: refresh found ${changes.length} changed field(s)`);
    if (changes.length === 0) continue;
    changed += 1;
    term.line(resourceRow("~", organisation.entry.name, width, "updated", diffTag(changes)));
    for (const line of detailLines(changes)) term.line(line);
  }
  expect(
    calls.filter((c) => c.method === "GET").length === organisations.length,
    `expected one GET per organisation, the emulator saw ${callTotals(calls)}`,
  );
  return closePhase(
    ctx,
    title,
    calls,
    ms,
    ["~", changed, "updated"],
    [" ", organisations.length + recordCount(ctx) - changed, "unchanged"],
  );
}

/** `pulumi preview` after the refresh: the update that would put the declared values back. */
export async function previewFix(ctx: DemoContext, drift: DemoDrift): Promise<PhaseResult> {
  const title = "pulumi preview (what the next pulumi up would do)";
  const { term, stack, organisations, width } = openPhase(ctx, title);
  const { result: plan, calls, ms } = await counting(ctx, () => stack.engine.preview(stack.resources));
  term.line(`Previewing update (${ctx.stackName})`);
  term.line();
  term.line(tableHeader(width, "Plan", "Info"));
  for (const organisation of organisations) {
    const step = stepFor(ctx, plan, organisation.entry.name);
    const drifted = organisation.entry.name === drift.entry.name;
    expect(step.op === (drifted ? "update" : "same"), `${organisation.entry.name}: planned ${step.op} ${step.error ?? ""}`);
    if (!drifted) continue;
    const changes = pendingChanges(ctx, organisation);
    term.line(resourceRow("~", organisation.entry.name, width, "update", diffTag(changes)));
    for (const line of detailLines(changes)) term.line(line);
  }
  expect(calls.length === 0, `a preview must not call the API, the emulator saw ${callTotals(calls)}`);
  return closePhase(ctx, title, calls, ms, ["~", 1, "to update"], [" ", organisations.length + recordCount(ctx) - 1, "unchanged"]);
}

/** `pulumi up`: the drifted organisation is updated back, with one PATCH and one GET. */
export async function applyFix(ctx: DemoContext, drift: DemoDrift): Promise<PhaseResult> {
  const title = "pulumi up (puts the declared settings back)";
  const { term, stack, organisations, width } = openPhase(ctx, title);
  const organisation = organisations.find((o) => o.entry.name === drift.entry.name)!;
  const changes = pendingChanges(ctx, organisation);
  const { result, calls, ms } = await counting(ctx, () => stack.engine.up(stack.resources));
  failIfFailed(result);
  const orgCalls = callsFor(calls, drift.entry.args.orgId);
  expect(orgCalls.map((c) => c.method).join(" ") === "PATCH GET", `expected PATCH GET, the API saw ${describeCalls(orgCalls)}`);
  expect(
    calls.length === orgCalls.length,
    `expected calls for organisation ${drift.entry.args.orgId} only, the emulator saw ${callTotals(calls)}`,
  );
  const inputs = stack.resources.find((r) => r.name === drift.entry.name)!.inputs;
  const left = fieldChanges(emulatorValues(ctx, drift.entry.args.orgId), liveValues(inputs), declaredFieldNames(inputs));
  expect(left.length === 0, `emnify still differs after the update: ${left.map((c) => c.field).join(", ")}`);
  term.line(`Updating (${ctx.stackName})`);
  term.line();
  term.line(tableHeader(width, "Status", "API calls"));
  term.line(resourceRow("~", drift.entry.name, width, "updated", `${describeCalls(orgCalls)}  ${diffTag(changes)}`));
  return closePhase(ctx, title, calls, ms, ["~", 1, "updated"], [" ", organisations.length + recordCount(ctx) - 1, "unchanged"]);
}

/** The records of originals (BillingOriginals) the program declares beside its BillingConfigs. */
function recordCount(ctx: DemoContext): number {
  return ctx.stack.resources.filter((r) => r.type === BILLING_ORIGINALS_TYPE).length;
}
