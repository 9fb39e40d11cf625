/**
 * Provider settings, read and validated here and nowhere else: from the stack config that
 * `configure` receives, falling back to environment variables (the provider), or from the
 * environment only (the `pulumi-emnify export` command). Every message names the setting the way
 * its reader sets it. Resolved at call time (never at module scope), so nothing from the
 * environment is frozen into the serialized provider.
 */
import { EmnifyConfigurationError } from "../client/errors";
import { parseRateLimit } from "../client/pacer";

export const DEFAULT_ENDPOINT = "https://cdn.emnify.net";
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_RATE_LIMIT = "2000/300";

/** A source of stack config values by full key ("emnify:endpoint"). */
export type ConfigLookup = (key: string) => string | undefined;

/** Who reads the settings: the provider (stack config, then environment) or the CLI (environment only). */
export type SettingsReader = "provider" | "cli";

/** Every setting, with its stack config key and environment variable. */
export const SETTINGS = {
  applicationToken: { key: "emnify:applicationToken", env: "EMNIFY_APPLICATION_TOKEN" },
  endpoint: { key: "emnify:endpoint", env: "EMNIFY_API_URL" },
  timeoutSeconds: { key: "emnify:timeoutSeconds", env: "EMNIFY_TIMEOUT_SECONDS" },
  rateLimit: { key: "emnify:rateLimit", env: "EMNIFY_RATE_LIMIT" },
  maxAttempts: { key: "emnify:maxAttempts", env: "EMNIFY_MAX_ATTEMPTS" },
} as const;

type Setting = { key: string; env: string };

/** Where a token can come from. Only the stack config can be stale (see DECISIONS D19). */
export type TokenSource = "stack config" | "environment";

/** The settings, validated and parsed: what a client is built from. */
export interface ProviderSettings {
  /** The API base URL, checked, without a trailing slash. */
  endpoint: string;
  applicationToken: string;
  /**
   * Where the token came from: `pulumi refresh` and `pulumi destroy` configure the provider with
   * the config saved by the last `pulumi up`, so only a token from the stack config can be stale.
   */
  applicationTokenSource: TokenSource;
  timeoutMs: number;
  /** The API's limit, parsed from "requests/seconds". */
  rateLimit: { requests: number; windowMs: number };
  /** Undefined: the client's default. */
  maxAttempts?: number;
}

/** How a setting is named in a message: the provider reads both places, the CLI only the environment. */
function nameOf(setting: Setting, reader: SettingsReader): string {
  return reader === "cli" ? setting.env : `${setting.key} / ${setting.env}`;
}

function lookup(
  setting: Setting,
  config: ConfigLookup | undefined,
  env: NodeJS.ProcessEnv,
): { value: string; source: TokenSource } | undefined {
  const fromConfig = config?.(setting.key);
  if (fromConfig !== undefined && fromConfig !== "") return { value: fromConfig, source: "stack config" };
  const fromEnv = env[setting.env];
  return fromEnv !== undefined && fromEnv !== "" ? { value: fromEnv, source: "environment" } : undefined;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Checks an endpoint URL and returns it without a trailing slash. */
export function validateEndpoint(raw: string, reader: SettingsReader = "provider"): string {
  const where = nameOf(SETTINGS.endpoint, reader);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EmnifyConfigurationError(`${where} must be a URL such as ${DEFAULT_ENDPOINT}, got ${JSON.stringify(raw)}`);
  }
  if (url.username || url.password) {
    throw new EmnifyConfigurationError(`${where} must not contain credentials; set the application token on its own`);
  }
  if (url.search || url.hash) {
    throw new EmnifyConfigurationError(`${where} must not have a query or fragment, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new EmnifyConfigurationError(
      `${where} uses plain http:// to ${url.hostname}; only https:// is allowed, except for a loopback emulator (127.0.0.1, localhost, [::1])`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new EmnifyConfigurationError(`${where} must be an https:// URL, got ${url.protocol}`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

function positiveNumber(name: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new EmnifyConfigurationError(`${name} must be a positive ${integer ? "whole " : ""}number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** The message for a missing application token, in the reader's terms. */
export function missingTokenError(reader: SettingsReader = "provider"): EmnifyConfigurationError {
  const env = SETTINGS.applicationToken.env;
  return new EmnifyConfigurationError(
    reader === "cli"
      ? `no emnify application token is set: set the ${env} environment variable`
      : `no emnify application token is set: run 'pulumi config set --secret ${SETTINGS.applicationToken.key} <token>' ` +
          `or set the ${env} environment variable`,
  );
}

/**
 * Reads and validates every setting; throws an {@link EmnifyConfigurationError} naming the first
 * one that is wrong (the token last: a bad endpoint is reported even without a token).
 *
 * @param config  the stack config (the provider); `undefined` for the CLI, which reads only `env`.
 */
export function resolveSettings(config: ConfigLookup | undefined, env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const reader: SettingsReader = config === undefined ? "cli" : "provider";
  const get = (setting: Setting) => lookup(setting, config, env)?.value;
  const endpoint = validateEndpoint(get(SETTINGS.endpoint) ?? DEFAULT_ENDPOINT, reader);
  const timeoutRaw = get(SETTINGS.timeoutSeconds);
  const timeoutSeconds =
    timeoutRaw === undefined ? DEFAULT_TIMEOUT_SECONDS : positiveNumber(nameOf(SETTINGS.timeoutSeconds, reader), timeoutRaw, false);
  const maxAttemptsRaw = get(SETTINGS.maxAttempts);
  const maxAttempts = maxAttemptsRaw === undefined ? undefined : positiveNumber(nameOf(SETTINGS.maxAttempts, reader), maxAttemptsRaw, true);
  const rateLimit = parseRateLimit(get(SETTINGS.rateLimit) ?? DEFAULT_RATE_LIMIT, nameOf(SETTINGS.rateLimit, reader));
  const token = lookup(SETTINGS.applicationToken, config, env);
  if (token === undefined) throw missingTokenError(reader);
  return {
    endpoint,
    applicationToken: token.value,
    applicationTokenSource: token.source,
    timeoutMs: Math.round(timeoutSeconds * 1000),
    rateLimit,
    maxAttempts,
  };
}
