/**
 * `pulumi-emnify shards move`: moves one organisation to another shard (stack) in the right order.
 * First its resources, with Pulumi's own `pulumi state move` (no API call, nothing restored, its
 * record of originals kept), then the pin in the organisations file (`shard: <n>`), so that no
 * shard ever runs with the file saying one thing and the states another.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { isMap, isSeq, parseDocument } from "yaml";
import { loadOrganisationsFile } from "../billing/organisationsFile";
import type { CliIo } from "./exportCommand";

import { DYNAMIC_BILLING_CONFIG as BILLING_CONFIG_TYPE, DYNAMIC_BILLING_ORIGINALS as BILLING_ORIGINALS_TYPE } from "../resource/typeTokens";
export { BILLING_CONFIG_TYPE, BILLING_ORIGINALS_TYPE };

export interface ShardMoveOptions {
  file: string;
  orgId: number;
  from: string;
  to: string;
}

/** A failed step of the move: exit status 1, one line. */
export class ShardMoveError extends Error {
  override name = "ShardMoveError";
}

/** "shard-2" → 2: the number after the last "-" of a shard's stack name. */
export function shardOfStackName(stack: string): number {
  const match = /-(\d{1,3})$/.exec(stack);
  if (!match) throw new ShardMoveError(`the stack name ${stack} must end with -<shard>, e.g. shard-0`);
  return Number(match[1]);
}

/** The text of the organisations file with `shard: <shard>` set in the entry of `orgId`; comments kept. */
export function pinShard(text: string, orgId: number, shard: number): string {
  const doc = parseDocument(text);
  const orgs = doc.get("orgs");
  if (!isSeq(orgs)) throw new ShardMoveError("the organisations file has no orgs list");
  const entry = orgs.items.find((item) => isMap(item) && item.get("id") === orgId);
  if (!isMap(entry)) throw new ShardMoveError(`organisation ${orgId} is not in the organisations file`);
  entry.set("shard", shard);
  return doc.toString();
}

/** The URNs of the organisation's resources in a state as `pulumi stack export` writes it. */
export function organisationUrns(state: unknown, resourceName: string, orgId: number): string[] {
  const resources =
    (state as { deployment?: { resources?: Array<{ urn: string; type: string; delete?: boolean }> } }).deployment?.resources ?? [];
  const wanted = [`${BILLING_CONFIG_TYPE}::${resourceName}`, `${BILLING_ORIGINALS_TYPE}::org-${orgId}`];
  return resources.filter((r) => !r.delete && wanted.some((w) => r.urn.endsWith(`::${w}`))).map((r) => r.urn);
}

function pulumi(args: string[], io: Pick<CliIo, "env">): string {
  const result = spawnSync("pulumi", ["--non-interactive", ...args], { env: io.env, encoding: "utf8", maxBuffer: 1 << 30 });
  if (result.error)
    throw new ShardMoveError(
      `cannot run pulumi (${(result.error as NodeJS.ErrnoException).code ?? result.error.message}): is the Pulumi CLI on PATH?`,
    );
  if (result.status !== 0) {
    const said = (result.stderr || result.stdout).trim().split("\n").filter(Boolean).pop() ?? "";
    throw new ShardMoveError(`pulumi ${args.slice(0, 2).join(" ")} failed: ${said}`);
  }
  return result.stdout;
}

export function runShardMove(options: ShardMoveOptions, io: Pick<CliIo, "env" | "stdout">): number {
  const { file, orgId, from, to } = options;
  const entry = loadOrganisationsFile(file).find((e) => e.args.orgId === orgId);
  if (!entry) throw new ShardMoveError(`organisation ${orgId} is not in ${file}`);
  const shard = shardOfStackName(to);
  shardOfStackName(from);
  if (from === to) throw new ShardMoveError(`--from and --to are the same stack, ${from}`);

  const urns = organisationUrns(JSON.parse(pulumi(["stack", "export", "--stack", from], io)), entry.name, orgId);
  if (!urns.some((urn) => urn.includes(`::${BILLING_CONFIG_TYPE}::`))) {
    throw new ShardMoveError(`${entry.name} (id ${orgId}) is not in the state of ${from}: nothing to move`);
  }
  pulumi(["state", "move", "--source", from, "--dest", to, "--yes", ...urns], io);
  io.stdout.write(
    `moved ${urns.length === 1 ? "the BillingConfig" : "the BillingConfig and its record of originals"} of ${entry.name} (id ${orgId}) from ${from} to ${to}\n`,
  );
  fs.writeFileSync(file, pinShard(fs.readFileSync(file, "utf8"), orgId, shard));
  io.stdout.write(`${file}: ${entry.name} pinned to shard ${shard}; commit it, then 'pulumi preview --stack ${to}' shows no changes\n`);
  return 0;
}
