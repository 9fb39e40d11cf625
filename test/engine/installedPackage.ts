import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./repoPaths";
import { makeTempDir } from "./tempDirs";

const run = promisify(execFile);

/** The one entry of `npm pack --json` output that we use. */
interface PackResult {
    filename: string;
    name: string;
    version: string;
}

let prepared: Promise<string> | undefined;

/**
 * Builds a throwaway project that depends on this package the way a user gets it from npm: the
 * `npm pack` tarball extracted into `node_modules/pulumi-emnify`, so only what `files` publishes is
 * there, and `exports` decides what can be required. Every other dependency is a symlink into this
 * repository's node_modules, so @pulumi/pulumi, @grpc/grpc-js and google-protobuf resolve to the
 * very same module instances the harness uses (Node resolves symlinks to their real path).
 *
 * The repository must already be built (`npm run build`): packing runs with --ignore-scripts so
 * that the `prepare` script does not rebuild the tree other engineers are compiling into.
 *
 * Cached per process; the directory is removed when the process exits.
 */
export function preparePackedProject(): Promise<string> {
    prepared ??= packAndInstall();
    return prepared;
}

async function packAndInstall(): Promise<string> {
    const root = repoRoot();
    for (const built of ["dist/provider/index.js", "dist/provider/runtime.js"]) {
        if (!fs.existsSync(path.join(root, built))) {
            throw new Error(`${built} is missing: build the repository before packing it`);
        }
    }
    const workDir = makeTempDir("pulumi-emnify-packed-");
    const packDir = path.join(workDir, "pack");
    fs.mkdirSync(packDir);

    const packed = await npmPack(root, packDir);
    const projectDir = path.join(workDir, "project");
    const installDir = path.join(projectDir, "node_modules", packed.name);
    fs.mkdirSync(installDir, { recursive: true });
    // npm tarballs hold everything under "package/"; strip it like npm install does.
    await run("tar", ["-xzf", path.join(packDir, packed.filename), "-C", installDir, "--strip-components=1"]);

    linkSiblingDependencies(path.join(root, "node_modules"), path.join(projectDir, "node_modules"), packed.name);
    // A user project has its own manifest; it also stops Node's package-scope lookup from
    // wandering above the temp directory.
    fs.writeFileSync(
        path.join(projectDir, "package.json"),
        JSON.stringify({ name: "packed-consumer", private: true, dependencies: { [packed.name]: packed.version } }, null, 2),
    );
    return projectDir;
}

async function npmPack(root: string, destination: string): Promise<PackResult> {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const { stdout } = await run(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", destination], {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
    });
    // npm may print notices before the JSON document; the document itself starts with "[".
    const start = stdout.indexOf("[");
    if (start < 0) {
        throw new Error(`npm pack printed no JSON: ${stdout}`);
    }
    const results = JSON.parse(stdout.slice(start)) as PackResult[];
    if (results.length !== 1) {
        throw new Error(`npm pack produced ${results.length} tarballs, expected 1`);
    }
    return results[0];
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
