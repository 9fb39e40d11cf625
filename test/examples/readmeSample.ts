/**
 * The README's code samples, taken from the Markdown itself so that the documentation cannot drift
 * from what works: each sample marked `<!-- tested by test/examples/readme.test.ts -->` is
 * type-checked against this repository's sources and then run as part of the test suite.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as ts from "typescript";
import { REPO_ROOT } from "../../tools/examples/exampleStack";

export const TESTED_MARKER = "<!-- tested by test/examples/readme.test.ts -->";

/** The fenced ```ts block that follows each marker in a Markdown file, in the file's order. */
export function testedSamples(markdownFile: string): string[] {
  const parts = fs.readFileSync(markdownFile, "utf8").split(TESTED_MARKER).slice(1);
  if (parts.length === 0) throw new Error(`${markdownFile} has no ${TESTED_MARKER}`);
  return parts.map((part) => {
    const match = /^\s*```ts\n([\s\S]*?)\n```/.exec(part);
    if (!match) throw new Error(`no \`\`\`ts block right after a ${TESTED_MARKER} in ${markdownFile}`);
    return match[1];
  });
}

/**
 * Type errors in `source`, compiled as if it were a file in test/examples with the repository's
 * tsconfig.json (so `pulumi-emnify/...` resolves to the sources), formatted one per line.
 */
export function typeErrors(source: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(REPO_ROOT, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("cannot read tsconfig.json");
  const fileName = path.join(REPO_ROOT, "test", "examples", "__readme_sample__.ts");
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (file) => (file === fileName ? source : readFile(file));
  host.fileExists = (file) => file === fileName || fileExists(file);
  host.getSourceFile = (file, languageVersion, ...rest) =>
    file === fileName ? ts.createSourceFile(file, source, languageVersion, true) : getSourceFile(file, languageVersion, ...rest);
  const program = ts.createProgram({ rootNames: [fileName], options: { ...config.options, noEmit: true }, host });
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((d) => {
    const where = d.file && d.start !== undefined ? `line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : "";
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

/**
 * Runs `source` (TypeScript, transpiled to CommonJS) as a module in the repository root, so that
 * `pulumi-emnify/...` resolves the way it does for a user: to the built package.
 */
export function runSample(source: string): void {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const requireFromRoot = createRequire(path.join(REPO_ROOT, "README.md"));
  const module = { exports: {} };
  // The README's sample, compiled above, runs as a CommonJS module would.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function("require", "module", "exports", outputText)(requireFromRoot, module, module.exports);
}
