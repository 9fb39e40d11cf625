/**
 * `npm run soak:cli`: the kill soak through the real `pulumi` CLI (tools/soak/cliSoak.ts), printing
 * each run and a report. Exit status 0 when no run broke an invariant, 1 when one did (or the soak
 * broke), 2 on a usage error.
 *
 *   npm run soak:cli -- [--path dynamic|plugin] [--runs N] [--seed S] [--orgs N] [--unkilled F] [--no-faults]
 */
import { formatCliSoakReport, runCliSoak } from "../tools/soak/cliSoak";
import { USAGE, parseSoakCliArgs } from "./soakCliOptions";
import { runScriptMain } from "./scriptMain";

runScriptMain({
  name: "kill soak",
  usage: USAGE,
  parse: parseSoakCliArgs,
  async run(options, say) {
    say(
      `$ npm run soak:cli -- --path ${options.path} --runs ${options.runs} --seed ${options.seed} --orgs ${options.orgs} --unkilled ${options.unkilled}${options.faults ? "" : " --no-faults"}`,
    );
    const report = await runCliSoak({ ...options, log: say });
    say("");
    say(formatCliSoakReport(report));
    const ok = report.violations.length === 0;
    say(ok ? "\nkill soak passed: every run kept the invariants" : "\nkill soak FAILED");
    return ok;
  },
});
