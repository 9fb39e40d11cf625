/**
 * Where an export goes. A file is written whole or not at all (a temporary file renamed over it),
 * so an interrupted export never leaves a truncated orgs.yaml that `pulumi up` would then read as
 * "these organisations are no longer declared".
 */
import * as fs from "node:fs";
import * as path from "node:path";

export class OutputError extends Error {
  override name = "OutputError";
}

function reason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/**
 * Fails before any API call when the file cannot be written: a long export should not end with
 * "cannot write".
 */
export function checkWritable(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw new OutputError(`cannot write ${file}: its directory ${dir} is not writable (${reason(error)})`);
  }
  try {
    if (fs.statSync(file).isDirectory()) throw new OutputError(`cannot write ${file}: it is a directory`);
  } catch (error) {
    if (error instanceof OutputError) throw error;
    // Does not exist yet: fine.
  }
}

/** `private`: readable by the owner only, for a file that holds payment details. */
export function writeFileAtomically(file: string, text: string, options: { private?: boolean } = {}): void {
  const temporary = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temporary, text, { encoding: "utf8", mode: options.private ? 0o600 : 0o644 });
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new OutputError(`cannot write ${file}: ${reason(error)}`);
  }
}
