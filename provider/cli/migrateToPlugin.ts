/**
 * `pulumi-emnify migrate-to-plugin`: rewrites a stack's state (`pulumi stack export`) so that its
 * dynamic `BillingConfig`s and records of originals become the provider plugin's resources, as if
 * the plugin had created them. A pure JSON transform, made whole in memory before anything is
 * written: no API call, no decryption (secrets keep their ciphertext), and any resource it does
 * not understand refuses the whole state with one line naming it (DECISIONS D46).
 *
 * What changes:
 * - the type tokens `pulumi-nodejs:dynamic/emnify:BillingConfig` → `emnify:index:BillingConfig`
 *   and `pulumi-nodejs:dynamic/emnify:BillingOriginals` → `emnify:index:BillingOriginals`, in
 *   `type` and in every URN (also of children, and where URNs are referenced: parent,
 *   dependencies, propertyDependencies, deletedWith, replaceWith);
 * - `__provider` (the serialized dynamic provider) leaves inputs, outputs and propertyDependencies;
 * - those resources point at the `emnify` default provider, `pulumi:providers:emnify::default`,
 *   added with the `emnify:*` settings that the dynamic default provider stored (the stack config
 *   of the last `pulumi up`, secrets as ciphertext): the inputs the engine gives that provider
 *   from the same config, so it sees no change;
 * - the dynamic default provider is dropped when nothing else uses it.
 */
import { FIELD_NAMES } from "../billing/fields";

import { DYNAMIC_BILLING_CONFIG, DYNAMIC_BILLING_ORIGINALS, PLUGIN_BILLING_CONFIG, PLUGIN_BILLING_ORIGINALS } from "../resource/typeTokens";
export { DYNAMIC_BILLING_CONFIG, DYNAMIC_BILLING_ORIGINALS, PLUGIN_BILLING_CONFIG, PLUGIN_BILLING_ORIGINALS };
const DYNAMIC_PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";
const EMNIFY_PROVIDER_TYPE = "pulumi:providers:emnify";
/** The name the engine gives the default provider when the program asks for no version (the plugin's SDKs ask for none). */
const DEFAULT_PROVIDER_NAME = "default";

const TYPE_MAP: ReadonlyMap<string, string> = new Map([
  [DYNAMIC_BILLING_CONFIG, PLUGIN_BILLING_CONFIG],
  [DYNAMIC_BILLING_ORIGINALS, PLUGIN_BILLING_ORIGINALS],
]);

/** The properties each migrated type may hold (besides `__provider`); anything else is refused. */
const KNOWN_PROPERTIES: ReadonlyMap<string, { inputs: ReadonlySet<string>; outputs: ReadonlySet<string> }> = new Map([
  [
    DYNAMIC_BILLING_CONFIG,
    {
      inputs: new Set(["orgId", ...FIELD_NAMES, "restoreOnDelete", "originals"]),
      outputs: new Set(["orgId", ...FIELD_NAMES, "restoreOnDelete", "billingConfigId", "managedFields", "adoptedOriginal", "adoptionId"]),
    },
  ],
  [DYNAMIC_BILLING_ORIGINALS, { inputs: new Set(["orgId"]), outputs: new Set(["orgId", "originals"]) }],
]);

/** Why a state cannot be migrated: one line, naming the resource. */
export class MigrationError extends Error {
  override name = "MigrationError";
}

/** One resource of a deployment, as `pulumi stack export` writes it (fields this tool does not read pass through). */
export interface StateResourceJson {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  delete?: boolean;
  external?: boolean;
  provider?: string;
  parent?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  deletedWith?: string;
  replaceWith?: string[];
  pendingReplacement?: boolean;
  [other: string]: unknown;
}

export interface StackExportJson {
  version: number;
  deployment: {
    resources?: StateResourceJson[];
    pending_operations?: unknown[];
    [other: string]: unknown;
  };
  [other: string]: unknown;
}

export interface MigrationResult {
  state: StackExportJson;
  /** How many resources of each type were migrated. */
  billingConfigs: number;
  records: number;
}

interface ParsedUrn {
  prefix: string; // "urn:pulumi:<stack>::<project>"
  qualifiedType: string;
  name: string;
}

function parseUrn(urn: string): ParsedUrn | undefined {
  // `urn:pulumi:<stack>::<project>::<qualified type>::<name>`: only the name may hold "::".
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) return undefined;
  return { prefix: `${parts[0]}::${parts[1]}`, qualifiedType: parts[2], name: parts.slice(3).join("::") };
}

/** The URN with every migrated type token in its qualified type (`parent$child`) replaced. */
function migratedUrn(urn: string): string {
  const parsed = parseUrn(urn);
  if (!parsed) return urn;
  const segments = parsed.qualifiedType.split("$").map((segment) => TYPE_MAP.get(segment) ?? segment);
  return `${parsed.prefix}::${segments.join("$")}::${parsed.name}`;
}

/** The display name of a resource for an error: its type and name. */
function describe(resource: StateResourceJson): string {
  const name = parseUrn(resource.urn)?.name ?? resource.urn;
  return `${resource.type} "${name}"`;
}

/** A provider reference `<urn>::<id>` split; the id is what follows the last "::". */
function splitProviderReference(reference: string): { urn: string; id: string } {
  const at = reference.lastIndexOf("::");
  return { urn: reference.slice(0, at), id: reference.slice(at + 2) };
}

function withoutProviderCode(
  resource: StateResourceJson,
  key: "inputs" | "outputs",
  known: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  const properties = resource[key];
  if (properties === undefined) return undefined;
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (name === "__provider") continue;
    if (!known.has(name))
      throw new MigrationError(
        `${describe(resource)}: unknown ${key.slice(0, -1)} '${name}'; this version of pulumi-emnify cannot migrate it`,
      );
    kept[name] = value;
  }
  return kept;
}

/**
 * Rewrites an exported state for the plugin. Throws {@link MigrationError} (and returns nothing)
 * on anything it does not understand.
 */
export function migrateToPlugin(exported: unknown): MigrationResult {
  if (exported === null || typeof exported !== "object" || Array.isArray(exported)) {
    throw new MigrationError("not a stack export: expected the JSON object `pulumi stack export` writes");
  }
  const input = exported as StackExportJson;
  if (input.version !== 3) {
    throw new MigrationError(`unsupported stack export version ${JSON.stringify(input.version)} (this tool reads version 3)`);
  }
  if (input.deployment === null || typeof input.deployment !== "object") throw new MigrationError("not a stack export: no deployment");
  const pending = input.deployment.pending_operations ?? [];
  if (pending.length > 0) {
    throw new MigrationError(
      `the state has ${pending.length} pending operation(s) of a run that did not finish; recover first (README: Recovering a killed run), then export again`,
    );
  }
  const resources = input.deployment.resources ?? [];
  if (!Array.isArray(resources)) throw new MigrationError("not a stack export: deployment.resources is not a list");

  const migrated = resources.filter((r) => TYPE_MAP.has(r.type));
  for (const r of resources) {
    if (r.type.startsWith("pulumi-nodejs:dynamic/emnify:") && !TYPE_MAP.has(r.type)) {
      throw new MigrationError(`${describe(r)}: unknown resource type; this version of pulumi-emnify cannot migrate it`);
    }
  }
  if (migrated.length === 0) {
    throw new MigrationError(`nothing to migrate: the state holds no ${DYNAMIC_BILLING_CONFIG}`);
  }

  // The one dynamic default provider that every migrated resource uses.
  let dynamicProviderReference: string | undefined;
  for (const r of migrated) {
    if (r.delete === true || r.pendingReplacement === true) {
      throw new MigrationError(`${describe(r)}: left half-replaced by an earlier run; run \`pulumi up\` to finish it, then export again`);
    }
    if (r.external === true)
      throw new MigrationError(
        `${describe(r)}: read by id (the \`id\` option), not managed; remove the \`id\` option and run \`pulumi up\` first`,
      );
    if (typeof r.provider !== "string") throw new MigrationError(`${describe(r)}: has no provider reference`);
    const { urn: providerUrn } = splitProviderReference(r.provider);
    if (parseUrn(providerUrn)?.qualifiedType !== DYNAMIC_PROVIDER_TYPE) {
      throw new MigrationError(`${describe(r)}: its provider ${providerUrn} is not the dynamic provider`);
    }
    if (dynamicProviderReference !== undefined && dynamicProviderReference !== r.provider) {
      throw new MigrationError(`${describe(r)}: uses dynamic provider ${r.provider}, another resource ${dynamicProviderReference}`);
    }
    dynamicProviderReference = r.provider;
  }
  const dynamicProviderUrn = splitProviderReference(dynamicProviderReference!).urn;
  const dynamicProvider = resources.find((r) => r.urn === dynamicProviderUrn && r.delete !== true);
  if (!dynamicProvider) throw new MigrationError(`the dynamic provider ${dynamicProviderUrn} that the resources use is not in the state`);

  // The emnify default provider: the one already in the state (a stack that has plugin resources
  // too), or one with the settings the dynamic provider was given.
  const prefix = parseUrn(dynamicProviderUrn)!.prefix;
  const emnifyProviderUrn = `${prefix}::${EMNIFY_PROVIDER_TYPE}::${DEFAULT_PROVIDER_NAME}`;
  const existing = resources.find((r) => r.urn === emnifyProviderUrn && r.delete !== true);
  let emnifyProvider: StateResourceJson | undefined;
  if (!existing) {
    const settings: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(dynamicProvider.inputs ?? {})) {
      if (key.startsWith("emnify:")) settings[key.slice("emnify:".length)] = value;
    }
    emnifyProvider = {
      urn: emnifyProviderUrn,
      custom: true,
      // Any unique id will do; the dynamic provider's keeps the transform deterministic.
      id: dynamicProvider.id,
      type: EMNIFY_PROVIDER_TYPE,
      inputs: settings,
      outputs: structuredClone(settings),
    };
    if (typeof dynamicProvider.created === "string") emnifyProvider.created = dynamicProvider.created;
    if (typeof dynamicProvider.modified === "string") emnifyProvider.modified = dynamicProvider.modified;
  }
  const emnifyProviderReference = existing ? `${existing.urn}::${existing.id}` : `${emnifyProviderUrn}::${emnifyProvider!.id}`;

  // Every URN that changes, old → new (children of a migrated resource included).
  const urnMap = new Map<string, string>();
  for (const r of resources) {
    const next = migratedUrn(r.urn);
    if (next !== r.urn) urnMap.set(r.urn, next);
  }
  const taken = new Set(resources.map((r) => r.urn));
  for (const [from, to] of urnMap) {
    if (taken.has(to)) throw new MigrationError(`${to} is already in the state; cannot move ${from} there`);
  }
  const mapUrn = (urn: string) => urnMap.get(urn) ?? urn;

  let billingConfigs = 0;
  let records = 0;
  const output: StateResourceJson[] = [];
  for (const r of resources) {
    const next: StateResourceJson = structuredClone(r);
    next.urn = mapUrn(r.urn);
    if (typeof r.parent === "string") next.parent = mapUrn(r.parent);
    if (Array.isArray(r.dependencies)) next.dependencies = r.dependencies.map(mapUrn);
    if (typeof r.deletedWith === "string") next.deletedWith = mapUrn(r.deletedWith);
    if (Array.isArray(r.replaceWith)) next.replaceWith = r.replaceWith.map(mapUrn);
    if (r.propertyDependencies !== undefined) {
      next.propertyDependencies = {};
      for (const [key, urns] of Object.entries(r.propertyDependencies)) next.propertyDependencies[key] = urns.map(mapUrn);
    }
    const newType = TYPE_MAP.get(r.type);
    if (newType !== undefined) {
      const known = KNOWN_PROPERTIES.get(r.type)!;
      next.type = newType;
      next.provider = emnifyProviderReference;
      next.inputs = withoutProviderCode(r, "inputs", known.inputs);
      next.outputs = withoutProviderCode(r, "outputs", known.outputs);
      if (next.inputs === undefined) delete next.inputs;
      if (next.outputs === undefined) delete next.outputs;
      if (next.propertyDependencies !== undefined) delete next.propertyDependencies.__provider;
      if (r.type === DYNAMIC_BILLING_CONFIG) billingConfigs++;
      else records++;
    }
    // The emnify provider goes where the dynamic one was: before every resource that uses it.
    if (r === dynamicProvider && emnifyProvider) output.push(emnifyProvider);
    output.push(next);
  }

  // The dynamic provider stays only while something still uses it (say, another dynamic resource).
  const stillUsed = output.some((r) => typeof r.provider === "string" && splitProviderReference(r.provider).urn === dynamicProviderUrn);
  const finalResources = stillUsed ? output : output.filter((r) => r.urn !== dynamicProviderUrn);

  const state = structuredClone({ ...input, deployment: { ...input.deployment, resources: [] } }) as StackExportJson;
  state.deployment.resources = finalResources;
  return { state, billingConfigs, records };
}
