/**
 * Provider settings: read from the stack config that `configure` receives, falling back to
 * environment variables. Resolved at call time (never at module scope), so nothing from the
 * environment is frozen into the serialized provider.
 */
import { EmnifyConfigurationError } from "./client/errors";

export const DEFAULT_ENDPOINT = "https://cdn.emnify.net";
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_RATE_LIMIT = "2000/300";

/** A source of stack config values by full key ("emnify:endpoint"). */
export type ConfigLookup = (key: string) => string | undefined;

/** Every setting, with its stack config key and environment variable. */
export const SETTINGS = {
  applicationToken: { key: "emnify:applicationToken", env: "EMNIFY_APPLICATION_TOKEN" },
  endpoint: { key: "emnify:endpoint", env: "EMNIFY_API_URL" },
  timeoutSeconds: { key: "emnify:timeoutSeconds", env: "EMNIFY_TIMEOUT_SECONDS" },
  rateLimit: { key: "emnify:rateLimit", env: "EMNIFY_RATE_LIMIT" },
  maxAttempts: { key: "emnify:maxAttempts", env: "EMNIFY_MAX_ATTEMPTS" },
} as const;

export interface ProviderSettings {
  endpoint: string;
  /** Undefined when neither the config nor the environment sets it; reported on first API use. */
  applicationToken?: string;
  /**
   * Where the token came from. Only a token from the stack config can be stale: `pulumi refresh`
   * and `pulumi destroy` configure the provider with the config saved by the last `pulumi up`.
   */
  applicationTokenSource?: "stack config" | "environment";
  timeoutMs: number;
  /** "requests/seconds", parsed by the pacer. */
  rateLimit: string;
  maxAttempts?: number;
}

function lookupWithSource(
  setting: { key: string; env: string },
  config: ConfigLookup,
  env: NodeJS.ProcessEnv,
): { value: string; source: "stack config" | "environment" } | undefined {
  const fromConfig = config(setting.key);
  if (fromConfig !== undefined && fromConfig !== "") return { value: fromConfig, source: "stack config" };
  const fromEnv = env[setting.env];
  return fromEnv !== undefined && fromEnv !== "" ? { value: fromEnv, source: "environment" } : undefined;
}

function lookup(setting: { key: string; env: string }, config: ConfigLookup, env: NodeJS.ProcessEnv): string | undefined {
  return lookupWithSource(setting, config, env)?.value;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Checks an endpoint URL and returns it without a trailing slash. */
export function validateEndpoint(raw: string): string {
  const where = `${SETTINGS.endpoint.key} / ${SETTINGS.endpoint.env}`;
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

function positiveNumber(setting: { key: string; env: string }, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new EmnifyConfigurationError(
      `${setting.key} / ${setting.env} must be a positive ${integer ? "whole " : ""}number, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

export function resolveSettings(config: ConfigLookup, env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const endpoint = validateEndpoint(lookup(SETTINGS.endpoint, config, env) ?? DEFAULT_ENDPOINT);
  const timeoutSeconds = positiveNumber(SETTINGS.timeoutSeconds, lookup(SETTINGS.timeoutSeconds, config, env), DEFAULT_TIMEOUT_SECONDS, false);
  const maxAttemptsRaw = lookup(SETTINGS.maxAttempts, config, env);
  const token = lookupWithSource(SETTINGS.applicationToken, config, env);
  return {
    endpoint,
    applicationToken: token?.value,
    applicationTokenSource: token?.source,
    timeoutMs: Math.round(timeoutSeconds * 1000),
    rateLimit: lookup(SETTINGS.rateLimit, config, env) ?? DEFAULT_RATE_LIMIT,
    maxAttempts: maxAttemptsRaw === undefined ? undefined : positiveNumber(SETTINGS.maxAttempts, maxAttemptsRaw, 1, true),
  };
}

export function missingTokenError(): EmnifyConfigurationError {
  return new EmnifyConfigurationError(
    `no emnify application token is set: run 'pulumi config set --secret ${SETTINGS.applicationToken.key} <token>' ` +
      `or set the ${SETTINGS.applicationToken.env} environment variable`,
  );
}
