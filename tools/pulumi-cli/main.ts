/**
 * `npm run pulumi:cli [-- --go-tools]`: finds or builds the Pulumi CLI (see ./locate) and prints
 * where it is. The last line of stdout is for `export PATH="$(...):$PATH"`: the bin directory, or
 * with `--go-tools` also the directory of `pulumi-language-yaml` and `pulumi-emnify-sdkgen`
 * (./goTools, built when not cached), joined as PATH joins directories.
 */
import * as path from "node:path";
import { PulumiCliUnavailable, describe, ensurePulumiCli } from "./locate";
import { describeGoTools, ensureGoTools } from "./goTools";

const log = (line: string): void => void process.stderr.write(`pulumi-cli: ${line}\n`);

try {
  const unknown = process.argv.slice(2).filter((arg) => arg !== "--go-tools");
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(" ")} (known: --go-tools)`);
  const cli = ensurePulumiCli(log);
  process.stderr.write(`${describe(cli)}\n`);
  const dirs = [cli.binDir];
  if (process.argv.includes("--go-tools")) {
    const tools = ensureGoTools(log);
    process.stderr.write(`${describeGoTools(tools)}\n`);
    dirs.push(tools.binDir);
  }
  process.stdout.write(`${dirs.join(path.delimiter)}\n`);
} catch (error) {
  process.stderr.write(`pulumi-cli: ${(error as Error).message}\n`);
  process.exitCode = error instanceof PulumiCliUnavailable ? 1 : 2;
}
