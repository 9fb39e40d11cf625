/**
 * `BillingConfig`: the public resource. Declares an emnify organisation's billing settings; see
 * ./billingConfigProvider for what each lifecycle step does against the API.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { serializableProvider } from "./serializedProvider";
// The module object itself (not a copy made by an import helper): Pulumi's serializer recognises it.
import dynamicProviderModule = require("./dynamicProvider");

/** A reference to an emnify catalogue entry (charging model, payment term, VAT rate), by id. */
export interface ReferenceArgs {
  /** The entry's numeric id as emnify knows it. */
  id: pulumi.Input<number>;
}

/** A reference as the API reports it. */
export interface ReferenceOutput {
  id: number;
  /** emnify's description of the entry, when the API gives one. */
  description?: string;
}

export interface BillingConfigArgs {
  /**
   * The numeric id of the emnify organisation whose billing settings this declares. Changing it
   * releases the old organisation and adopts the new one (a replacement).
   * @example 101
   */
  orgId: pulumi.Input<number>;
  /**
   * The organisation's VAT identification number. Undeclared: left as it is.
   * @example "DE123456789"
   */
  vatin?: pulumi.Input<string>;
  /** Free text printed as the invoice issuer; `null` clears it. Undeclared: left as it is. */
  invoiceIssuerInfo?: pulumi.Input<string | null>;
  /** The charging model, by emnify id. emnify refuses a switch to prepaid while inclusive volumes are active. */
  chargingModel?: pulumi.Input<ReferenceArgs>;
  /** The payment term, by emnify id. */
  paymentTerm?: pulumi.Input<ReferenceArgs>;
  /** The VAT rate, by emnify id. */
  vatRate?: pulumi.Input<ReferenceArgs>;
  /** Payment details as emnify expects them. Always stored as a secret. */
  paymentData?: pulumi.Input<Record<string, unknown>>;
  /**
   * On `pulumi destroy` (or removal from the program), put back the values the managed fields had
   * before this resource adopted them. When false, the settings are left as they are.
   * @default false
   */
  restoreOnDelete?: pulumi.Input<boolean>;
}

/** Where the host finds the runtime module; see ./serializedProvider. */
function runtimeReference(): string {
  const runtimeFile = require.resolve("./runtime");
  if (runtimeFile.split(path.sep).includes("node_modules")) return "pulumi-emnify/runtime";
  return `./${path.relative(process.cwd(), runtimeFile).split(path.sep).join("/")}`;
}

let provider: pulumi.dynamic.ResourceProvider | undefined;

/**
 * What Pulumi serializes into `__provider`. Installed from node_modules: the module object of
 * `pulumi-emnify/dynamic-provider`, which the serializer stores as a `require()` of that export
 * (~300 bytes per copy; the state holds two copies per resource). Otherwise (a program inside this
 * repository using the package by self-reference, where the serializer would copy a local module
 * by value): the shim of ./serializedProvider, which loads the runtime by path.
 */
function providerForThisInstall(): pulumi.dynamic.ResourceProvider {
  const reference = runtimeReference();
  return reference === "pulumi-emnify/runtime" ? (dynamicProviderModule as pulumi.dynamic.ResourceProvider) : serializableProvider(reference);
}

/**
 * An emnify organisation's billing configuration, managed as a Pulumi dynamic resource.
 *
 * The configuration always exists: `create` adopts it (changing only declared fields that
 * differ), `update` changes it, `refresh` reads it, and `delete` releases it untouched unless
 * `restoreOnDelete` is set. Fields that are not declared are never sent.
 *
 * @example
 * new BillingConfig("acme", { orgId: 101, vatin: "DE123456789", chargingModel: { id: 1 } });
 */
export class BillingConfig extends pulumi.dynamic.Resource {
  declare readonly orgId: pulumi.Output<number>;
  /** The API's id of the billing configuration record. */
  declare readonly billingConfigId: pulumi.Output<number | null>;
  declare readonly vatin: pulumi.Output<string | null>;
  declare readonly invoiceIssuerInfo: pulumi.Output<string | null>;
  declare readonly chargingModel: pulumi.Output<ReferenceOutput | null>;
  declare readonly paymentTerm: pulumi.Output<ReferenceOutput | null>;
  declare readonly vatRate: pulumi.Output<ReferenceOutput | null>;
  /** Secret. */
  declare readonly paymentData: pulumi.Output<Record<string, unknown> | null>;
  declare readonly restoreOnDelete: pulumi.Output<boolean>;

  constructor(name: string, args: BillingConfigArgs, opts?: pulumi.CustomResourceOptions) {
    provider ??= providerForThisInstall();
    const props: Record<string, unknown> = {
      orgId: args.orgId,
      vatin: args.vatin,
      invoiceIssuerInfo: args.invoiceIssuerInfo,
      chargingModel: args.chargingModel,
      paymentTerm: args.paymentTerm,
      vatRate: args.vatRate,
      // Marked secret on the way in as well as out, so the state never holds it in plain text.
      paymentData: args.paymentData === undefined ? undefined : pulumi.secret(args.paymentData),
      restoreOnDelete: args.restoreOnDelete,
      // Output-only properties are registered as undefined so the engine fills them in.
      billingConfigId: undefined,
      managedFields: undefined,
      adoptedOriginal: undefined,
      adoptionId: undefined,
    };
    super(
      provider,
      name,
      props,
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "paymentData", "adoptedOriginal"],
      },
      "emnify",
      "BillingConfig",
    );
  }
}
