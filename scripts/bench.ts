/**
 * `npm run bench`: N organisations (default 1,000) through Pulumi's own dynamic-provider host against
 * the bundled emnify emulator, with per-request latency and a scaled emnify rate limit, in five
 * phases: create all, unchanged run, update 10%, refresh all, delete all. Prints progress and a
 * table, checks the targets, and writes the table to BENCHMARKS.md (see scripts/bench/).
 *
 * A benchmark, not a test: it exits 0 when the run completed, whatever the numbers; 2 on a usage
 * error and 1 when the run itself broke.
 */
import * as path from "node:path";
import { repoRoot } from "../test/engine";
import { USAGE, UsageError, parseBenchArgs } from "./bench/options";
import { commandLine, generatedSection, targets, textTable, writeBenchmarks } from "./bench/report";
import { type BenchSession, runBench } from "./bench/run";

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let options;
  try {
    options = parseBenchArgs(argv, path.join(repoRoot(), "BENCHMARKS.md"));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }

  const session: BenchSession = {};
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await session.host?.stop().catch(() => undefined);
      await session.emulator?.stop().catch(() => undefined);
    })());
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      process.stderr.write(`\ninterrupted (${signal}): stopping the provider host and the emulator\n`);
      void close().then(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }

  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`$ ${commandLine(argv)}`);
  const when = new Date();
  try {
    const result = await runBench(options, session, say);
    say("");
    say(textTable(result));
    say("");
    for (const t of targets(result)) say(`${t.met ? "met    " : "MISSED "} ${t.target.replace(/`/g, "")}: ${t.measured}`);
    if (options.out !== undefined) {
      writeBenchmarks(options.out, generatedSection(result, argv, when));
      say(`\nwrote ${path.relative(process.cwd(), options.out) || options.out}`);
    }
    return 0;
  } finally {
    await close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
