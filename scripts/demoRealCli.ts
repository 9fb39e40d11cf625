/**
 * The demo's story through the real `pulumi` CLI: the repository's root project (whose program is
 * examples/multi-org) against the bundled emulator, with a file backend in a temp directory and the
 * passphrase secrets provider. Each step prints what `pulumi` printed and the API calls the
 * emulator received, and checks its outcome on the emulator and in `pulumi stack export`, so a
 * step that did not do what it printed fails the demo.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEMO_APPLICATION_TOKEN, type EmnifyEmulator, type RequestLogEntry } from "pulumi-emnify/emulator";
import { BILLING_CONFIG_TYPE, isAuthentication, sortedBillingCalls as billingCalls } from "../tools/apiCalls";
import { type DemoDrift, type DemoOrganisation, adoptionCalls } from "../tools/demoScenario";
import { type PulumiCli, describe as describeCli } from "../tools/pulumi-cli/locate";
import { type PulumiResult, PulumiRunner, type StateResource } from "../tools/pulumi-cli/pulumiRunner";
import { repoRoot } from "../tools/repoRoot";
import { DemoCheckFailed, type PhaseResult } from "./demoPhases";
import { callTotals } from "./demoReport";
import type { DemoSession } from "./demoSession";
import { type Terminal, style } from "./demoTerminal";

const PASSPHRASE = "pulumi-emnify-demo";

export interface RealCliDemoContext {
  term: Terminal;
  cli: PulumiCli;
  emulator: EmnifyEmulator;
  organisations: DemoOrganisation[];
  drift: DemoDrift;
  session: DemoSession;
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new DemoCheckFailed(message);
}

function authentications(calls: RequestLogEntry[]): number {
  return calls.filter(isAuthentication).length;
}

/** Pulumi's output without its progress lines ("@ updating...."), indented under the step. */
function printPulumiOutput(term: Terminal, result: PulumiResult): void {
  const lines = `${result.stdout}${result.stderr}`.split("\n").filter((line) => !line.startsWith("@ "));
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  for (const line of lines) term.line(`  ${line}`);
}

/**
 * A stack of the repository's root project. Its Pulumi.<stack>.yaml is written in the repository
 * root, as `pulumi stack init` does; the name is unique to this run, so a stack file of the user's
 * own is never touched, and the session removes it with the state.
 */
async function createStack(ctx: RealCliDemoContext): Promise<{ runner: PulumiRunner; stack: string }> {
  const root = repoRoot();
  const stack = `pulumi-emnify-demo-${process.pid}`;
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (fs.existsSync(stackFile)) throw new DemoCheckFailed(`${stackFile} exists already; remove it or run the demo again`);
  const backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-demo-"));
  const runner = new PulumiRunner({ cli: ctx.cli, projectDir: root, backendDir, passphrase: PASSPHRASE });
  ctx.session.onClose(() => {
    fs.rmSync(stackFile, { force: true });
    fs.rmSync(backendDir, { recursive: true, force: true });
    return Promise.resolve();
  });
  await runner.initStack(stack);
  await runner.setConfig(stack, "emnify:endpoint", ctx.emulator.url);
  await runner.setConfig(stack, "emnify:applicationToken", DEMO_APPLICATION_TOKEN, { secret: true });
  return { runner, stack };
}

/** The outputs of each BillingConfig in the state `pulumi` wrote, by resource name. */
async function stateByName(runner: PulumiRunner, stack: string): Promise<Map<string, StateResource>> {
  const resources = await runner.resources(stack, BILLING_CONFIG_TYPE);
  return new Map(resources.map((r) => [r.urn.split("::").pop()!, r]));
}

/** Runs one `pulumi` command as a demo step: heading, its output, the API calls it cost. */
async function pulumiStep(
  ctx: RealCliDemoContext,
  runner: PulumiRunner,
  stack: string,
  title: string,
  args: string[],
  explain: string[],
): Promise<{ phase: PhaseResult; calls: RequestLogEntry[]; result: PulumiResult }> {
  ctx.term.heading(title);
  for (const line of explain) ctx.term.line(style.dim(line));
  if (explain.length > 0) ctx.term.line();
  const from = ctx.emulator.requests.length;
  const result = await runner.run([...args, "--stack", stack], { allowFailure: true });
  const calls = ctx.emulator.requests.slice(from);
  printPulumiOutput(ctx.term, result);
  expect(result.code === 0, `pulumi ${result.command} exited ${result.code}`);
  ctx.term.line();
  ctx.term.line(`${style.bold("API calls:")} ${callTotals(calls)}    ${style.bold("pulumi took:")} ${result.seconds.toFixed(1)}s`);
  return { phase: { title, apiCalls: calls.length, ms: result.seconds * 1000 }, calls, result };
}

function declaredVatin(organisation: DemoOrganisation): string | undefined {
  return organisation.entry.args.vatin;
}

/** Runs the story; returns each step's cost for the summary table. */
export async function runRealCliDemo(ctx: RealCliDemoContext): Promise<PhaseResult[]> {
  const { term, emulator, organisations, drift } = ctx;
  const { runner, stack } = await term.step(
    "creating a stack of the root project (file backend in a temp dir, passphrase secrets)",
    () => createStack(ctx),
    (s) => s.stack,
  );
  const phases: PhaseResult[] = [];

  const preview = await pulumiStep(
    ctx,
    runner,
    stack,
    "pulumi preview",
    ["preview", "--suppress-outputs"],
    ["The plan: one BillingConfig per entry of orgs.yaml. A dynamic provider makes no API call in preview."],
  );
  expect(preview.calls.length === 0, `preview made ${preview.calls.length} API calls`);
  phases.push(preview.phase);

  const adoption = adoptionCalls(organisations);
  const firstUp = await pulumiStep(
    ctx,
    runner,
    stack,
    "pulumi up (first run: adopt every organisation)",
    ["up", "--yes"],
    [
      "An organisation's billing config always exists in emnify: `create` adopts it with a GET, and sends",
      "a PATCH only where a declared field differs.",
    ],
  );
  expect(
    JSON.stringify(billingCalls(firstUp.calls)) === JSON.stringify(adoption),
    `first up made ${billingCalls(firstUp.calls).join(", ")}; expected ${adoption.join(", ")}`,
  );
  const adopted = await stateByName(runner, stack);
  for (const organisation of organisations) {
    const name = organisation.entry.name;
    expect(adopted.has(name), `${name} is not in the state`);
    expect(
      emulator.billingConfig(organisation.entry.args.orgId).vatin === declaredVatin(organisation),
      `${name}: emnify does not hold the declared vatin`,
    );
  }
  phases.push(firstUp.phase);

  const secondUp = await pulumiStep(
    ctx,
    runner,
    stack,
    "pulumi up (second run: nothing changed)",
    ["up", "--yes", "--expect-no-changes", "--suppress-outputs"],
    ["Nothing declared changed, so no provider operation needs the API: no call, not even an authentication."],
  );
  expect(secondUp.calls.length === 0, `the second up made ${secondUp.calls.length} API calls`);
  phases.push(secondUp.phase);

  const target = drift.entry;
  term.heading(`meanwhile, organisation ${target.args.orgId} (${target.name}) is changed outside Pulumi`);
  emulator.setBillingConfig(target.args.orgId, drift.change);
  term.line(`  someone changes ${Object.keys(drift.change).join(" and ")} in the emnify portal`);

  const refresh = await pulumiStep(
    ctx,
    runner,
    stack,
    "pulumi refresh",
    ["refresh", "--yes", "--suppress-outputs"],
    [
      "Reads every organisation and records what emnify holds now. `pulumi refresh` first runs a preview pass",
      "in a provider process of its own, in which the read really happens: each organisation is read twice.",
    ],
  );
  expect(/~ 1 updated/.test(refresh.result.stdout), "refresh did not report the drifted organisation as updated");
  expect(billingCalls(refresh.calls).length === 2 * organisations.length, `refresh made ${billingCalls(refresh.calls).length} reads`);
  expect(authentications(refresh.calls) === 2, `refresh authenticated ${authentications(refresh.calls)} times`);
  const refreshed = (await stateByName(runner, stack)).get(target.name);
  expect(refreshed?.outputs?.vatin === emulator.billingConfig(target.args.orgId).vatin, "the state does not hold the drifted value");
  phases.push(refresh.phase);

  const fixPreview = await pulumiStep(
    ctx,
    runner,
    stack,
    "pulumi preview --diff",
    ["preview", "--diff", "--suppress-outputs"],
    ["The declared values against what refresh found: one organisation to put back."],
  );
  expect(/~ 1 to update/.test(fixPreview.result.stdout), "preview does not plan one update");
  expect(fixPreview.calls.length === 0, `preview made ${fixPreview.calls.length} API calls`);
  phases.push(fixPreview.phase);

  const fix = await pulumiStep(
    ctx,
    runner,
    stack,
    "pulumi up (puts the declared settings back)",
    ["up", "--yes", "--suppress-outputs"],
    [],
  );
  const id = target.args.orgId;
  expect(
    JSON.stringify(billingCalls(fix.calls)) === JSON.stringify([`GET ${id}`, `PATCH ${id}`]),
    `the fix made ${billingCalls(fix.calls).join(", ")}`,
  );
  expect(emulator.billingConfig(id).vatin === target.args.vatin, `${target.name}: the declared vatin is not back`);
  phases.push(fix.phase);
  return phases;
}

export function realCliWhatRan(term: Terminal, cli: PulumiCli): void {
  term.heading("what ran");
  term.line(`  ${style.green("✓")} the real Pulumi CLI and engine: ${describeCli(cli)}`);
  term.line(`  ${style.green("✓")} the repository's root project (Pulumi.yaml, program examples/multi-org/index.ts), compiled by`);
  term.line("    Pulumi's Node.js runtime, with this package loaded from dist/ as in `pulumi up` in the root");
  term.line(`  ${style.green("✓")} Pulumi's dynamic-provider plugin, with this package's code inside it`);
  term.line(`  ${style.green("✓")} the emnify API emulator over real HTTP: every API call counted above reached it`);
  term.line("  The state lived in a file backend in a temp directory, removed at the end with the stack.");
}
