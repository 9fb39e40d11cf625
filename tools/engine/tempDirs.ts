import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// Every temporary directory the harness creates is removed when the process exits, whatever the
// outcome of the tests: a failed run must not leave packed projects behind in /tmp.
const created = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const dir of created) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a directory that cannot be removed at exit is not worth crashing over.
    }
  }
  created.clear();
}

/**
 * Creates a fresh directory under the system temp dir and registers it for removal at exit.
 * The path is resolved through symlinks so it equals what `process.cwd()` reports inside a child
 * started there; the closure serializer and the dynamic-provider host compare module paths
 * against the cwd, so a symlinked spelling would be a different path to them.
 */
export function makeTempDir(prefix: string): string {
  if (!hooked) {
    process.once("exit", removeAll);
    hooked = true;
  }
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), prefix));
  created.add(dir);
  return dir;
}

/** Removes a directory made by makeTempDir now instead of at exit. */
export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  created.delete(dir);
}
