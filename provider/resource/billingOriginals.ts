/**
 * `BillingOriginals`: the record of one organisation's billing settings before this stack first
 * changed them. `BillingConfig` creates one per organisation when `restoreOnDelete` is set (not
 * exported: programs never construct it). Its URN depends only on the organisation id (name
 * `org-<orgId>`, no parent), so renaming or moving the BillingConfig leaves it untouched; the
 * BillingConfig takes its values as an input, so the engine creates and checkpoints it before the
 * BillingConfig's first PATCH. See ./billingOriginalsProvider and DECISIONS D36.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { FieldValues } from "../billing/fields";
import { serializableProvider } from "./serializedProvider";
// The module object itself, as for ../dynamicProvider: the serializer stores it as a require().
// eslint-disable-next-line @typescript-eslint/no-require-imports
import originalsProviderModule = require("../originalsProvider");

let provider: pulumi.dynamic.ResourceProvider | undefined;

function providerForThisInstall(): pulumi.dynamic.ResourceProvider {
  const runtimeFile = require.resolve("./runtime");
  if (runtimeFile.split(path.sep).includes("node_modules")) return originalsProviderModule as pulumi.dynamic.ResourceProvider;
  return serializableProvider(`./${path.relative(process.cwd(), runtimeFile).split(path.sep).join("/")}`, "billingOriginalsRuntime");
}

/** The resource name of an organisation's record: the URN holds nothing but the organisation id. */
export function billingOriginalsName(orgId: number): string {
  return `org-${orgId}`;
}

/** What a record of originals is declared with. */
export interface BillingOriginalsArgs {
  /**
   * The numeric id of the emnify organisation to record: a positive whole number. Required.
   * @example 101
   */
  orgId: pulumi.Input<number>;
}

/** What a record of originals holds: written once, by its create, and never changed. */
export interface BillingOriginalsOutputs {
  /**
   * The organisation id, as declared.
   * @example 101
   */
  orgId: number;
  /**
   * Every managed field's value in emnify when the record was made, before this stack changed
   * anything (`null` where emnify held nothing). A secret: it holds payment data.
   */
  originals: Partial<FieldValues>;
}

export class BillingOriginals extends pulumi.dynamic.Resource {
  /** The organisation id. */
  declare readonly orgId: pulumi.Output<number>;
  /** Every managed field's value when the record was made (a secret: it holds payment data). */
  declare readonly originals: pulumi.Output<Partial<FieldValues>>;

  constructor(orgId: number) {
    provider ??= providerForThisInstall();
    super(
      provider,
      billingOriginalsName(orgId),
      { orgId, originals: undefined },
      { additionalSecretOutputs: ["originals"] },
      "emnify",
      "BillingOriginals",
    );
  }
}
