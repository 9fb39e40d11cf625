/**
 * `pulumi-emnify/plugin`: the Node.js SDK of the `emnify` provider plugin, for TypeScript and
 * JavaScript programs that choose the plugin over the dynamic resource (README: "Which path").
 * `BillingConfig` here is the same resource, with the same arguments and outputs, declared as
 * `emnify:index:BillingConfig` and run by `pulumi-resource-emnify`; `Provider` is an explicit
 * provider instance, for several emnify accounts in one stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { FIELDS, SECRET_FIELDS } from "../billing/fields";
import type { BillingConfigArgs, BillingConfigOutputs } from "../resource/billingConfig";
import type { SETTINGS } from "../config/settings";

export type { BillingConfigArgs, BillingConfigOutputs, ReferenceArgs, ReferenceOutput } from "../resource/billingConfig";

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
    props.billingConfigId = undefined;
    for (const output of INTERNAL_OUTPUTS) props[output] = undefined;
    super(BillingConfig.__pulumiType, name, props, {
      ...opts,
      additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...SECRET_FIELDS, "adoptedOriginal"],
    });
  }
}
