/**
 * `npm pack` of this repository, once per process: the tarball users would get from npm, holding
 * only what `files` publishes. Both ways of installing the package as users have it start here:
 * the stand-in's packed project (tools/engine/installedPackage.ts) and the real CLI's user project
 * (tools/pulumi-cli/userProject.ts).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./repoRoot";
import { makeTempDir } from "./engine/tempDirs";

const run = promisify(execFile);

/** The one entry of `npm pack --json` output that we use, with the tarball's full path. */
export interface PackedPackage {
  tarball: string;
  name: string;
  version: string;
}

let packed: Promise<PackedPackage> | undefined;

/**
 * The repository must already be built (`npm run build`): packing runs with --ignore-scripts so
 * that the `prepare` script does not rebuild a tree someone else is compiling into. The tarball's
 * directory is removed when the process exits.
 */
export function packThisPackage(): Promise<PackedPackage> {
  packed ??= (async () => {
    const root = repoRoot();
    for (const built of ["dist/provider/index.js", "dist/provider/resource/runtime.js"]) {
      if (!fs.existsSync(path.join(root, built))) throw new Error(`${built} is missing: run 'npm run build' before packing`);
    }
    const destination = makeTempDir("pulumi-emnify-pack-");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const { stdout } = await run(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", destination], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    // npm may print notices before the JSON document; the document itself starts with "[".
    const start = stdout.indexOf("[");
    if (start < 0) throw new Error(`npm pack printed no JSON: ${stdout}`);
    const results = JSON.parse(stdout.slice(start)) as Array<{ filename: string; name: string; version: string }>;
    if (results.length !== 1) throw new Error(`npm pack produced ${results.length} tarballs, expected 1`);
    const { filename, name, version } = results[0];
    return { tarball: path.join(destination, filename), name, version };
  })();
  return packed;
}
