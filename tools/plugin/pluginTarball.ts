/**
 * The provider plugin as a tarball for `pulumi plugin install resource emnify <version> --file <tarball>`:
 * no Pulumi service, no download at install time. Inside: `pulumi-resource-emnify` (a POSIX shell
 * script that runs the plugin with `node`) and the node_modules it needs: this package from its
 * `npm pack` tarball with its dependencies, and from @pulumi/pulumi only `package.json` and the
 * generated protocol modules (`proto/`), the one part the plugin loads (the whole SDK is ~100 MB).
 * Dependencies come from the npm cache that `npm ci` filled (`--prefer-offline`).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { packThisPackage } from "../packThisPackage";
import { repoRoot } from "../repoRoot";

const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** The shell script the engine starts: `node` on the plugin's entry point, beside the script. */
export const PLUGIN_LAUNCHER = `#!/bin/sh
exec node "$(dirname "$0")/node_modules/pulumi-emnify/dist/provider/plugin/main.js" "$@"
`;

export interface PluginTarball {
  file: string;
  version: string;
  bytes: number;
}

/** Pulumi's names for the platform in plugin file names. */
function platform(): string {
  const osName = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  return `${osName}-${arch}`;
}

/** Builds the tarball into `outDir` (created if needed); the repository must be built. */
export async function makePluginTarball(outDir: string): Promise<PluginTarball> {
  const root = repoRoot();
  const { tarball, version } = await packThisPackage();
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-plugin-"));
  try {
    fs.writeFileSync(
      path.join(staging, "package.json"),
      JSON.stringify(
        { name: "pulumi-resource-emnify", version, private: true, dependencies: { "pulumi-emnify": `file:${tarball}` } },
        null,
        2,
      ),
    );
    // --legacy-peer-deps: the peer @pulumi/pulumi is not installed whole; its protocol modules are copied below.
    await run(
      NPM,
      ["install", "--omit=dev", "--legacy-peer-deps", "--install-links", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
      {
        cwd: staging,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const sdkSource = path.join(root, "node_modules", "@pulumi", "pulumi");
    const sdkTarget = path.join(staging, "node_modules", "@pulumi", "pulumi");
    fs.mkdirSync(sdkTarget, { recursive: true });
    for (const file of ["package.json", "LICENSE"]) {
      if (fs.existsSync(path.join(sdkSource, file))) fs.copyFileSync(path.join(sdkSource, file), path.join(sdkTarget, file));
    }
    fs.cpSync(path.join(sdkSource, "proto"), path.join(sdkTarget, "proto"), { recursive: true });
    fs.rmSync(path.join(staging, "package-lock.json"), { force: true });
    fs.writeFileSync(path.join(staging, "pulumi-resource-emnify"), PLUGIN_LAUNCHER, { mode: 0o755 });
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `pulumi-resource-emnify-v${version}-${platform()}.tar.gz`);
    await run("tar", ["-czf", file, "-C", staging, "."], { maxBuffer: 64 * 1024 * 1024 });
    return { file, version, bytes: fs.statSync(file).size };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
