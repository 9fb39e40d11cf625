/**
 * `npm run demo`: the multi-org example against the bundled emnify emulator, driven the way
 * `pulumi up` drives it, with no emnify account and no Pulumi CLI.
 *
 * It starts the emulator in this process with the organisations of examples/multi-org/orgs.yaml
 * (most already as declared, some not), runs the example program under Pulumi's mocks, starts
 * Pulumi's own dynamic-provider host and drives it with the engine stand-in from tools/engine:
 * up (adoption), up again (no changes, no API call), a change behind Pulumi's back, refresh (the
 * drift), preview and up (the fix). Exit status 0 only if every step did what it says.
 */
import { loadOrganisationsFile } from "pulumi-emnify";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "pulumi-emnify/emulator";
import { sourcePath, startExampleStack } from "../tools/examples/exampleStack";
import { DemoContext, PhaseResult, applyFix, driftHappens, firstUp, previewFix, refresh, secondUp } from "./demoPhases";
import { demoDrift, demoOrganisations } from "../tools/demoScenario";
import { DemoSession } from "./demoSession";
import { Terminal, pad, seconds, style } from "./demoTerminal";

/** The repository root's project, whose program is the multi-org example. */
const PROJECT = "pulumi-emnify";
const STACK = "demo";
const PROGRAM = "dist/examples/multi-org/index.js";
const ORGS_FILE = sourcePath("examples", "multi-org", "orgs.yaml");

function intro(term: Terminal): void {
  term.line(style.bold("pulumi-emnify demo"));
  term.line("The multi-org example (examples/multi-org/index.ts reading orgs.yaml) against the bundled emnify");
  term.line("emulator, driven the way `pulumi up` drives it. No emnify account and no Pulumi CLI needed:");
  term.line("this script stands in for the Pulumi engine (see \"what ran\" at the end).");
  term.line();
}

function summaryTable(term: Terminal, phases: PhaseResult[], totalMs: number): void {
  term.heading("summary");
  term.line(style.dim(`  ${pad("step", 52)}${pad("API calls", 11)}time`));
  for (const phase of phases) term.line(`  ${pad(phase.title, 52)}${pad(String(phase.apiCalls), 11)}${seconds(phase.ms)}`);
  term.line(`  ${pad("whole demo, start-up included", 63)}${seconds(totalMs)}`);
}

function whatRan(term: Terminal): void {
  term.heading("what ran");
  term.line(`  ${style.green("✓")} the example program, under Pulumi's mocks: it produced each resource's serialized provider`);
  term.line(`  ${style.green("✓")} Pulumi's own dynamic-provider host, over gRPC, with the calls the engine makes`);
  term.line("    (Configure, Check, Diff, Create, Read, Update), and this package's code inside it");
  term.line(`  ${style.green("✓")} the emnify API emulator over real HTTP: every API call counted above reached it`);
  term.line(`  ${style.red("✗")} the Pulumi engine and CLI: no backend, no stack; the state was kept in memory and the`);
  term.line("    output above was printed by this script in the shape of Pulumi's. One program run and one");
  term.line("    host served every step; the CLI starts both for each command, and a new host authenticates");
  term.line("    once more (one more API call) in a command that needs the API.");
}

function runForReal(term: Terminal): void {
  term.heading("run the real thing");
  term.line("With the Pulumi CLI (`npx pulumi` fetches the official `pulumi` npm package, which downloads the CLI");
  term.line("on first use), from the repository root:");
  term.line(`  ${style.dim("# terminal 1: an emulator with organisations 2..9, as in orgs.yaml")}`);
  term.line("  npm run emulator -- --orgs 8 --port 4010");
  term.line(`  ${style.dim("# terminal 2")}`);
  term.line("  export PULUMI_CONFIG_PASSPHRASE=demo");
  term.line("  npx pulumi login --local");
  term.line("  npx pulumi stack init dev");
  term.line("  npx pulumi config set emnify:endpoint http://127.0.0.1:4010");
  term.line("  npx pulumi config set --secret emnify:applicationToken <the token the emulator printed>");
  term.line("  npx pulumi up");
  term.line("Against the real emnify API: leave emnify:endpoint unset and use your own application token.");
  term.line("README.md has the details; examples/*/README.md explain each example.");
}

async function main(): Promise<void> {
  const term = new Terminal();
  term.addSecret(DEMO_APPLICATION_TOKEN);
  const session = new DemoSession();
  session.exitOnSignals((signal) => term.line(`\n${style.red(`interrupted (${signal})`)}: stopping the emulator and the provider host`));
  const started = Date.now();
  intro(term);
  try {
    const organisations = demoOrganisations(loadOrganisationsFile(ORGS_FILE));
    const differing = organisations.filter((o) => o.differs).length;
    const emulator = await term.step(
      "starting the emnify emulator",
      async () => (session.emulator = await EmnifyEmulator.start({ organisations: organisations.map((o) => o.seed) })),
      (emu) => `${emu.url}, ${organisations.length} organisations (${organisations.length - differing} as in orgs.yaml, ${differing} differing)`,
    );
    const config = { "emnify:endpoint": emulator.url, "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "multi-org:orgsFile": ORGS_FILE };
    const stack = await term.step(
      "running examples/multi-org under Pulumi's mocks and starting Pulumi's dynamic-provider host",
      async () =>
        (session.stack = await startExampleStack({ program: PROGRAM, project: PROJECT, stack: STACK, config, secretConfigKeys: ["emnify:applicationToken"] })),
      (s) => `${s.resources.length} BillingConfig resources, host pid ${s.host.pid}`,
    );
    const ctx: DemoContext = { term, emulator, stack, organisations, stackName: STACK };
    const drift = demoDrift(organisations);
    const phases: PhaseResult[] = [];
    phases.push(await firstUp(ctx));
    phases.push(await secondUp(ctx));
    driftHappens(ctx, drift);
    phases.push(await refresh(ctx, drift));
    phases.push(await previewFix(ctx, drift));
    phases.push(await applyFix(ctx, drift));
    summaryTable(term, phases, Date.now() - started);
    whatRan(term);
    runForReal(term);
    term.line();
    term.line(style.green("demo finished: every step did what it printed."));
  } finally {
    await session.close();
  }
}

main().catch((error: unknown) => {
  const term = new Terminal();
  term.addSecret(DEMO_APPLICATION_TOKEN);
  term.line();
  term.line(style.red(`demo failed: ${error instanceof Error ? error.message : String(error)}`));
  process.exitCode = 1;
});
