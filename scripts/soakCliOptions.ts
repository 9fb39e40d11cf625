/**
 * The arguments of `npm run soak:cli` (./soakCli.ts): its usage text and their parsing.
 */
import { parseArgs } from "node:util";
import { CLI_SOAK_DEFAULTS, CLI_SOAK_PATHS, type CliSoakOptions, type CliSoakPath } from "../tools/soak/cliSoak";

export const USAGE = `Usage: npm run soak:cli -- [options]

Runs through the real pulumi CLI (the one npm run pulumi:cli finds or builds), each a random
command (an up that adopts, an update, a replacement by orgId, a rename with or without aliases,
a destroy) against the bundled emulator with random faults, most of them killed at a random
request (SIGKILL of the whole process tree, of the engine, of the provider host, or SIGINT), then
the recovery the README documents and the invariants checked on the emulator and in the state.

Options:
  --path P        dynamic: the dynamic BillingConfig (default); plugin: emnify:index:BillingConfig
                  through pulumi-emnify/plugin, run by pulumi-resource-emnify, with a
                  BillingOriginals record for every restoreOnDelete organisation
  --runs N        runs (default ${CLI_SOAK_DEFAULTS.runs})
  --seed S        seed of the plan and of the emulator's fault draws (default ${CLI_SOAK_DEFAULTS.seed})
  --orgs N        organisations in play (default ${CLI_SOAK_DEFAULTS.orgs})
  --unkilled F    share of runs not killed, 0..1 (default ${CLI_SOAK_DEFAULTS.unkilled})
  --no-faults     no emulator faults
  -h, --help      this text
`;

/** The soak's options, or "help"; throws on a usage error. */
export function parseSoakCliArgs(argv: string[]): Omit<CliSoakOptions, "log"> | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      path: { type: "string" },
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
  const soakPath = values.path ?? CLI_SOAK_DEFAULTS.path;
  if (!CLI_SOAK_PATHS.includes(soakPath as CliSoakPath))
    throw new Error(`--path: invalid value ${JSON.stringify(soakPath)} (${CLI_SOAK_PATHS.join(" or ")})`);
  return {
    path: soakPath as CliSoakPath,
    runs: number("runs", CLI_SOAK_DEFAULTS.runs, (n) => Number.isInteger(n) && n > 0),
    seed: number("seed", CLI_SOAK_DEFAULTS.seed, (n) => Number.isInteger(n) && n >= 0),
    orgs: number("orgs", CLI_SOAK_DEFAULTS.orgs, (n) => Number.isInteger(n) && n > 0),
    unkilled: number("unkilled", CLI_SOAK_DEFAULTS.unkilled, (n) => n >= 0 && n <= 1),
    faults: !values["no-faults"],
  };
}
