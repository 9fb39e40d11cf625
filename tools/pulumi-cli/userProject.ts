/**
 * A Pulumi TypeScript project as a user has it after `pulumi new typescript` and
 * `npm install pulumi-emnify`: Pulumi.yaml, package.json, tsconfig.json and index.ts in a fresh
 * directory, with this package installed from its `npm pack` tarball (only what `files` publishes,
 * resolved through `exports`) and @pulumi/pulumi at the version package-lock.json pins.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { packThisPackage } from "../packThisPackage";
import { repoRoot } from "../repoRoot";
import { lockedPulumiVersion } from "./locate";

const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

export interface UserProjectOptions {
  /** Where to create it; must not exist or be empty. */
  dir: string;
  /** The Pulumi project name. */
  name: string;
  /** index.ts */
  program: string;
  /** Other files, by path relative to the project. */
  files?: Record<string, string>;
  /** The package tarball to install; default: this repository's own `npm pack`. */
  tarball?: string;
  /** Lines appended to Pulumi.yaml (e.g. a `plugins:` block). */
  pulumiYamlExtra?: string;
}

/** The tsconfig.json that `pulumi new typescript` writes. */
const TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/**
 * Writes the project and runs `npm install` in it. The dependency ranges are this repository's own
 * (a warm npm cache from `npm ci` then serves them without downloads).
 */
export async function createUserProject(options: UserProjectOptions): Promise<string> {
  const root = repoRoot();
  const ownManifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  const tarball = options.tarball ?? (await packThisPackage()).tarball;
  fs.mkdirSync(options.dir, { recursive: true });
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(options.dir, file)), { recursive: true });
    fs.writeFileSync(path.join(options.dir, file), text);
  };
  write(
    "Pulumi.yaml",
    `name: ${options.name}\ndescription: A project using pulumi-emnify\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n` +
      (options.pulumiYamlExtra ?? ""),
  );
  write(
    "package.json",
    JSON.stringify(
      {
        name: options.name,
        main: "index.ts",
        devDependencies: { "@types/node": ownManifest.devDependencies["@types/node"], typescript: ownManifest.devDependencies.typescript },
        dependencies: { "@pulumi/pulumi": lockedPulumiVersion(root), "pulumi-emnify": `file:${tarball}` },
      },
      null,
      2,
    ) + "\n",
  );
  write("tsconfig.json", JSON.stringify(TEMPLATE_TSCONFIG, null, 2) + "\n");
  write("index.ts", options.program);
  for (const [file, text] of Object.entries(options.files ?? {})) write(file, text);
  await run(NPM, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
    cwd: options.dir,
    maxBuffer: 64 * 1024 * 1024,
  });
  return options.dir;
}

/** PATH with the project's node_modules/.bin (where npm links the package's `pulumi-resource-emnify`) first. */
export function pathWithPlugin(projectDir: string): string {
  return [path.join(projectDir, "node_modules", ".bin"), process.env.PATH ?? ""].join(path.delimiter);
}
