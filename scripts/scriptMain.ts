/**
 * The common frame of a command-line script (`npm run soak`, `npm run soak:cli`): arguments parsed
 * (a usage error prints the message and the usage, exit 2; `--help` prints the usage, exit 0), the
 * work run with a line printer, and its verdict as the exit status (0 passed, 1 failed); a crash
 * prints "<name> failed: <stack>" and exits 1.
 */

/** Prints one line of the script's output. */
export type Say = (line: string) => void;

export interface ScriptMain<Options> {
  /** What a crash is reported as: "<name> failed: …". */
  name: string;
  usage: string;
  /** The options, or "help"; throws on a usage error. */
  parse(argv: string[]): Options | "help";
  /** Does the work; true when it passed. */
  run(options: Options, say: Say): Promise<boolean>;
}

async function main<Options>(script: ScriptMain<Options>): Promise<number> {
  let options: Options | "help";
  try {
    options = script.parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${script.usage}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(script.usage);
    return 0;
  }
  const say: Say = (line) => process.stdout.write(`${line}\n`);
  return (await script.run(options, say)) ? 0 : 1;
}

/** Runs the script and sets the process's exit status from it. */
export function runScriptMain<Options>(script: ScriptMain<Options>): void {
  main(script).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${script.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
