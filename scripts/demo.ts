/**
 * `npm run demo`: the multi-org example against the bundled emnify emulator, with no emnify account.
 *
 * The emulator starts in this process with the organisations of examples/multi-org/orgs.yaml (most
 * already as declared, some not). Then the same story runs on one of two engines, and the output
 * says which: up (adoption), up again (no changes, no API call), a change behind Pulumi's back,
 * refresh (the drift), preview and up (the fix).
 * - the real `pulumi` CLI, when one is available without building (a new-enough `pulumi` on PATH,
 *   or the cache `npm run pulumi:cli` fills): scripts/demoRealCli.ts;
 * - otherwise the engine stand-in of tools/engine: the program under Pulumi's mocks and Pulumi's own
 *   dynamic-provider host driven over gRPC (scripts/demoPhases.ts).
 * `--engine pulumi` or `--engine stand-in` chooses. Exit status 0 only if every step did what it says.
 */
import { BILLING_ORIGINALS_TYPE } from "../tools/apiCalls";
import { parseArgs } from "node:util";
import { loadOrganisationsFile } from "pulumi-emnify";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "pulumi-emnify/emulator";
import { DemoOrganisation, demoDrift, demoOrganisations } from "../tools/demoScenario";
import { sourcePath, startExampleStack } from "../tools/examples/exampleStack";
import { PulumiCli, PulumiCliUnavailable, findPulumiCli } from "../tools/pulumi-cli/locate";
import { DemoContext, PhaseResult, applyFix, driftHappens, firstUp, previewFix, refresh, secondUp } from "./demoPhases";
import { realCliWhatRan, runRealCliDemo } from "./demoRealCli";
import { DemoSession } from "./demoSession";
import { Terminal, pad, seconds, style } from "./demoTerminal";

/** The repository root's project, whose program is the multi-org example. */
const PROJECT = "pulumi-emnify";
const STACK = "demo";
const PROGRAM = "dist/examples/multi-org/index.js";
const ORGS_FILE = sourcePath("examples", "multi-org", "orgs.yaml");

const USAGE = `Usage: npm run demo [-- --engine auto|pulumi|stand-in]

  --engine auto       the real pulumi CLI when one is available without building, else the stand-in (default)
  --engine pulumi     the real pulumi CLI (a new-enough pulumi on PATH, or the one npm run pulumi:cli built)
  --engine stand-in   the engine stand-in: Pulumi's dynamic-provider host driven by this script
  -h, --help          this text
`;

type Engine = { kind: "pulumi"; cli: PulumiCli } | { kind: "stand-in"; why: string };

/** Which engine runs the story; throws a one-line PulumiCliUnavailable when --engine pulumi cannot be met. */
function chooseEngine(requested: string): Engine {
  if (requested === "stand-in") return { kind: "stand-in", why: "--engine stand-in" };
  const cli = findPulumiCli();
  if (cli) return { kind: "pulumi", cli };
  const missing = "no pulumi CLI on PATH (3.216 or later) and none built yet; `npm run pulumi:cli` builds one";
  if (requested === "pulumi") throw new PulumiCliUnavailable(missing);
  return { kind: "stand-in", why: missing };
}

function intro(term: Terminal, engine: Engine): void {
  term.line(style.bold("pulumi-emnify demo"));
  term.line("The multi-org example (examples/multi-org/index.ts reading orgs.yaml) against the bundled emnify");
  term.line("emulator. No emnify account needed.");
  if (engine.kind === "pulumi") {
    term.line(`${style.bold("engine: the real pulumi CLI")} v${engine.cli.version}, running the repository's root project.`);
  } else {
    term.line(`${style.bold("engine: the stand-in")} (${engine.why}): this script drives Pulumi's own dynamic-provider host`);
    term.line('the way `pulumi up` drives it, and prints in the shape of Pulumi\'s output (see "what ran" at the end).');
  }
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
  term.line("`npm run pulumi:cli` builds the Pulumi CLI from Go modules (or finds yours); `npm run demo` then runs this");
  term.line("story through it. By hand, with the Pulumi CLI (`npx pulumi` fetches the official `pulumi` npm package,");
  term.line("which downloads the CLI on first use), from the repository root:");
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

async function startEmulator(term: Terminal, session: DemoSession, organisations: DemoOrganisation[]) {
  const differing = organisations.filter((o) => o.differs).length;
  return term.step(
    "starting the emnify emulator",
    async () => (session.emulator = await EmnifyEmulator.start({ organisations: organisations.map((o) => o.seed) })),
    (emu) =>
      `${emu.url}, ${organisations.length} organisations (${organisations.length - differing} as in orgs.yaml, ${differing} differing)`,
  );
}

async function standInStory(term: Terminal, session: DemoSession, organisations: DemoOrganisation[]): Promise<PhaseResult[]> {
  const emulator = await startEmulator(term, session, organisations);
  const config = { "emnify:endpoint": emulator.url, "emnify:applicationToken": DEMO_APPLICATION_TOKEN, "multi-org:orgsFile": ORGS_FILE };
  const stack = await term.step(
    "running examples/multi-org under Pulumi's mocks and starting Pulumi's dynamic-provider host",
    async () =>
      (session.stack = await startExampleStack({
        program: PROGRAM,
        project: PROJECT,
        stack: STACK,
        config,
        secretConfigKeys: ["emnify:applicationToken"],
      })),
    (s) => {
      const records = s.resources.filter((r) => r.type === BILLING_ORIGINALS_TYPE).length;
      return `${s.resources.length - records} BillingConfig resources and ${records} records of originals, host pid ${s.host.pid}`;
    },
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
  return phases;
}

async function main(): Promise<void> {
  const term = new Terminal();
  term.addSecret(DEMO_APPLICATION_TOKEN);
  const { values } = parseArgs({ options: { engine: { type: "string", default: "auto" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!["auto", "pulumi", "stand-in"].includes(values.engine))
    throw new Error(`--engine must be auto, pulumi or stand-in, got ${values.engine}`);
  const engine = chooseEngine(values.engine);
  const session = new DemoSession();
  session.exitOnSignals((signal) =>
    term.line(`\n${style.red(`interrupted (${signal})`)}: stopping the emulator and what the demo started`),
  );
  const started = Date.now();
  intro(term, engine);
  try {
    const organisations = demoOrganisations(loadOrganisationsFile(ORGS_FILE));
    let phases: PhaseResult[];
    if (engine.kind === "pulumi") {
      const emulator = await startEmulator(term, session, organisations);
      phases = await runRealCliDemo({ term, cli: engine.cli, emulator, organisations, drift: demoDrift(organisations), session });
    } else {
      phases = await standInStory(term, session, organisations);
    }
    summaryTable(term, phases, Date.now() - started);
    if (engine.kind === "pulumi") realCliWhatRan(term, engine.cli);
    else whatRan(term);
    runForReal(term);
    term.line();
    term.line(
      style.green(
        `demo finished (${engine.kind === "pulumi" ? "the real pulumi CLI" : "the engine stand-in"}): every step did what it printed.`,
      ),
    );
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
