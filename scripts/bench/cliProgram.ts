// The real-CLI benchmark's Pulumi program, written as a user writes one: copied as index.ts into a
// project made like `pulumi new typescript` (with ./declarations.ts beside it), never imported here.
// The organisations come from a count and a first id in stack config, not from a JSON list: the
// engine stores the whole stack config with the dynamic provider in the state of every command.
import * as pulumi from "@pulumi/pulumi";
import { BillingConfig, defaultShard } from "pulumi-emnify";
import { FIRST_ORG_ID, benchDeclaration } from "./declarations";

const config = new pulumi.Config("bench");
const organisations = config.requireNumber("organisations");
const firstOrgId = config.getNumber("firstOrgId") ?? FIRST_ORG_ID;
// Sharded (npm run bench -- --shards N): this stack declares only its shard's organisations, as
// README "Past one stack" spreads an organisations file; without a shard count, all of them.
// (examples/sharded takes the shard from the stack's name, so that `pulumi state move` finds equal
// configs; the bench never moves an organisation and keeps both numbers in config.)
const shardCount = config.getNumber("shardCount");
const shard = config.getNumber("shard") ?? 0;

for (let index = 0; index < organisations; index++) {
  const { name, args } = benchDeclaration(index, firstOrgId);
  if (shardCount !== undefined && defaultShard(args.orgId, shardCount) !== shard) continue;
  new BillingConfig(name, args);
}
