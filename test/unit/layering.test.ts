/**
 * The dependency direction the codebase keeps: provider/ imports nothing of the repository outside
 * itself; tools/ (shared machinery) imports neither test/ nor scripts/; scripts/ import no test.
 * Read from the sources, so a new import that breaks the rule fails here with its file and line.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../tools/repoRoot";

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']*)["']/gm;

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(full));
    else if (entry.name.endsWith(".ts")) found.push(full);
  }
  return found;
}

/** "file:line imports <top-level folder>/…" for each relative import that lands in a forbidden folder. */
export function forbiddenImports(root: string, from: string, forbidden: string[]): string[] {
  const problems: string[] = [];
  for (const file of sourceFiles(path.join(root, from))) {
    const text = fs.readFileSync(file, "utf8");
    for (const match of text.matchAll(IMPORT)) {
      const target = path.relative(root, path.resolve(path.dirname(file), match[1]));
      const top = target.split(path.sep)[0];
      if (forbidden.includes(top)) {
        const line = text.slice(0, match.index).split("\n").length;
        problems.push(`${path.relative(root, file)}:${line} imports ${target}`);
      }
    }
  }
  return problems;
}

describe("layering: which folder may import which", () => {
  const root = repoRoot();

  it("provider/ (the published package) imports nothing from tools/, scripts/, test/ or examples/", () => {
    assert.deepEqual(forbiddenImports(root, "provider", ["tools", "scripts", "test", "examples"]), []);
  });

  it("tools/ imports neither test/ nor scripts/", () => {
    assert.deepEqual(forbiddenImports(root, "tools", ["test", "scripts"]), []);
  });

  it("scripts/ import no test file", () => {
    assert.deepEqual(forbiddenImports(root, "scripts", ["test"]), []);
  });

  it("the check finds a forbidden import when there is one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layering-"));
    fs.mkdirSync(path.join(dir, "scripts"));
    fs.writeFileSync(path.join(dir, "scripts", "a.ts"), 'import { x } from "../test/engine";\nconst y = require("../tools/z");\n');
    try {
      assert.deepEqual(forbiddenImports(dir, "scripts", ["test"]), ["scripts/a.ts:1 imports test/engine"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
