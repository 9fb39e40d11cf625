// The real-CLI benchmark's Pulumi program for the provider plugin: the same organisations as
// ./cliProgram.ts, declared as `emnify:index:BillingConfig` through `pulumi-emnify/plugin` and run
// by `pulumi-resource-emnify`. Copied as index.ts into a project made like `pulumi new typescript`
// (with ./declarations.ts beside it), never imported here.
import * as pulumi from "@pulumi/pulumi";
import { BillingConfig, BillingOriginals } from "pulumi-emnify/plugin";
import { defaultShard } from "pulumi-emnify";
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
  // As README "Recording originals with the plugin" asks: a restoreOnDelete organisation's record, passed in.
  const record = args.restoreOnDelete ? new BillingOriginals(`org-${args.orgId}`, { orgId: args.orgId }) : undefined;
  new BillingConfig(name, { ...args, originals: record?.originals });
}
