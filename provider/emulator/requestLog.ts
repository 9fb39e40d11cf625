/** What the request log keeps of a body, and how log entries are filtered. */
import type { RequestLogEntry } from "./types";
import { pathMatches } from "./faults";
import { parseJson } from "./http";

export const REDACTED = "[redacted]";

/** Credentials a body may carry; never kept, so a log can be printed or attached to a report. */
const SECRET_KEYS = new Set(["application_token", "password", "refresh_token", "auth_token"]);

const AUTHENTICATE_PATH = "/api/v1/authenticate";

/**
 * The parsed body with secrets replaced by "[redacted]". A body that is not JSON is kept as text,
 * except on authenticate, where it may be a mistyped credential.
 */
export function loggedBody(path: string, raw: string): unknown {
  const parsed = parseJson(raw);
  if (!parsed.ok) return path === AUTHENTICATE_PATH ? REDACTED : raw;
  return redact(parsed.value);
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = SECRET_KEYS.has(key) ? REDACTED : redact(item);
  return copy;
}

export interface LogFilter {
  method?: string;
  path?: string | RegExp;
  status?: number;
}

export function matchesFilter(entry: RequestLogEntry, filter: LogFilter): boolean {
  if (filter.method !== undefined && filter.method.toUpperCase() !== entry.method) return false;
  if (filter.status !== undefined && filter.status !== entry.status) return false;
  return pathMatches(filter.path, entry.path);
}
