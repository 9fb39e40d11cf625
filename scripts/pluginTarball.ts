/**
 * `npm run plugin:tarball [-- <out dir>]`: the provider plugin as a tarball for
 * `pulumi plugin install resource emnify <version> --file <tarball>` (see tools/plugin/pluginTarball.ts).
 */
import * as path from "node:path";
import { makePluginTarball } from "../tools/plugin/pluginTarball";
import { repoRoot } from "../tools/repoRoot";

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? path.join(repoRoot(), "dist", "plugin"));
  const made = await makePluginTarball(outDir);
  process.stdout.write(
    `${made.file} (${(made.bytes / 1024 / 1024).toFixed(1)} MB)\n` +
      `install: pulumi plugin install resource emnify ${made.version} --file ${made.file}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
