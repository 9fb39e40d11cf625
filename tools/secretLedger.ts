/**
 * The secret ledger: everything the test suite produces that a user could see or keep (states,
 * outputs, serialized providers, provider host output, log lines, error messages, the output of
 * every child process), and every application token the suite used. One test at the very end of
 * the run (test/secrets/acrossTheSuite.test.ts, moved last by test/hooks.ts) scans it: no token
 * and no JWT may appear anywhere.
 *
 * Fed centrally, so other test files need no change: the engine harness (tools/engine) records
 * states, provider results, host output and provider errors; test/secrets/capture.ts (installed by
 * the mocha root hooks) records every error this package constructs in the test process, every log
 * line written to stderr, every child process's output, and the tokens given to clients,
 * emulators, programs and hosts. Recording is a no-op until `enable()`, so the benchmark and the
 * soak scripts, which use the harness too, keep nothing.
 */
import { inspect } from "node:util";

export type EntryKind = "state" | "provider-result" | "program-resources" | "host-output" | "child-output" | "log" | "error" | "step-error";

interface Entry {
  kind: EntryKind;
  /** The test that produced it, and what it is. */
  origin: string;
  /** The text, or how to read it at scan time (host output that is still growing, an error object). */
  text: string | (() => string);
  /** Tokens that may appear in this entry, with the reason (e.g. the emulator CLI prints its demo token). */
  allowed?: { tokens: string[]; reason: string };
}

export interface Leak {
  kind: EntryKind;
  origin: string;
  /** "application token (seen in: ...)" or "JWT" or "HTTP library error". */
  what: string;
  /** The text around it, with the secret itself masked. */
  excerpt: string;
}

export interface ScanResult {
  leaks: Leak[];
  entries: number;
  characters: number;
  byKind: Partial<Record<EntryKind, number>>;
  /** Tokens looked for (never the tokens themselves: their length and where they were used). */
  tokens: { length: number; seenIn: string }[];
  /** Tokens too short to search for without false positives. */
  skippedTokens: number;
}

/** Any JSON Web Token: three base64url segments, the first a JSON object (`{"` is "eyJ"). */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

/** What an HTTP library error or a request dump looks like when printed as it is. */
const HTTP_DUMP_PATTERNS: { what: string; pattern: RegExp }[] = [
  { what: "HTTP library error printed as is (AxiosError)", pattern: /\bAxiosError\b/g },
  { what: "Authorization header with a bearer value", pattern: /authorization['"]?\s*[:=]\s*['"]?bearer\s+\S/gi },
];

/** Shorter tokens are searched as whole words only; below this, not at all. */
const MIN_TOKEN_LENGTH = 6;
const SUBSTRING_TOKEN_LENGTH = 16;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function mask(secret: string): string {
  return secret.length <= 8 ? "[secret]" : `${secret.slice(0, 4)}…[${secret.length} chars]`;
}

/** The text around the first occurrence of `secret`, with it and anything JWT-shaped masked. */
function excerptAround(text: string, secret: string): string {
  const masked = text
    .split(secret)
    .join(`\u0001${mask(secret)}`)
    .replace(new RegExp(JWT_PATTERN.source, "g"), (jwt) => mask(jwt));
  const at = Math.max(0, masked.indexOf("\u0001"));
  // \u0001 is the marker placed above, never in real text.
  return masked
    .slice(Math.max(0, at - 60), at + 80)
    .split("\u0001")
    .join("")
    .replace(/\s+/g, " ");
}

export class SecretLedger {
  private enabled = false;
  private readonly entries: Entry[] = [];
  private readonly tokenOrigins = new Map<string, string>();
  private currentTest = "(before any test)";

  enable(): void {
    this.enabled = true;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** The test now running, named in every entry it produces. */
  setCurrentTest(title: string | undefined): void {
    this.currentTest = title ?? "(between tests)";
  }

  /** An application token used somewhere in the suite. */
  token(value: unknown, where: string): void {
    if (!this.enabled || typeof value !== "string") return;
    const token = value.trim();
    if (token === "" || this.tokenOrigins.has(token)) return;
    this.tokenOrigins.set(token, `${where} (in: ${this.currentTest})`);
  }

  /** Something produced; objects are kept as their JSON. */
  record(kind: EntryKind, value: unknown, detail: string, allowed?: Entry["allowed"]): void {
    if (!this.enabled || value === undefined) return;
    let text: string;
    if (typeof value === "string") text = value;
    else {
      try {
        // A value JSON cannot write (undefined, a function) is scanned as String() renders it.
        // eslint-disable-next-line @typescript-eslint/no-base-to-string
        text = JSON.stringify(value) ?? String(value);
      } catch {
        text = inspect(value, { depth: Infinity });
      }
    }
    this.entries.push({ kind, origin: `${this.currentTest} — ${detail}`, text, allowed });
  }

  /** Something read only at scan time: output still growing, an object still being filled in. */
  recordLive(kind: EntryKind, read: () => string, detail: string, allowed?: Entry["allowed"]): void {
    if (!this.enabled) return;
    this.entries.push({ kind, origin: `${this.currentTest} — ${detail}`, text: read, allowed });
  }

  /** An error: its message and every way it can be printed or serialised, its cause chain included. */
  recordError(error: unknown, detail: string): void {
    if (!this.enabled) return;
    this.recordLive("error", () => renderError(error), detail);
  }

  scan(): ScanResult {
    const tokens = [...this.tokenOrigins.entries()];
    const searchable = tokens.filter(([t]) => t.length >= MIN_TOKEN_LENGTH);
    const matchers = searchable.map(([token, seenIn]) => ({
      token,
      seenIn,
      pattern:
        token.length >= SUBSTRING_TOKEN_LENGTH
          ? new RegExp(escapeRegExp(token), "g")
          : new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(token)}(?![A-Za-z0-9_-])`, "g"),
    }));
    const leaks: Leak[] = [];
    const byKind: Partial<Record<EntryKind, number>> = {};
    let characters = 0;
    for (const entry of this.entries) {
      byKind[entry.kind] = (byKind[entry.kind] ?? 0) + 1;
      let text: string;
      try {
        text = typeof entry.text === "string" ? entry.text : entry.text();
      } catch (error) {
        text = `(could not be read: ${String(error)})`;
      }
      characters += text.length;
      for (const m of matchers) {
        if (entry.allowed?.tokens.includes(m.token)) continue;
        m.pattern.lastIndex = 0;
        const hit = m.pattern.exec(text);
        if (hit) {
          leaks.push({
            kind: entry.kind,
            origin: entry.origin,
            what: `application token (used by ${m.seenIn})`,
            excerpt: excerptAround(text, m.token),
          });
        }
      }
      JWT_PATTERN.lastIndex = 0;
      const jwt = JWT_PATTERN.exec(text);
      if (jwt) leaks.push({ kind: entry.kind, origin: entry.origin, what: "JWT", excerpt: excerptAround(text, jwt[0]) });
      for (const dump of HTTP_DUMP_PATTERNS) {
        dump.pattern.lastIndex = 0;
        const hit = dump.pattern.exec(text);
        if (hit) leaks.push({ kind: entry.kind, origin: entry.origin, what: dump.what, excerpt: excerptAround(text, hit[0]) });
      }
    }
    return {
      leaks,
      entries: this.entries.length,
      characters,
      byKind,
      tokens: searchable.map(([t, seenIn]) => ({ length: t.length, seenIn })),
      skippedTokens: tokens.length - searchable.length,
    };
  }
}

/** Every way an error may end up in front of a user, its cause chain included. */
export function renderError(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    if (current instanceof Error) {
      parts.push(current.message, String(current), String(current.stack));
    } else {
      // Whatever was thrown, as a message would show it: "[object Object]" included.
      // eslint-disable-next-line @typescript-eslint/no-base-to-string
      parts.push(String(current));
    }
    try {
      parts.push(JSON.stringify(current) ?? "");
    } catch {
      // a cycle: inspect below still shows it
    }
    current = (current as { cause?: unknown }).cause;
  }
  parts.push(inspect(error, { depth: Infinity }));
  return parts.join("\n");
}

/**
 * The one ledger of this process. Kept on globalThis so that a second copy of this module (loaded
 * under another path) still feeds the same ledger.
 */
const KEY = Symbol.for("pulumi-emnify.test.secretLedger");
export const secretLedger: SecretLedger = ((globalThis as Record<symbol, unknown>)[KEY] ??= new SecretLedger()) as SecretLedger;

/** The title of the suite that scans the ledger; the root hooks move it to the end of the run. */
export const SCAN_SUITE_TITLE = "secret hygiene across the whole test suite";
