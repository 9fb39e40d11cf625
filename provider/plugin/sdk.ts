/**
 * `pulumi-emnify/plugin`: the Node.js SDK of the `emnify` provider plugin, for TypeScript and
 * JavaScript programs that choose the plugin over the dynamic resource (README: "Which path").
 * `BillingConfig` here is the same resource, with the same arguments and outputs, declared as
 * `emnify:index:BillingConfig` and run by `pulumi-resource-emnify`; `Provider` is an explicit
 * provider instance, for several emnify accounts in one stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { FIELDS, SECRET_FIELDS } from "../billing/fields";
import type { BillingConfigArgs as DynamicBillingConfigArgs, BillingConfigOutputs } from "../resource/billingConfig";
import type { BillingOriginalsArgs, BillingOriginalsOutputs } from "../resource/billingOriginals";
import type { SETTINGS } from "../config/settings";

export type { BillingConfigOutputs, ReferenceArgs, ReferenceOutput } from "../resource/billingConfig";
export type { BillingOriginalsArgs, BillingOriginalsOutputs } from "../resource/billingOriginals";

/** What a program declares: the dynamic resource's arguments, and the organisation's record of originals. */
export interface BillingConfigArgs extends DynamicBillingConfigArgs {
  /**
   * The organisation's values from before this stack changed it, for `restoreOnDelete`: pass
   * `<record>.originals` of the organisation's `emnify:index:BillingOriginals` (named
   * `org-<orgId>`). Being an input, it makes the engine create and save the record before this
   * resource's first change, so a run killed at any moment loses none of them. Without it, a
   * `restoreOnDelete` resource adopts what emnify holds when it is created, and warns. A secret.
   * @default undeclared: no record; the values emnify holds at adoption are the ones restored
   */
  originals?: pulumi.Input<Record<string, unknown>>;
}

/**
 * The value of each provider setting, one member per entry of the settings table (SETTINGS in
 * provider/config/settings.ts; the check below fails to compile when they part). The comments are
 * the settings' documentation: `npm run schema` copies them into schema.json, and so into the
 * generated SDKs.
 */
interface SettingValues {
  /**
   * The emnify application token the provider signs in with (environment: `EMNIFY_APPLICATION_TOKEN`).
   * Always stored as a secret; keep it in secret config (`pulumi config set --secret`).
   */
  applicationToken: string;
  /**
   * The emnify API's base URL (environment: `EMNIFY_API_URL`): https://, or plain http:// to a
   * loopback emulator only.
   * @default "https://cdn.emnify.net"
   */
  endpoint: string;
  /**
   * Seconds one API request may take before it is abandoned and retried (environment: `EMNIFY_TIMEOUT_SECONDS`).
   * @default 30
   */
  timeoutSeconds: number;
  /**
   * The API's request limit as "requests/seconds" (environment: `EMNIFY_RATE_LIMIT`); the provider
   * paces itself under it, sharing the budget with the machine's other emnify processes.
   * @default "2000/300"
   */
  rateLimit: string;
  /**
   * How many times one request is tried in all, counting the first, on transient failures
   * (environment: `EMNIFY_MAX_ATTEMPTS`).
   * @default 6
   */
  maxAttempts: number;
}

/** Each setting as an optional input; compiles only while `T` has exactly the settings of SETTINGS: none missing, none extra. */
type SettingInputs<T extends Record<keyof typeof SETTINGS, unknown> & Record<Exclude<keyof T, keyof typeof SETTINGS>, never>> = {
  [K in keyof T]?: pulumi.Input<T[K]>;
};

export type ProviderArgs = SettingInputs<SettingValues>;

/**
 * An explicit `emnify` provider: its own token, endpoint and settings. Pass it to resources with
 * the `provider` option; resources without one use the default provider (the stack config).
 *
 * @example
 * const reseller = new Provider("reseller-b", { applicationToken: config.requireSecret("tokenB") });
 * new BillingConfig("org-7", { orgId: 7, vatin: "DE7" }, { provider: reseller });
 */
export class Provider extends pulumi.ProviderResource {
  constructor(name: string, args: ProviderArgs = {}, opts?: pulumi.ResourceOptions) {
    const props: pulumi.Inputs = { ...args };
    if (args.applicationToken !== undefined) props.applicationToken = pulumi.secret(args.applicationToken);
    super("emnify", name, props, opts);
  }
}

/** Outputs the provider keeps for its own use: the managed fields, their originals, the adoption's id. */
const INTERNAL_OUTPUTS = ["managedFields", "adoptedOriginal", "adoptionId"] as const;

type OutputProperties = { readonly [K in keyof BillingConfigOutputs]: pulumi.Output<BillingConfigOutputs[K]> };

/**
 * An emnify organisation's billing configuration, run by the `emnify` provider plugin. Same
 * behaviour as the dynamic `BillingConfig` of `pulumi-emnify`: create adopts, update changes,
 * refresh reads, delete releases (or restores with `restoreOnDelete`). It can be imported:
 * `pulumi import emnify:index:BillingConfig <name> <orgId>`.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface BillingConfig extends OutputProperties {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class BillingConfig extends pulumi.CustomResource {
  static readonly __pulumiType = "emnify:index:BillingConfig";

  constructor(name: string, args: BillingConfigArgs, opts?: pulumi.CustomResourceOptions) {
    const props: pulumi.Inputs = { orgId: args.orgId };
    for (const field of FIELDS) {
      const value = args[field.name];
      props[field.name] = value !== undefined && SECRET_FIELDS.includes(field.name) ? pulumi.secret(value) : value;
    }
    props.restoreOnDelete = args.restoreOnDelete;
    if (args.originals !== undefined) props.originals = pulumi.secret(args.originals);
    props.billingConfigId = undefined;
    for (const output of INTERNAL_OUTPUTS) props[output] = undefined;
    super(BillingConfig.__pulumiType, name, props, {
      ...opts,
      additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...SECRET_FIELDS, "adoptedOriginal"],
    });
  }
}

type OriginalsOutputProperties = { readonly [K in keyof BillingOriginalsOutputs]: pulumi.Output<BillingOriginalsOutputs[K]> };

/**
 * The record of one emnify organisation's billing settings before this stack changed them, for a
 * `BillingConfig` with `restoreOnDelete: true`. Declare it before the `BillingConfig`, name it
 * `org-<orgId>` (so renaming the `BillingConfig` leaves it in place), and pass its `originals` to
 * the `BillingConfig`: the engine then saves the record, made with one `GET`, before the first
 * change, and a run killed at any moment loses none of the values to restore. It never changes
 * afterwards: refresh keeps it (no API call), delete forgets it (no API call).
 *
 * @example
 * const record = new BillingOriginals("org-101", { orgId: 101 });
 * new BillingConfig("acme", { orgId: 101, vatin: "DE123456789", restoreOnDelete: true, originals: record.originals });
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface BillingOriginals extends OriginalsOutputProperties {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class BillingOriginals extends pulumi.CustomResource {
  static readonly __pulumiType = "emnify:index:BillingOriginals";

  constructor(name: string, args: BillingOriginalsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      BillingOriginals.__pulumiType,
      name,
      { orgId: args.orgId, originals: undefined },
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "originals"],
      },
    );
  }
}
