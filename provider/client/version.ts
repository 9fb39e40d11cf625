/**
 * The package version, for the User-Agent header.
 *
 * Read from package.json at run time rather than imported: this file runs both from the source
 * tree (tests via ts-node-like tools) and from dist/, at different depths below package.json, and
 * importing the JSON would make the compiler copy package.json into dist/.
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const PACKAGE_NAME = "pulumi-emnify";
let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) cached = findVersion(__dirname) ?? "unknown";
  return cached;
}

function findVersion(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === "string") return manifest.version;
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export function defaultUserAgent(): string {
  return `${PACKAGE_NAME}/${packageVersion()}`;
}
