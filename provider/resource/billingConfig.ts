/**
 * `BillingConfig`: the public resource. Declares an emnify organisation's billing settings; see
 * ./billingConfigProvider for what each lifecycle step does against the API.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FIELDS, FieldName, FieldValues, SECRET_FIELDS } from "../billing/fields";
import { argsFailureMessage, checkBillingConfigArgs } from "./argsCheck";
import { serializableProvider } from "./serializedProvider";
import type { BillingConfigResourceProvider } from "./providerTypes";
import { BillingOriginals } from "./billingOriginals";
// The module object itself (not a copy made by an import helper): Pulumi's serializer recognises it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import dynamicProviderModule = require("../dynamicProvider");

/** A reference to an emnify catalogue entry (charging model, payment term, VAT rate), by id. */
export interface ReferenceArgs {
  /**
   * The entry's numeric id as emnify knows it: a whole number of 0 or more.
   * @example 1
   */
  id: pulumi.Input<number>;
}

/** A reference as the API reports it. */
export interface ReferenceOutput {
  /**
   * The entry's numeric id.
   * @example 1
   */
  id: number;
  /**
   * emnify's description of the entry, when the API gives one. Never compared: references are
   * compared by id.
   * @example "Postpaid"
   */
  description?: string;
}

/**
 * What a program declares. An argument left out is not managed: it is never sent, and whatever
 * emnify holds stays. Every argument is checked before any API call; a failure names the property.
 */
export interface BillingConfigArgs {
  /**
   * The numeric id of the emnify organisation whose billing settings this declares: a positive
   * whole number. Required. Changing it releases the old organisation and adopts the new one (a
   * replacement). The resource id is this id as a string.
   * @example 101
   */
  orgId: pulumi.Input<number>;
  /**
   * The organisation's VAT identification number (API field `vatin`), at most 64 characters
   * (UTF-16 code units). emnify cannot clear it.
   * @default undeclared: not managed, left as emnify holds it
   * @example "DE123456789"
   */
  vatin?: pulumi.Input<string>;
  /**
   * Free text printed as the invoice issuer (API field `invoice_issuer_info`), at most 1000
   * characters (UTF-16 code units); `null` clears it.
   * @default undeclared: not managed, left as emnify holds it
   * @example "Acme Telecom GmbH, Hauptstr. 1, 10115 Berlin"
   */
  invoiceIssuerInfo?: pulumi.Input<string | null>;
  /**
   * The charging model, by emnify id (API field `charging_model`); compared by id. emnify refuses
   * a switch to prepaid while inclusive volumes are active. What the ids mean is not publicly
   * documented: take them from your emnify account.
   * @default undeclared: not managed, left as emnify holds it
   * @example { id: 1 }
   */
  chargingModel?: pulumi.Input<ReferenceArgs>;
  /**
   * The payment term, by emnify id (API field `payment_term`); compared by id.
   * @default undeclared: not managed, left as emnify holds it
   * @example { id: 1 }
   */
  paymentTerm?: pulumi.Input<ReferenceArgs>;
  /**
   * The VAT rate, by emnify id (API field `vat_rate`); compared by id.
   * @default undeclared: not managed, left as emnify holds it
   * @example { id: 2 }
   */
  vatRate?: pulumi.Input<ReferenceArgs>;
  /**
   * Payment details as emnify expects them (API field `payment_data`): a JSON object, sent and
   * compared as a whole, at most 16,384 characters (UTF-16 code units) as JSON and 32 levels deep.
   * Always stored as a secret; keep it in secret config (`pulumi config set --secret`).
   * @default undeclared: not managed, left as emnify holds it
   * @example { iban: "DE02120300000000202051" }
   */
  paymentData?: pulumi.Input<Record<string, unknown>>;
  /**
   * On `pulumi destroy` (or removal from the program), put back the values the managed fields had
   * before this resource adopted them. When false, the settings are left as they are (released).
   * @default false
   * @example true
   */
  restoreOnDelete?: pulumi.Input<boolean>;
}

/**
 * What the resource reports: what emnify holds after each `pulumi up` or `pulumi refresh`,
 * including settings the program does not declare. `null`: emnify holds nothing.
 */
export interface BillingConfigOutputs {
  /**
   * The organisation id, as declared.
   * @example 101
   */
  orgId: number;
  /**
   * The API's id of the billing configuration record (`id` in the GET answer), or `null` when the
   * API gives none.
   * @example 8
   */
  billingConfigId: number | null;
  /**
   * The VAT identification number emnify holds.
   * @example "DE123456789"
   */
  vatin: string | null;
  /**
   * The invoice issuer text emnify holds.
   * @example "Acme Telecom GmbH, Hauptstr. 1, 10115 Berlin"
   */
  invoiceIssuerInfo: string | null;
  /**
   * The charging model emnify holds, with its description when the API gives one.
   * @example { id: 1, description: "Postpaid" }
   */
  chargingModel: ReferenceOutput | null;
  /**
   * The payment term emnify holds.
   * @example { id: 1, description: "30 days" }
   */
  paymentTerm: ReferenceOutput | null;
  /**
   * The VAT rate emnify holds.
   * @example { id: 2 }
   */
  vatRate: ReferenceOutput | null;
  /**
   * The payment data emnify holds, as the API sends it. A secret output.
   * @example { iban: "DE02120300000000202051" }
   */
  paymentData: Record<string, unknown> | null;
  /**
   * Whether deleting the resource restores the adopted originals, as declared.
   * @default false
   */
  restoreOnDelete: boolean;
}

// The documented types above must name exactly the fields of the table (./fields), and the outputs
// must have the table's value types: adding a field there without documenting it here (or the
// other way round) fails to compile.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const argsMatchTable: Exactly<Exclude<keyof BillingConfigArgs, "orgId" | "restoreOnDelete">, FieldName> = true;
const outputsMatchTable: Exactly<Omit<BillingConfigOutputs, "orgId" | "billingConfigId" | "restoreOnDelete">, FieldValues> = true;
void [argsMatchTable, outputsMatchTable];

/** Outputs the provider keeps in the state for its own use (see ./mapping `BillingConfigState`). */
const INTERNAL_OUTPUTS = ["managedFields", "adoptedOriginal", "adoptionId"] as const;

/** Where the host finds the runtime module; see ./serializedProvider. */
function runtimeReference(): string {
  const runtimeFile = require.resolve("./runtime");
  if (runtimeFile.split(path.sep).includes("node_modules")) return "pulumi-emnify/runtime";
  return `./${path.relative(process.cwd(), runtimeFile).split(path.sep).join("/")}`;
}

let provider: BillingConfigResourceProvider | undefined;

/** The outputs, as the resource's properties. */
type OutputProperties = { readonly [K in keyof BillingConfigOutputs]: pulumi.Output<BillingConfigOutputs[K]> };

/**
 * What Pulumi serializes into `__provider`. Installed from node_modules: the module object of
 * ./dynamicProvider, which the serializer stores as
 * `require("pulumi-emnify/dist/provider/dynamicProvider.js")`, an export of its own
 * (~300 bytes per copy; the state holds two copies per resource). Otherwise (a program inside this
 * repository using the package by self-reference, where the serializer would copy a local module
 * by value): the shim of ./serializedProvider, which loads the runtime by path.
 */
function providerForThisInstall(): BillingConfigResourceProvider {
  const reference = runtimeReference();
  return reference === "pulumi-emnify/runtime" ? dynamicProviderModule : serializableProvider(reference);
}

/**
 * An emnify organisation's billing configuration, managed as a Pulumi dynamic resource.
 *
 * The configuration always exists: `create` adopts it (changing only declared fields that
 * differ), `update` changes it, `refresh` reads it, and `delete` releases it untouched unless
 * `restoreOnDelete` is set. Fields that are not declared are never sent.
 *
 * Arguments already known when it is constructed are checked there, as the provider's `check` does
 * (see `checkBillingConfigArgs`): a refused one throws a `pulumi.RunError` whose one-line message
 * names the resource, the property and the reason. Values not known yet are checked by the provider.
 *
 * @example
 * new BillingConfig("acme", { orgId: 101, vatin: "DE123456789", chargingModel: { id: 1 } });
 */
// The output properties are declared by merging this interface into the class (see OutputProperties).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface BillingConfig extends OutputProperties {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class BillingConfig extends pulumi.dynamic.Resource {
  constructor(name: string, args: BillingConfigArgs, opts?: pulumi.CustomResourceOptions) {
    const failures = checkBillingConfigArgs(args);
    if (failures.length > 0) throw new pulumi.RunError(argsFailureMessage(name, failures));
    provider ??= providerForThisInstall();
    // Recorded only when a restore may be asked for, and not for a resource read by id (opts.id).
    const restoreAsked = args.restoreOnDelete !== undefined && args.restoreOnDelete !== false;
    const originals = restoreAsked && opts?.id === undefined ? recordOriginals(name, args.orgId) : undefined;
    const props: Record<string, unknown> = { orgId: args.orgId };
    for (const field of FIELDS) {
      const value = args[field.name];
      // Secrets are marked on the way in as well as out, so the state never holds them in plain text.
      props[field.name] = value !== undefined && SECRET_FIELDS.includes(field.name) ? pulumi.secret(value) : value;
    }
    props.restoreOnDelete = args.restoreOnDelete;
    // The recorded originals: an input, so the engine creates (and checkpoints) the record first.
    if (originals) props.originals = originals.values;
    // Output-only properties are registered as undefined so the engine fills them in.
    props.billingConfigId = undefined;
    for (const name of INTERNAL_OUTPUTS) props[name] = undefined;
    super(
      provider,
      name,
      props,
      {
        ...(originals?.resource ? pulumi.mergeOptions(opts, { dependsOn: [originals.resource] }) : opts),
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...SECRET_FIELDS, "adoptedOriginal"],
      },
      "emnify",
      "BillingConfig",
    );
  }
}

/** Which BillingConfig declared each organisation, per program run (keyed by its Stack resource). */
const declaredOrgs = new WeakMap<object, Map<number, string>>();

/**
 * Two BillingConfigs for one organisation in one stack would share its record (same URN), and
 * each restore would undo the other: stop the program with both names. Only a plain orgId can be
 * checked at construction; an Output one is checked when it resolves.
 */
function claimOrganisation(name: string, orgId: number): void {
  const run = pulumi.runtime.getStackResource();
  if (run === undefined) return;
  let orgs = declaredOrgs.get(run);
  if (!orgs) declaredOrgs.set(run, (orgs = new Map<number, string>()));
  const other = orgs.get(orgId);
  if (other !== undefined && other !== name) {
    throw new Error(
      `BillingConfig "${name}" and BillingConfig "${other}" both declare emnify organisation ${orgId} with restoreOnDelete ` +
        `(they would share its record of originals); declare it once per stack, and rename with aliases`,
    );
  }
  orgs.set(orgId, name);
}

/**
 * The organisation's BillingOriginals (./billingOriginals) and its recorded values. A plain orgId
 * gets its record at once, and the BillingConfig depends on it. An Output orgId gets it when the id
 * is known (inside an apply, so `pulumi preview` does not list it); the values input still orders
 * the create.
 */
function recordOriginals(
  name: string,
  orgId: pulumi.Input<number>,
): { values: pulumi.Output<Partial<FieldValues>>; resource?: BillingOriginals } {
  if (typeof orgId === "number") {
    claimOrganisation(name, orgId);
    const resource = new BillingOriginals(orgId);
    return { values: resource.originals, resource };
  }
  return {
    values: pulumi.output(orgId).apply((id) => {
      claimOrganisation(name, id);
      return new BillingOriginals(id).originals;
    }),
  };
}
