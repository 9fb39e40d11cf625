/**
 * One organisations file, many stacks: this stack declares only the organisations of its shard.
 *
 *   pulumi config set sharded:shard 1          # this stack's shard, 0 … shardCount - 1
 *   pulumi config set sharded:shardCount 3     # the same in every shard's stack
 *
 * An organisation goes to the shard its entry names (`shard: 2`) or, without one, to the shard
 * `defaultShard(orgId, shardCount)` picks (rendezvous hashing: adding organisations never moves
 * another one; growing the count moves only about 1 in N+1, to the new shard). Every shard reads
 * and validates the whole file, so a mistake anywhere stops every shard before any API call.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { BillingConfig, OrganisationEntry, OrganisationsFileError, ShardError, entriesOfShard, loadOrganisationsFile } from "pulumi-emnify";

const config = new pulumi.Config("sharded");
const orgsFile = path.resolve(config.get("orgsFile") ?? path.join(__dirname, "orgs.yaml"));
const shardCount = config.requireNumber("shardCount");
const shard = config.requireNumber("shard");

function shardEntries(): OrganisationEntry[] {
  try {
    return entriesOfShard(loadOrganisationsFile(orgsFile), shard, shardCount);
  } catch (error) {
    // The message alone (every problem, one per line), not a stack trace into this program.
    if (error instanceof OrganisationsFileError || error instanceof ShardError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const entries = shardEntries();
const billingConfigs = entries.map(({ name, args }) => new BillingConfig(name, args));

export { shard, shardCount };
/** The organisations this shard declares: resource name → organisation id. */
export const organisations: Record<string, number> = Object.fromEntries(entries.map((e) => [e.name, e.args.orgId]));
/** Per organisation, the VAT id emnify holds after `pulumi up`. */
export const vatins = pulumi.output(Object.fromEntries(billingConfigs.map((b, i) => [entries[i].name, b.vatin])));
