/**
 * `pulumi-emnify shards`: which shard declares each organisation of a file spread over N stacks
 * (examples/sharded), or which organisations change shard when N changes. Reads only the file.
 */
import { loadOrganisationsFile } from "../billing/organisationsFile";
import { entriesOfShard, shardChanges, shardOf } from "../billing/shards";
import type { ShardsOptions } from "./args";
import type { CliIo } from "./exportCommand";

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return (
    rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join("  ")).join("\n") +
    "\n"
  );
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;
}

export function runShards(options: ShardsOptions, io: Pick<CliIo, "stdout">): number {
  const entries = loadOrganisationsFile(options.file);
  const { count, toCount } = options;
  // Every pin checked against every count first, so that all problems are reported at once.
  for (const c of toCount === undefined ? [count] : [count, toCount]) entriesOfShard(entries, 0, c);
  if (toCount === undefined) {
    const shards = entries.map((entry) => shardOf(entry, count));
    const rows = entries.map((entry, i) => [
      String(shards[i]),
      String(entry.args.orgId),
      entry.name,
      entry.shard === undefined ? "" : "pinned",
    ]);
    io.stdout.write(table([["SHARD", "ID", "NAME", ""], ...rows]).replace(/ +$/gm, ""));
    const sizes = Array.from({ length: count }, (_, shard) => `${shard}: ${shards.filter((s) => s === shard).length}`);
    io.stdout.write(`${plural(entries.length, "organisation")} over ${plural(count, "shard")} (${sizes.join(", ")})\n`);
    return 0;
  }
  const changes = shardChanges(entries, count, toCount);
  if (changes.length > 0) {
    io.stdout.write(table([["ID", "NAME", "FROM", "TO"], ...changes.map((c) => [String(c.orgId), c.name, String(c.from), String(c.to)])]));
  }
  io.stdout.write(
    `${plural(changes.length, "organisation")} of ${entries.length.toLocaleString("en-US")} change shard from ${plural(count, "shard")} to ${toCount}` +
      (changes.length > 0 ? ": pin each ('shard: <from>') or move its resources (pulumi state move) before changing the count\n" : "\n"),
  );
  return 0;
}
