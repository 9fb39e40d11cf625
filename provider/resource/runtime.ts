/**
 * What runs inside Pulumi's dynamic-provider host. The serialized `__provider` shim requires this
 * module at run time (see ./serializedProvider), so there is one instance per host process, and
 * with it one client, one authenticated session and one request pacer shared by every resource of
 * the stack, however many run concurrently.
 *
 * Not an API: `pulumi-emnify/runtime` is in package.json `exports` (without types) only because the
 * serialized provider loads it by that name; its contents may change in any release.
 *
 * @internal
 */
import { createHash } from "node:crypto";
import { BillingConfigApi, billingConfigApi } from "../billing/billingConfigApi";
import { BillingConfigProvider } from "./billingConfigProvider";
import { BillingOriginalsProvider } from "./billingOriginalsProvider";
import { clientFromSettings } from "../config/clientFromSettings";
import { logToHost } from "./hostLog";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { BillingConfigResourceProvider } from "./providerTypes";
import { ConfigLookup, TokenSource, resolveSettings } from "../config/settings";

let configLookup: ConfigLookup = () => undefined;
/** The API for the settings last resolved, and where its token came from. */
let cached: { fingerprint: string; api: BillingConfigApi; tokenSource: TokenSource } | undefined;

/** Settings are resolved at each call, so a changed environment or config is picked up. */
function currentApi(): BillingConfigApi {
  const settings = resolveSettings(configLookup, process.env);
  // The fingerprint holds a hash of the token, never the token.
  const fingerprint = createHash("sha256").update(JSON.stringify(settings)).digest("hex");
  if (cached?.fingerprint !== fingerprint) {
    const client = clientFromSettings(settings, { log: logToHost });
    cached = { fingerprint, api: billingConfigApi(client), tokenSource: settings.applicationTokenSource };
  }
  return cached.api;
}

/** The token's source is that of the API in use: a rejected token is always met through it. */
const provider = new BillingConfigProvider(currentApi, { log: logToHost, tokenSource: () => cached?.tokenSource });

const originalsProvider = new BillingOriginalsProvider(currentApi);

type Configure = (req: { config: { get(key: string): string | undefined } }) => Promise<void>;
type Method = "check" | "diff" | "create" | "read" | "update" | "delete";
type RuntimeOf<P extends Partial<Record<Method, unknown>>> = Required<Pick<P, Method>> & {
  configure: Configure;
};

/** Both providers share the stack config (one host serves every dynamic resource of a stack). */
const configure: Configure = async (req) => {
  const config = req.config;
  configLookup = (key) => {
    const value = config.get(key);
    return typeof value === "string" ? value : value === undefined || value === null ? undefined : String(value);
  };
};

/** The object the serialized shim delegates every BillingConfig call to. */
export const billingConfigRuntime: RuntimeOf<BillingConfigResourceProvider> = {
  configure,
  check: (olds, news) => provider.check(olds, news),
  diff: (id, olds, news) => provider.diff(id, olds, news),
  create: (inputs) => provider.create(inputs),
  read: (id, props) => provider.read(id, props),
  update: (id, olds, news) => provider.update(id, olds, news),
  delete: (id, props) => provider.delete(id, props),
};

/** The object the serialized shim delegates every BillingOriginals call to. */
export const billingOriginalsRuntime: RuntimeOf<dynamic.ResourceProvider> = {
  configure,
  /* eslint-disable @typescript-eslint/no-unsafe-argument */
  check: (olds, news) => originalsProvider.check(olds, news),
  diff: (id, olds, news) => originalsProvider.diff(id, olds, news),
  create: (inputs) => originalsProvider.create(inputs),
  read: (id, props) => originalsProvider.read(id, props),
  update: (id, olds) => originalsProvider.update(id, olds),
  delete: () => originalsProvider.delete(),
  /* eslint-enable @typescript-eslint/no-unsafe-argument */
};
