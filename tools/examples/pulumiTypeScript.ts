/**
 * A program that loads a TypeScript entry point the way the Pulumi CLI's Node.js runtime does for
 * a project with `typescript: true` (@pulumi/pulumi/cmd/run/run.js): ts-node (the project's, or
 * the copy vendored in @pulumi/pulumi) with the project's TypeScript, the working directory's
 * tsconfig.json when there is one, and Pulumi's default compiler options under it. A type error
 * fails the run, as it fails `pulumi up`.
 *
 * The examples are otherwise run from their tsc output in dist/; this is what proves that
 * `pulumi up` in the repository root (main: examples/multi-org/index.ts) and in each example's directory
 * works on the .ts sources themselves.
 */
import type { ProgramSpec } from "../engine";

/** @param main  the entry point as Pulumi.yaml's `main` names it, relative to the project directory. */
export function pulumiTypeScriptProgram(main: string): ProgramSpec {
  const source = `
    // Mirrors the TypeScript set-up in @pulumi/pulumi/cmd/run/run.js, with its own helpers.
    const fs = require("fs");
    const path = require("path");
    const tsutils = require("@pulumi/pulumi/tsutils");
    const tsConfigPath = "tsconfig.json";
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    const ts = require(typescriptRequire);
    const [major, minor] = ts.version.split(".").map(Number);
    const nodeNext = major > 4 || (major === 4 && minor >= 7);
    require(tsnodeRequire).register({
      compiler: typescriptRequire,
      transpileOnly: compilerOptions.noCheck,
      project: tsConfigPath,
      skipProject: !fs.existsSync(tsConfigPath),
      compilerOptions: {
        target: "ES2020",
        module: nodeNext ? "nodenext" : "commonjs",
        moduleResolution: nodeNext ? "nodenext" : "node",
        sourceMap: "true",
        ...compilerOptions,
      },
    });
    module.exports = require(path.join(process.cwd(), ${JSON.stringify(main)}));
  `;
  return { source, filename: "__pulumi_typescript_entry__.js" };
}
