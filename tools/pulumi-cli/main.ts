/**
 * `npm run pulumi:cli`: finds or builds the Pulumi CLI (see ./locate) and prints where it is.
 * The last line of stdout is the bin directory, for `export PATH="$(...):$PATH"`.
 */
import { PulumiCliUnavailable, describe, ensurePulumiCli } from "./locate";

try {
  const cli = ensurePulumiCli((line) => process.stderr.write(`pulumi-cli: ${line}\n`));
  process.stderr.write(`${describe(cli)}\n`);
  process.stdout.write(`${cli.binDir}\n`);
} catch (error) {
  process.stderr.write(`pulumi-cli: ${(error as Error).message}\n`);
  process.exitCode = error instanceof PulumiCliUnavailable ? 1 : 2;
}
