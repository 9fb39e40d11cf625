/**
 * Numbers the documentation states about the code (defaults, limits, sizes, counts) against the
 * code's own constants, so that a changed constant fails here until the docs say the new value.
 * Whitespace is normalised: a phrase may wrap across lines. Measured figures (bench runs, timings)
 * are not checked here; the docs give each one with the command and the date that measured it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { FIELDS } from "../../provider/billing/fields";
import {
  MAX_INVOICE_ISSUER_INFO_LENGTH,
  MAX_PAYMENT_DATA_DEPTH,
  MAX_PAYMENT_DATA_JSON_LENGTH,
  MAX_VATIN_LENGTH,
} from "../../provider/billing/inputChecks";
import { AUTHENTICATION_LOCK_MS } from "../../provider/client/errors";
import { DEFAULT_PACER_OPTIONS, EMNIFY_DOCUMENTED_LIMIT, MIN_RATE, MIN_START_RATE } from "../../provider/client/pacer";
import { REQUESTED_PAGE_SIZE } from "../../provider/client/paging";
import { BETA } from "../../provider/client/rateController";
import { DEFAULT_RETRY_POLICY } from "../../provider/client/retry";
import { DEFAULT_TIMEOUT_SECONDS } from "../../provider/config/settings";
import { DEFAULT_LOCKOUT, DEFAULT_MONTHLY_QUOTA, DEFAULT_ORGANISATION_PAGE_SIZE } from "../../provider/emulator/defaults";
import { preparePackedProject, runProgramUnderMocks } from "../../tools/engine";
import { repoRoot } from "../../tools/repoRoot";

const root = repoRoot();
/** Whitespace collapsed, and a doc comment's leading `*` dropped, so a phrase may wrap across lines. */
const normalise = (text: string) => text.replace(/\n\s*\*(?!\/)/g, " ").replace(/\s+/g, " ");
const documents = new Map<string, string>();
function doc(file: string): string {
  if (!documents.has(file)) documents.set(file, normalise(fs.readFileSync(path.join(root, file), "utf8")));
  return documents.get(file)!;
}
/** 2000 → "2,000", as the prose writes thousands. */
const grouped = (n: number) => n.toLocaleString("en-US");

function assertSays(file: string, phrase: string): void {
  assert.ok(doc(file).includes(normalise(phrase)), `${file} should say: ${phrase}`);
}

/** The waits before each retry, as the README lists them: "0.5, 1, 2, 4 and 8 s". */
function retryWaits(): string {
  const waits = Array.from({ length: DEFAULT_RETRY_POLICY.maxAttempts - 1 }, (_, i) =>
    String(Math.min(DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** i, DEFAULT_RETRY_POLICY.maxDelayMs) / 1000),
  );
  return `${waits.slice(0, -1).join(", ")} and ${waits[waits.length - 1]} s`;
}

describe("numbers in the docs that describe the code", () => {
  const windowMinutes = EMNIFY_DOCUMENTED_LIMIT.windowMs / 60_000;
  const margin = Math.round((DEFAULT_PACER_OPTIONS.requests / EMNIFY_DOCUMENTED_LIMIT.requests) * 100);
  const lockMinutes = AUTHENTICATION_LOCK_MS / 60_000;

  const claims: [file: string, phrase: string][] = [
    // Rate limits and the pacer.
    ["README.md", `emnify allows ${grouped(EMNIFY_DOCUMENTED_LIMIT.requests)} requests per source IP per rolling ${windowMinutes} minutes`],
    ["README.md", `at most ${margin}% of the \`emnify:rateLimit\` allowance`],
    ["README.md", `at most ${DEFAULT_PACER_OPTIONS.maxConcurrency} requests in flight`],
    ["README.md", `an unknown API is approached at ${MIN_START_RATE} requests/s`],
    ["README.md", `A 429 cuts the rate to ${Math.round(BETA * 100)}% of the rate actually achieved`],
    ["README.md", `It never drops below ${MIN_RATE} request/s`],
    // Retries, timeouts, authentication, quota, paging.
    [
      "README.md",
      `up to \`emnify:maxAttempts\` attempts (default ${DEFAULT_RETRY_POLICY.maxAttempts}), waiting a random time of up to ${retryWaits()}`,
    ],
    ["README.md", `each wait at most ${DEFAULT_RETRY_POLICY.maxDelayMs / 1000} s`],
    ["README.md", `no retry starts more than ${DEFAULT_RETRY_POLICY.maxElapsedMs / 60_000} minutes after the first attempt`],
    ["README.md", `Each attempt is limited by \`emnify:timeoutSeconds\` (${DEFAULT_TIMEOUT_SECONDS} s)`],
    ["README.md", `emnify locks the account for ${lockMinutes} minutes after ${DEFAULT_LOCKOUT.attempts} failed attempts`],
    ["README.md", `(${lockMinutes} minutes from the first refusal seen)`],
    ["README.md", `emnify allows ${grouped(DEFAULT_MONTHLY_QUOTA)} requests per organisation per month`],
    ["README.md", `asking for ${grouped(REQUESTED_PAGE_SIZE)} a page`],
    // The resource's limits, in the README's reference and in the documented argument types.
    ["README.md", `| \`vatin\` | \`string\` | \`vatin\` | at most ${MAX_VATIN_LENGTH} characters`],
    [
      "README.md",
      `| \`invoiceIssuerInfo\` | \`string \\| null\` | \`invoice_issuer_info\` | at most ${MAX_INVOICE_ISSUER_INFO_LENGTH} characters`,
    ],
    [
      "README.md",
      `at most ${grouped(MAX_PAYMENT_DATA_JSON_LENGTH)} characters (UTF-16 code units) as JSON, ${MAX_PAYMENT_DATA_DEPTH} levels deep`,
    ],
    ["provider/resource/billingConfig.ts", `(API field \`vatin\`), at most ${MAX_VATIN_LENGTH} characters`],
    ["provider/resource/billingConfig.ts", `(API field \`invoice_issuer_info\`), at most ${MAX_INVOICE_ISSUER_INFO_LENGTH} characters`],
    [
      "provider/resource/billingConfig.ts",
      `at most ${grouped(MAX_PAYMENT_DATA_JSON_LENGTH)} characters (UTF-16 code units) as JSON and ${MAX_PAYMENT_DATA_DEPTH} levels deep`,
    ],
    // The emulator's defaults.
    [
      "README.md",
      `(default \`{ default: ${DEFAULT_ORGANISATION_PAGE_SIZE.default}, maximum: ${DEFAULT_ORGANISATION_PAGE_SIZE.maximum} }\``,
    ],
    [
      "README.md",
      `after ${DEFAULT_LOCKOUT.attempts} failed attempts, 401 with a \`1105 TooManyRequests\` body for ${DEFAULT_LOCKOUT.seconds / 60} minutes`,
    ],
    ["README.md", `(requests per organisation per calendar month, default ${grouped(DEFAULT_MONTHLY_QUOTA)}, or \`false\`)`],
  ];

  for (const [file, phrase] of claims) {
    it(`${file}: "${phrase.slice(0, 70)}"`, () => assertSays(file, phrase));
  }

  it("the field table holds the fields the README's reference lists, with the limits above", () => {
    assert.equal(FIELDS.find((f) => f.name === "vatin")?.maxLength, MAX_VATIN_LENGTH);
    assert.equal(FIELDS.find((f) => f.name === "invoiceIssuerInfo")?.maxLength, MAX_INVOICE_ISSUER_INFO_LENGTH);
  });

  it("ARCHITECTURE.md counts the provider module's methods right", () => {
    const dynamicProvider = require(path.join(root, "dist/provider/dynamicProvider.js")) as Record<string, unknown>;
    const words = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    assertSays("ARCHITECTURE.md", `${words[Object.keys(dynamicProvider).length]} methods that load \`resource/runtime\``);
  });

  it("gives the size of `__provider` in the state as the installed package really serializes it", async function () {
    this.timeout(120_000);
    const [resource] = await runProgramUnderMocks({
      projectDir: await preparePackedProject(),
      program: { source: 'const { BillingConfig } = require("pulumi-emnify");\nnew BillingConfig("a", { orgId: 101 });\n' },
    });
    const bytes = Buffer.byteLength(String(resource.inputs.__provider));
    assertSays("ARCHITECTURE.md", `(${bytes} bytes; an export of its own in package.json`);
    assertSays("BENCHMARKS.md", `\`__provider\` is ${bytes} bytes, stored in inputs and outputs`);
    assertSays("BENCHMARKS.md", `\`__provider\` is ${bytes} bytes and the state`);
    // "~290 bytes" where the docs round it.
    for (const file of ["ARCHITECTURE.md", "DECISIONS.md"]) {
      const rounded = [...doc(file).matchAll(/~(\d+) bytes/g)].map((m) => Number(m[1]));
      assert.ok(rounded.length > 0, file);
      for (const value of rounded) assert.ok(Math.abs(value - bytes) <= bytes * 0.05, `${file}: ~${value} bytes, measured ${bytes}`);
    }
  });
});
