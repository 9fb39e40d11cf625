import * as fs from "node:fs";
import * as path from "node:path";

let cachedRoot: string | undefined;

/**
 * The root of this repository: the nearest directory above the compiled harness whose
 * package.json is named "pulumi-emnify". Found by walking up rather than by a fixed number of
 * "..", so it holds from any folder of tools/, test/ or scripts/ (compiled to dist/).
 */
export function repoRoot(): string {
  if (cachedRoot !== undefined) {
    return cachedRoot;
  }
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const parsed = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown };
      if (parsed.name === "pulumi-emnify") {
        cachedRoot = fs.realpathSync(dir);
        return cachedRoot;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`no package.json named pulumi-emnify above ${__dirname}`);
    }
    dir = parent;
  }
}
