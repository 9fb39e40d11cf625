/**
 * `pulumi-emnify migrate-to-plugin <export.json>`: reads a `pulumi stack export` file, rewrites it
 * for the provider plugin ({@link migrateToPlugin}) and writes the whole new state to standard
 * output or `--out` (atomically), or nothing at all when it refuses. A summary line goes to stderr.
 */
import * as fs from "node:fs";
import { MigrateOptions } from "./args";
import { CliIo } from "./exportCommand";
import { MigrationError, migrateToPlugin } from "./migrateToPlugin";
import { OutputError, checkWritable, writeFileAtomically } from "./output";

function readInput(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new OutputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MigrationError(`${file} is not JSON (${(error as Error).message}); give the file \`pulumi stack export --file\` wrote`);
  }
}

export function runMigrate(options: MigrateOptions, io: CliIo): number {
  if (options.out !== undefined) checkWritable(options.out);
  const result = migrateToPlugin(readInput(options.file));
  // Written in one piece once complete: a refusal or failure above leaves nothing behind.
  const text = JSON.stringify(result.state, null, 4) + "\n";
  if (options.out === undefined) io.stdout.write(text);
  else writeFileAtomically(options.out, text, { private: true });
  io.stderr.write(
    `migrated ${result.billingConfigs} BillingConfig(s) and ${result.records} BillingOriginals record(s) to the emnify provider plugin; ` +
      `import with: pulumi stack import --file ${options.out ?? "<the output>"}\n`,
  );
  return 0;
}
