/**
 * One organisations file, many stacks: this stack declares only the organisations of its shard.
 *
 *   pulumi stack init shard-1                  # the shard is the number the stack's name ends with
 *   pulumi config set sharded:shardCount 3     # the same in every shard's stack
 *
 * The shard is not stack config on purpose: `pulumi state move` (how an organisation changes
 * shard) copies the stack's config with the resources' provider, and refuses when the two stacks'
 * config differs in anything.
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
const shard = shardOfStack(pulumi.getStack());

/** "shard-2" → 2: the number after the last "-" of the stack's name. */
function shardOfStack(stack: string): number {
  const match = /-(\d{1,3})$/.exec(stack);
  if (!match) throw new pulumi.RunError(`the stack name ${stack} must end with -<shard>, e.g. shard-0 (examples/sharded/README.md)`);
  return Number(match[1]);
}

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
