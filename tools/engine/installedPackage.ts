import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../repoRoot";
import { packThisPackage } from "../packThisPackage";
import { makeTempDir } from "./tempDirs";

const run = promisify(execFile);

let prepared: Promise<string> | undefined;

/**
 * Builds a throwaway project that depends on this package the way a user gets it from npm: the
 * `npm pack` tarball extracted into `node_modules/pulumi-emnify`, so only what `files` publishes is
 * there, and `exports` decides what can be required. Every other dependency is a symlink into this
 * repository's node_modules, so @pulumi/pulumi, @grpc/grpc-js and google-protobuf resolve to the
 * very same module instances the harness uses (Node resolves symlinks to their real path).
 *
 * The repository must already be built (`npm run build`), as tools/packThisPackage.ts says.
 *
 * Cached per process; the directory is removed when the process exits.
 */
export function preparePackedProject(): Promise<string> {
  prepared ??= packAndInstall();
  return prepared;
}

async function packAndInstall(): Promise<string> {
  const packed = await packThisPackage();
  const projectDir = path.join(makeTempDir("pulumi-emnify-packed-"), "project");
  const installDir = path.join(projectDir, "node_modules", packed.name);
  fs.mkdirSync(installDir, { recursive: true });
  // npm tarballs hold everything under "package/"; strip it like npm install does.
  await run("tar", ["-xzf", packed.tarball, "-C", installDir, "--strip-components=1"]);

  linkSiblingDependencies(path.join(repoRoot(), "node_modules"), path.join(projectDir, "node_modules"), packed.name);
  // A user project has its own manifest; it also stops Node's package-scope lookup from
  // wandering above the temp directory.
  fs.writeFileSync(
    path.join(projectDir, "package.json"),
    JSON.stringify({ name: "packed-consumer", private: true, dependencies: { [packed.name]: packed.version } }, null, 2),
  );
  return projectDir;
}

function linkSiblingDependencies(sourceModules: string, targetModules: string, ownName: string): void {
  for (const entry of fs.readdirSync(sourceModules)) {
    // npm's own bookkeeping file describes the repository's tree, not the consumer's.
    if (entry === ownName || entry === ".package-lock.json") {
      continue;
    }
    fs.symlinkSync(path.join(sourceModules, entry), path.join(targetModules, entry), "junction");
  }
}
