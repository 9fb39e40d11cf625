/**
 * `npm run soak`: the fault soak (tools/soak/soak.ts) at full length, printing each round and a
 * report. Exit status 0 when every operation kept the invariant, 1 when one did not (or the soak
 * broke), 2 on a usage error.
 *
 *   npm run soak -- [--ops N] [--seed S] [--orgs N] [--timeout-seconds S] [--max-attempts N]
 */
import { parseArgs } from "node:util";
import { SOAK_DEFAULTS, type SoakOptions, formatSoakReport, runSoak } from "../tools/soak/soak";
import { runScriptMain } from "./scriptMain";

const USAGE = `Usage: npm run soak -- [options]

Randomised, seeded faults on the bundled emnify emulator (429 with and without Retry-After,
500/502/503, resets, timeouts, slow answers, malformed bodies, outages, expired sessions) over many
lifecycle operations through Pulumi's dynamic-provider host. Every operation must end applied (state
= API, by an independent read), failed with a readable permanent error, or partial with a state that
agrees with or conservatively predates the API.

Options:
  --ops N               lifecycle operations, at least (default ${SOAK_DEFAULTS.ops})
  --seed S              seed of the plan and of the emulator's fault draws (default ${SOAK_DEFAULTS.seed})
  --orgs N              organisations (default ${SOAK_DEFAULTS.orgs})
  --timeout-seconds S   emnify:timeoutSeconds (default ${SOAK_DEFAULTS.timeoutSeconds})
  --max-attempts N      emnify:maxAttempts (default ${SOAK_DEFAULTS.maxAttempts})
  --rounds-per-host N   start a new provider host every N rounds (default ${SOAK_DEFAULTS.roundsPerHost})
  -h, --help            this text
`;

/** Each numeric option and the key of SOAK_DEFAULTS it sets (the defaults are defined there, once). */
const NUMERIC_OPTIONS = {
  ops: { key: "ops", integer: true },
  seed: { key: "seed", integer: true },
  orgs: { key: "orgs", integer: true },
  "timeout-seconds": { key: "timeoutSeconds", integer: false },
  "max-attempts": { key: "maxAttempts", integer: true },
  "rounds-per-host": { key: "roundsPerHost", integer: true },
} as const satisfies Record<string, { key: keyof typeof SOAK_DEFAULTS; integer: boolean }>;

function parse(argv: string[]): Omit<SoakOptions, "log"> | "help" {
  const options = { ...SOAK_DEFAULTS };
  const { values } = parseArgs({
    args: argv,
    options: {
      ...(Object.fromEntries(Object.keys(NUMERIC_OPTIONS).map((name) => [name, { type: "string" }])) as Record<
        keyof typeof NUMERIC_OPTIONS,
        { type: "string" }
      >),
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) return "help";
  for (const [name, spec] of Object.entries(NUMERIC_OPTIONS) as Array<
    [keyof typeof NUMERIC_OPTIONS, (typeof NUMERIC_OPTIONS)[keyof typeof NUMERIC_OPTIONS]]
  >) {
    const raw = values[name];
    if (raw === undefined) continue;
    const value = Number(raw);
    const isSeed = spec.key === "seed";
    if (
      raw.trim() === "" ||
      !Number.isFinite(value) ||
      value < 0 ||
      (!isSeed && value <= 0) ||
      (spec.integer && !Number.isInteger(value))
    ) {
      throw new Error(`--${name} needs a ${spec.integer ? "whole " : ""}number${isSeed ? "" : " above zero"}, got ${JSON.stringify(raw)}`);
    }
    options[spec.key] = value;
  }
  return options;
}

runScriptMain({
  name: "soak",
  usage: USAGE,
  parse,
  async run(options, say) {
    let unhandledHere = 0;
    process.on("unhandledRejection", (reason) => {
      unhandledHere += 1;
      process.stderr.write(`unhandled rejection in the soak process: ${String(reason)}\n`);
    });
    say(
      `$ npm run soak -- --ops ${options.ops} --seed ${options.seed} --orgs ${options.orgs} --timeout-seconds ${options.timeoutSeconds} --max-attempts ${options.maxAttempts}`,
    );
    const report = await runSoak({ ...options, log: say });
    say("");
    for (const line of formatSoakReport(report)) say(line);
    const ok = report.violations.length === 0 && report.unhandled.length === 0 && unhandledHere === 0 && report.converged;
    say(ok ? "\nsoak passed: every operation kept the invariant" : "\nsoak FAILED");
    return ok;
  },
});
