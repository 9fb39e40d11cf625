/**
 * `npm run soak:cli`: the kill soak through the real `pulumi` CLI (tools/soak/cliSoak.ts), printing
 * each run and a report. Exit status 0 when no run broke an invariant, 1 when one did (or the soak
 * broke), 2 on a usage error.
 *
 *   npm run soak:cli -- [--runs N] [--seed S] [--orgs N] [--unkilled F] [--no-faults]
 */
import { parseArgs } from "node:util";
import { CLI_SOAK_DEFAULTS, formatCliSoakReport, runCliSoak } from "../tools/soak/cliSoak";
import { runScriptMain } from "./scriptMain";

const USAGE = `Usage: npm run soak:cli -- [options]

Runs through the real pulumi CLI (the one npm run pulumi:cli finds or builds), each a random
command (an up that adopts, an update, a replacement by orgId, a rename with or without aliases,
a destroy) against the bundled emulator with random faults, most of them killed at a random
request (SIGKILL of the whole process tree, of the engine, of the provider host, or SIGINT), then
the recovery the README documents and the invariants checked on the emulator and in the state.

Options:
  --runs N        runs (default ${CLI_SOAK_DEFAULTS.runs})
  --seed S        seed of the plan and of the emulator's fault draws (default ${CLI_SOAK_DEFAULTS.seed})
  --orgs N        organisations in play (default ${CLI_SOAK_DEFAULTS.orgs})
  --unkilled F    share of runs not killed, 0..1 (default ${CLI_SOAK_DEFAULTS.unkilled})
  --no-faults     no emulator faults
  -h, --help      this text
`;

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: "string" },
      seed: { type: "string" },
      orgs: { type: "string" },
      unkilled: { type: "string" },
      "no-faults": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) return "help" as const;
  const number = (name: "runs" | "seed" | "orgs" | "unkilled", fallback: number, check: (n: number) => boolean): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) throw new Error(`--${name}: invalid value ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    runs: number("runs", CLI_SOAK_DEFAULTS.runs, (n) => Number.isInteger(n) && n > 0),
    seed: number("seed", CLI_SOAK_DEFAULTS.seed, (n) => Number.isInteger(n) && n >= 0),
    orgs: number("orgs", CLI_SOAK_DEFAULTS.orgs, (n) => Number.isInteger(n) && n > 0),
    unkilled: number("unkilled", CLI_SOAK_DEFAULTS.unkilled, (n) => n >= 0 && n <= 1),
    faults: !values["no-faults"],
  };
}

runScriptMain({
  name: "kill soak",
  usage: USAGE,
  parse,
  async run(options, say) {
    say(
      `$ npm run soak:cli -- --runs ${options.runs} --seed ${options.seed} --orgs ${options.orgs} --unkilled ${options.unkilled}${options.faults ? "" : " --no-faults"}`,
    );
    const report = await runCliSoak({ ...options, log: say });
    say("");
    say(formatCliSoakReport(report));
    const ok = report.violations.length === 0;
    say(ok ? "\nkill soak passed: every run kept the invariants" : "\nkill soak FAILED");
    return ok;
  },
});
