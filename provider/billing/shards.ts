/**
 * Spreading one organisations file over N stacks ("shards"): which shard declares which
 * organisation.
 *
 * An entry's `shard` (in the file) wins. Without one, the organisation goes to the shard with the
 * highest score `sha256("<orgId>/<shard>")` among shards 0..N-1 (rendezvous hashing). So:
 * - an organisation's shard depends only on its own id and N: adding or removing other
 *   organisations never moves it;
 * - growing N to N+1 moves only the organisations whose best score is now the new shard (about
 *   1 in N+1, the fewest any spreading can move), and shrinking N moves only those of the removed
 *   shards; `shardChanges` lists them, so they can be pinned (`shard:` in the file) or moved.
 *
 * Moving an organisation between stacks is a `pulumi state move` of its resources (README, "Past
 * one stack"), never a delete in one stack and a create in another: that would restore (or lose)
 * the values recorded before Pulumi.
 */
import { createHash } from "node:crypto";
import type { OrganisationEntry } from "./organisationsFile";

export class ShardError extends Error {
  override name = "ShardError";
}

/** Checks a shard count: a whole number from 1 to 1,000. */
export function checkShardCount(count: unknown): number {
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 1000) {
    throw new ShardError(`the shard count must be a whole number from 1 to 1000, got ${JSON.stringify(count)}`);
  }
  return count;
}

/** Checks a shard index against the count: a whole number from 0 to count - 1. */
export function checkShardIndex(index: unknown, count: number): number {
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new ShardError(
      `the shard must be a whole number from 0 to ${count - 1} (the shard count is ${count}), got ${JSON.stringify(index)}`,
    );
  }
  return index;
}

function score(orgId: number, shard: number): bigint {
  return createHash("sha256").update(`${orgId}/${shard}`).digest().readBigUInt64BE(0);
}

/** The shard of an organisation without an explicit `shard`, among `count` shards. */
export function defaultShard(orgId: number, count: number): number {
  checkShardCount(count);
  let best = 0;
  let bestScore = score(orgId, 0);
  for (let shard = 1; shard < count; shard++) {
    const s = score(orgId, shard);
    if (s > bestScore) {
      best = shard;
      bestScore = s;
    }
  }
  return best;
}

/** The shard of an entry: its own `shard`, else the default. Throws when its `shard` is not below the count. */
export function shardOf(entry: OrganisationEntry, count: number): number {
  checkShardCount(count);
  if (entry.shard === undefined) return defaultShard(entry.args.orgId, count);
  if (entry.shard >= count) {
    throw new ShardError(`${entry.name} (id ${entry.args.orgId}) has shard ${entry.shard}, but the shard count is ${count}`);
  }
  return entry.shard;
}

/**
 * The entries one shard declares. Every entry is checked against the count (not only this shard's),
 * so every shard refuses a file that pins an organisation to a shard that does not exist, and no
 * organisation goes undeclared.
 */
export function entriesOfShard(entries: OrganisationEntry[], shard: number, count: number): OrganisationEntry[] {
  checkShardCount(count);
  checkShardIndex(shard, count);
  const problems: string[] = [];
  const mine: OrganisationEntry[] = [];
  for (const entry of entries) {
    try {
      if (shardOf(entry, count) === shard) mine.push(entry);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new ShardError(problems.join("\n"));
  return mine;
}

/** An organisation whose shard differs between two shard counts. */
export interface ShardChange {
  name: string;
  orgId: number;
  from: number;
  to: number;
}

/** The organisations that change shard when the count goes from `fromCount` to `toCount`. */
export function shardChanges(entries: OrganisationEntry[], fromCount: number, toCount: number): ShardChange[] {
  const changes: ShardChange[] = [];
  for (const entry of entries) {
    const from = shardOf(entry, fromCount);
    const to = shardOf(entry, toCount);
    if (from !== to) changes.push({ name: entry.name, orgId: entry.args.orgId, from, to });
  }
  return changes;
}
