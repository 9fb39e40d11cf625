/**
 * `pulumi-resource-emnify`: the gRPC service the engine drives, on the protocol's own messages
 * (`@pulumi/pulumi/proto`). It is a thin wire adapter: every resource call goes to the one
 * lifecycle ({@link BillingConfigProvider}, shared with the dynamic resource), on plain values;
 * this file only unwraps secrets on the way in, wraps the secret outputs on the way out, and adds
 * what a plugin must do and the dynamic host does for us: the provider's configuration
 * (CheckConfig, DiffConfig, Configure), the schema, the detailed diff and the import's Read.
 *
 * One instance is one configured provider: the engine starts a process per provider (the default
 * one and each explicit `emnify.Provider`), and each instance keeps its own settings, token and
 * client, so two instances with different tokens never share a session.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import { Any } from "google-protobuf/google/protobuf/any_pb";
import * as engineproto from "@pulumi/pulumi/proto/engine_pb";
import type { EngineClient } from "@pulumi/pulumi/proto/engine_grpc_pb";
import type { BillingConfigApi } from "../billing/billingConfigApi";
import { FIELD_NAMES, FieldName, UNKNOWN_VALUE } from "../billing/fields";
import { declaredFields, fieldsToPatch, liveFromState, readStoredState } from "../billing/mapping";
import { CheckedInputs } from "../billing/inputChecks";
import { EmnifyAuthenticationError, EmnifyConfigurationError, STACK_CONFIG_TOKEN_HINT } from "../client/errors";
import { ConfigLookup, SETTINGS, TokenSource, resolveSettings } from "../config/settings";
import { BillingConfigPartialFailure, BillingConfigProvider, Logger } from "../resource/billingConfigProvider";
import { BillingOriginalsProvider } from "../resource/billingOriginalsProvider";
import { logToHost } from "../resource/hostLog";
import type { ProviderInputs } from "../resource/providerTypes";
import { PLUGIN_BILLING_CONFIG as BILLING_CONFIG_TOKEN, PLUGIN_BILLING_ORIGINALS as BILLING_ORIGINALS_TOKEN } from "../resource/typeTokens";
import { PropertyMap, SECRET_INPUTS, SECRET_OUTPUTS, fromStruct, toStruct, unwrapSecrets, wrapSecrets } from "./wire";

/** The resource types the plugin serves. */
export { BILLING_CONFIG_TOKEN, BILLING_ORIGINALS_TOKEN };

/** A record's outputs that are secret: the values it holds include payment data. */
const RECORD_SECRET_OUTPUTS: readonly string[] = ["originals"];

/** The resource type of a URN (`urn:pulumi:<stack>::<project>::<parent types$>type::<name>`). */
export function typeOfUrn(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/** The resource name of a URN (everything after the type). */
function nameOfUrn(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** The types this plugin serves, from a request's URN; anything else is refused by name. */
function servedType(urn: string): "config" | "record" {
  const type = typeOfUrn(urn);
  if (type === BILLING_CONFIG_TOKEN) return "config";
  if (type === BILLING_ORIGINALS_TOKEN) return "record";
  throw new Error(`pulumi-resource-emnify serves ${BILLING_CONFIG_TOKEN} and ${BILLING_ORIGINALS_TOKEN}, not ${JSON.stringify(type)}`);
}

/**
 * The warning for a `restoreOnDelete` BillingConfig created without its record of originals:
 * one line saying what to declare (DECISIONS D45).
 */
export function missingOriginalsWarning(orgId: number, resourceName: string): string {
  return (
    `organisation ${orgId}: restoreOnDelete without a record of originals, so a run killed after the first change loses ` +
    `the values to restore; declare an emnify:index:BillingOriginals named "org-${orgId}" with orgId ${orgId} and pass ` +
    `its originals to "${resourceName}" (Pulumi YAML: originals: \${org-${orgId}.originals}); adopting what emnify holds now`
  );
}

/** The package root: dist/provider/plugin/ → three levels up, in the repository and when installed. */
const PACKAGE_ROOT = path.resolve(__dirname, "..", "..", "..");

/** The package's version, which is the plugin's. */
export function pluginVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

/** The schema the package ships (generated from the field table; see tools/schema). */
export function schemaText(): string {
  return fs.readFileSync(path.join(PACKAGE_ROOT, "schema.json"), "utf8");
}

/** The setting names of the provider's configuration, without the `emnify:` namespace. */
const SETTING_NAMES = Object.keys(SETTINGS) as (keyof typeof SETTINGS)[];

/** A configuration value as the settings reader takes it: text (numbers from an explicit provider become text). */
function asSettingText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === UNKNOWN_VALUE) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A lookup by full key ("emnify:endpoint") over a provider's inputs keyed by name ("endpoint"). */
export function lookupOf(inputs: PropertyMap): ConfigLookup {
  return (key) => asSettingText(inputs[key.replace(/^emnify:/, "")]);
}

type Callback<Res> = (error: Partial<grpc.StatusObject> | null, response?: Res) => void;
type Handler<Req, Res> = (call: { request: Req }, callback: Callback<Res>) => void;

/**
 * Where a plugin instance's token comes from: each provider has its own, so the dynamic resource's
 * hint (the stack config) is right only for the default provider.
 */
export const PLUGIN_TOKEN_HINT =
  "this provider's application token: an explicit emnify provider's applicationToken argument, or for the default provider " +
  "'pulumi config set --secret emnify:applicationToken' (either falls back to the EMNIFY_APPLICATION_TOKEN environment variable)";

/** The error's one line, with the plugin's token hint on a rejected token. */
export function pluginErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof EmnifyAuthenticationError)) return message;
  return message
    .replace(STACK_CONFIG_TOKEN_HINT, PLUGIN_TOKEN_HINT)
    .replace("if emnify:applicationToken was changed since", "if the provider's applicationToken was changed since");
}

/** A failed call as the engine reads it; a partial create or update carries the state to record. */
function grpcError(error: unknown): Partial<grpc.StatusObject> {
  const message = pluginErrorMessage(error);
  const metadata = new grpc.Metadata();
  if (error instanceof BillingConfigPartialFailure) {
    const detail = new provproto.ErrorResourceInitFailed();
    detail.setId(error.id);
    const { __provider: _provider, ...state } = error.properties;
    void _provider;
    detail.setProperties(toStruct(wrapSecrets(state, SECRET_OUTPUTS)));
    detail.setReasonsList(error.reasons);
    const details = new Any();
    details.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new statusproto.Status();
    status.setCode(grpc.status.UNKNOWN);
    status.setMessage(message);
    status.addDetails(details);
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
  }
  return { code: grpc.status.UNKNOWN, details: message, metadata };
}

/** A handler from an async function; every failure becomes a gRPC error, never a crash. */
function unary<Req, Res>(body: (request: Req) => Promise<Res>): Handler<Req, Res> {
  return (call, callback) => {
    body(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback(grpcError(error)),
    );
  };
}

function propertyDiff(kind: provproto.PropertyDiff.Kind): provproto.PropertyDiff {
  return new provproto.PropertyDiff().setKind(kind).setInputdiff(true);
}

export interface PluginOptions {
  /** The environment the settings fall back to (default: the process's). */
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** The engine's address (the plugin's first argument): warnings go to its Log service, shown against the resource. */
  engineAddress?: string;
  /** How a warning about a resource reaches the user (default: the engine's Log service, else the log). */
  warn?: (urn: string, line: string) => Promise<void>;
}

/** One configured `emnify` provider. */
export class EmnifyProviderPlugin {
  private configLookup: ConfigLookup = () => undefined;
  private cached: { fingerprint: string; api: BillingConfigApi; tokenSource: TokenSource } | undefined;
  private readonly env: NodeJS.ProcessEnv;
  /** The one lifecycle, shared with the dynamic resource. */
  readonly lifecycle: BillingConfigProvider;
  /** The records of originals: the dynamic BillingOriginals' lifecycle. */
  readonly records: BillingOriginalsProvider;
  private readonly warn: (urn: string, line: string) => Promise<void>;
  private engine: EngineClient | undefined;

  constructor(private readonly options: PluginOptions = {}) {
    this.env = options.env ?? process.env;
    const log = options.log ?? logToHost;
    this.lifecycle = new BillingConfigProvider(() => this.api(), { log, tokenSource: () => this.cached?.tokenSource });
    this.records = new BillingOriginalsProvider(() => this.api());
    this.warn = options.warn ?? ((urn, line) => this.warnThroughEngine(urn, line, log));
  }

  /** A warning shown against the resource, through the engine's Log service; the log line when there is no engine. */
  private async warnThroughEngine(urn: string, line: string, log: Logger): Promise<void> {
    const address = this.options.engineAddress;
    if (address === undefined || address === "") {
      log(`warning: ${line}`);
      return;
    }
    if (this.engine === undefined) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { EngineClient } = require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
      this.engine = new EngineClient(address, grpc.credentials.createInsecure());
    }
    const request = new engineproto.LogRequest().setSeverity(engineproto.LogSeverity.WARNING).setMessage(line).setUrn(urn);
    await new Promise<void>((resolve) =>
      this.engine?.log(request, (error) => {
        if (error) log(`warning: ${line}`);
        resolve();
      }),
    );
  }

  /** The API for this instance's settings, made once per distinct settings (a hash of them, never the token). */
  private api(): BillingConfigApi {
    const settings = resolveSettings(this.configLookup, this.env);
    const fingerprint = createHash("sha256").update(JSON.stringify(settings)).digest("hex");
    if (this.cached?.fingerprint !== fingerprint) {
      // Loaded on first use: the HTTP client (axios, zod) is most of the start-up time, and the
      // engine waits for the port before anything else.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { billingConfigApi } = require("../billing/billingConfigApi") as typeof import("../billing/billingConfigApi");
      const { clientFromSettings } = require("../config/clientFromSettings") as typeof import("../config/clientFromSettings");
      /* eslint-enable @typescript-eslint/no-require-imports */
      this.cached = { fingerprint, api: billingConfigApi(clientFromSettings(settings)), tokenSource: settings.applicationTokenSource };
    }
    return this.cached.api;
  }

  /** The settings failures of a provider's inputs, by property; a missing token is not one (the environment may hold it at run time). */
  checkSettings(inputs: PropertyMap): { property: string; reason: string }[] {
    const known: PropertyMap = {};
    for (const [key, value] of Object.entries(inputs)) if (value !== UNKNOWN_VALUE) known[key] = value;
    try {
      resolveSettings(lookupOf({ applicationToken: "(checked later)", ...known }), this.env);
      return [];
    } catch (error) {
      if (!(error instanceof EmnifyConfigurationError)) throw error;
      const property = SETTING_NAMES.find((name) => error.message.includes(SETTINGS[name].key)) ?? "";
      return [{ property, reason: error.message }];
    }
  }

  /**
   * A record's Read: its stored values, with no API call (refresh keeps the record as it is). An
   * import (`pulumi import emnify:index:BillingOriginals org-<id> <id>`, no state) records the
   * organisation as it is now, with one GET, as a create would.
   */
  private async readRecord(id: string, state: PropertyMap): Promise<provproto.ReadResponse> {
    const response = new provproto.ReadResponse().setId(id);
    if (Object.keys(state).length === 0) {
      const orgId = Number(id);
      const checked = await this.records.check({}, { orgId });
      if ((checked.failures ?? []).length > 0)
        throw new Error(`cannot import a BillingOriginals with id ${JSON.stringify(id)}: the id is the organisation id`);
      const record = await this.records.create({ orgId });
      response.setProperties(toStruct(wrapSecrets(record.outs as PropertyMap, RECORD_SECRET_OUTPUTS)));
      return response.setInputs(toStruct({ orgId }));
    }
    const result = await this.records.read(id, state);
    response.setProperties(toStruct(wrapSecrets((result.props ?? {}) as PropertyMap, RECORD_SECRET_OUTPUTS)));
    if (result.inputs !== undefined) response.setInputs(toStruct(result.inputs as PropertyMap));
    return response;
  }

  /** The service's handlers, for `grpc.Server.addService(ResourceProviderService, ...)`. */
  service(): grpc.UntypedServiceImplementation {
    return {
      getPluginInfo: unary<Empty, plugproto.PluginInfo>(async () => new plugproto.PluginInfo().setVersion(pluginVersion())),
      getSchema: unary<provproto.GetSchemaRequest, provproto.GetSchemaResponse>(async (req) => {
        if (req.getVersion() !== 0) throw new Error(`unsupported schema version ${req.getVersion()}`);
        return new provproto.GetSchemaResponse().setSchema(schemaText());
      }),
      checkConfig: unary<provproto.CheckRequest, provproto.CheckResponse>(async (req) => {
        const news = unwrapSecrets(fromStruct(req.getNews()));
        const response = new provproto.CheckResponse().setInputs(
          toStruct(wrapSecrets(news.plain, [...news.secretKeys, "applicationToken"])),
        );
        for (const failure of this.checkSettings(news.plain)) {
          response.addFailures(new provproto.CheckFailure().setProperty(failure.property).setReason(failure.reason));
        }
        return response;
      }),
      diffConfig: unary<provproto.DiffRequest, provproto.DiffResponse>(async (req) => {
        const olds = unwrapSecrets(fromStruct(req.getOldInputs() ?? req.getOlds())).plain;
        const news = unwrapSecrets(fromStruct(req.getNews())).plain;
        // A changed setting changes how this provider signs in and paces, never which organisations
        // its resources are: an update in place, never a replacement.
        const changed = SETTING_NAMES.filter((name) => asSettingText(olds[name]) !== asSettingText(news[name]));
        const response = new provproto.DiffResponse();
        response.setChanges(
          changed.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE,
        );
        response.setDiffsList(changed);
        return response;
      }),
      configure: unary<provproto.ConfigureRequest, provproto.ConfigureResponse>(async (req) => {
        let inputs: PropertyMap;
        if (req.hasArgs()) inputs = unwrapSecrets(fromStruct(req.getArgs())).plain;
        else {
          inputs = {};
          for (const [key, value] of req.getVariablesMap().entries()) inputs[key.replace(/^emnify:(config:)?/, "")] = value;
        }
        this.configLookup = lookupOf(inputs);
        this.cached = undefined;
        return new provproto.ConfigureResponse().setAcceptsecrets(true).setAcceptresources(false).setSupportspreview(false);
      }),
      check: unary<provproto.CheckRequest, provproto.CheckResponse>(async (req) => {
        const olds = unwrapSecrets(fromStruct(req.getOlds())).plain;
        const news = unwrapSecrets(fromStruct(req.getNews()));
        const isConfig = servedType(req.getUrn()) === "config";
        const result = isConfig ? await this.lifecycle.check(olds, news.plain) : await this.records.check(olds, news.plain);
        const response = new provproto.CheckResponse().setInputs(
          toStruct(wrapSecrets(result.inputs as PropertyMap, isConfig ? [...news.secretKeys, ...SECRET_INPUTS] : [...news.secretKeys])),
        );
        for (const failure of result.failures ?? []) {
          response.addFailures(new provproto.CheckFailure().setProperty(failure.property).setReason(failure.reason));
        }
        return response;
      }),
      diff: unary<provproto.DiffRequest, provproto.DiffResponse>(async (req) => {
        const olds = unwrapSecrets(fromStruct(req.getOlds())).plain;
        const news = unwrapSecrets(fromStruct(req.getNews())).plain;
        const isConfig = servedType(req.getUrn()) === "config";
        const result = isConfig
          ? await this.lifecycle.diff(req.getId(), olds, news as ProviderInputs)
          : await this.records.diff(req.getId(), olds, news);
        const response = new provproto.DiffResponse();
        const detailed = !result.changes
          ? new Map<string, provproto.PropertyDiff>()
          : isConfig
            ? detailedDiff(olds, news, result.replaces ?? [])
            : new Map((result.replaces ?? []).map((key) => [key, propertyDiff(provproto.PropertyDiff.Kind.UPDATE_REPLACE)]));
        response.setChanges(result.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
        response.setReplacesList(result.replaces ?? []);
        response.setDeletebeforereplace(result.deleteBeforeReplace ?? false);
        response.setDiffsList([...detailed.keys()]);
        response.setHasdetaileddiff(true);
        for (const [key, diff] of detailed) response.getDetaileddiffMap().set(key, diff);
        return response;
      }),
      create: unary<provproto.CreateRequest, provproto.CreateResponse>(async (req) => {
        const inputs = unwrapSecrets(fromStruct(req.getProperties())).plain;
        const urn = req.getUrn();
        if (servedType(urn) === "record") {
          const record = await this.records.create(inputs);
          return new provproto.CreateResponse()
            .setId(record.id)
            .setProperties(toStruct(wrapSecrets(record.outs as PropertyMap, RECORD_SECRET_OUTPUTS)));
        }
        const result = await this.lifecycle.create(inputs as ProviderInputs, {
          missingOriginals: (orgId) => this.warn(urn, missingOriginalsWarning(orgId, nameOfUrn(urn))),
        });
        return new provproto.CreateResponse().setId(result.id).setProperties(toStruct(wrapSecrets(result.outs, SECRET_OUTPUTS)));
      }),
      read: unary<provproto.ReadRequest, provproto.ReadResponse>(async (req) => {
        const state = unwrapSecrets(fromStruct(req.getProperties())).plain;
        if (servedType(req.getUrn()) === "record") return this.readRecord(req.getId(), state);
        // `pulumi import` (and the `import` option) read with the id alone: no state, no inputs.
        const result =
          Object.keys(state).length === 0
            ? await this.lifecycle.importExisting(req.getId())
            : await this.lifecycle.read(req.getId(), state);
        const response = new provproto.ReadResponse().setId(result.id ?? "");
        if (result.id === undefined) return response;
        response.setProperties(toStruct(wrapSecrets((result.props ?? {}) as PropertyMap, SECRET_OUTPUTS)));
        if (result.inputs !== undefined) response.setInputs(toStruct(wrapSecrets(result.inputs as PropertyMap, SECRET_INPUTS)));
        return response;
      }),
      update: unary<provproto.UpdateRequest, provproto.UpdateResponse>(async (req) => {
        const olds = unwrapSecrets(fromStruct(req.getOlds())).plain;
        const news = unwrapSecrets(fromStruct(req.getNews())).plain;
        if (servedType(req.getUrn()) === "record") {
          const record = await this.records.update(req.getId(), olds);
          return new provproto.UpdateResponse().setProperties(
            toStruct(wrapSecrets((record.outs ?? {}) as PropertyMap, RECORD_SECRET_OUTPUTS)),
          );
        }
        const result = await this.lifecycle.update(req.getId(), olds, news as ProviderInputs);
        return new provproto.UpdateResponse().setProperties(toStruct(wrapSecrets(result.outs ?? {}, SECRET_OUTPUTS)));
      }),
      delete: unary<provproto.DeleteRequest, Empty>(async (req) => {
        // Forgetting a record changes nothing in emnify; a BillingConfig releases or restores.
        if (servedType(req.getUrn()) === "record") await this.records.delete();
        else await this.lifecycle.delete(req.getId(), unwrapSecrets(fromStruct(req.getProperties())).plain);
        return new Empty();
      }),
      // Every call is a short HTTP exchange that the client already bounds with its timeout.
      cancel: unary<Empty, Empty>(async () => new Empty()),
    };
  }
}

/**
 * What changes, property by property, for the engine's display: a replaced organisation, values
 * that differ from what emnify holds (update), fields newly declared (add) or no longer declared
 * (delete: released, not changed in emnify), and `restoreOnDelete`.
 */
export function detailedDiff(olds: PropertyMap, news: PropertyMap, replaces: string[]): Map<string, provproto.PropertyDiff> {
  const Kind = provproto.PropertyDiff.Kind;
  const detailed = new Map<string, provproto.PropertyDiff>();
  if (replaces.includes("orgId")) {
    detailed.set("orgId", propertyDiff(Kind.UPDATE_REPLACE));
    return detailed;
  }
  const declared = news as Partial<CheckedInputs>;
  const stored = readStoredState(olds);
  const differing = new Set<FieldName>(fieldsToPatch(declared, liveFromState(olds).values));
  const declaredNow = declaredFields(declared);
  for (const name of FIELD_NAMES) {
    const isDeclared = declaredNow.includes(name);
    const wasManaged = stored.managedFields.includes(name);
    if (isDeclared && !wasManaged) detailed.set(name, propertyDiff(Kind.ADD));
    else if (!isDeclared && wasManaged) detailed.set(name, propertyDiff(Kind.DELETE));
    else if (differing.has(name)) detailed.set(name, propertyDiff(Kind.UPDATE));
  }
  if ((declared.restoreOnDelete ?? false) !== stored.restoreOnDelete) detailed.set("restoreOnDelete", propertyDiff(Kind.UPDATE));
  return detailed;
}
