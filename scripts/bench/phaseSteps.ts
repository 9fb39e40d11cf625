/**
 * The steps both benchmark modes take around each phase (the stand-in's ./run.ts and the real
 * CLI's ./cliRun.ts): waiting out the rate window, a progress line, what the request log says,
 * and the independent reads of the state against the emulator after a phase.
 */
import type { ApiBillingConfig } from "pulumi-emnify/emulator";
import type { BenchOptions, scaledLimit } from "./options";
import { apiView, differences, FIELDS, stateView } from "../../tools/soak/model";
import { AUTHENTICATE_PATH } from "../../tools/apiCalls";
import type { LoggedRequest, RemoteEmulator } from "./remoteEmulator";
import type { BenchOrganisation } from "./scenario";

/** What every step of a run shares, in both modes. */
export interface RunBase {
  options: BenchOptions;
  say: (line: string) => void;
  limit: ReturnType<typeof scaledLimit>;
  emulator: RemoteEmulator;
  projectDir: string;
  /** Requests of the log that earlier phases saw. */
  seenRequests: number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The emulator's rate limit as the scenario line states it. */
export function rateLimitText(options: BenchOptions, limit: ReturnType<typeof scaledLimit>): string {
  return `rate limit ${limit.setting} (${limit.perSecond.toFixed(1)}/s = ${options.rateScale} × emnify's 2,000 per 300 s)`;
}

export function count(value: number): string {
  return value.toLocaleString("en-US");
}

/**
 * Waits until the last request seen so far has left the rate window, so the next phase starts as
 * a command run a while after the last one.
 */
export async function drainRateWindow(emulator: RemoteEmulator, seenRequests: number, windowSeconds: number): Promise<void> {
  const last = (await emulator.requestsSince(Math.max(0, seenRequests - 1))).at(-1)?.at;
  if (last !== undefined) await sleep(Math.max(0, last + windowSeconds * 1000 + 50 - Date.now()));
}

/** Says `line()` every `everyMs` while a phase runs; a failed read of the request log is skipped. */
export function progressLine(everyMs: number, line: () => Promise<string>, say: (line: string) => void): () => void {
  const timer = setInterval(() => {
    void line()
      .then(say)
      .catch(() => undefined);
  }, everyMs);
  return () => clearInterval(timer);
}

/** What the emulator's request log says about a phase. */
export interface RequestStats {
  /** The requests other than authenticate. */
  api: LoggedRequest[];
  authenticate: number;
  throttled: number;
  /** Answers other than 2xx and 429. */
  apiErrors: number;
  /** From the first request to the last answer. */
  apiSpanMs: number;
}

export function requestStats(seen: LoggedRequest[], latencyMs: number): RequestStats {
  const api = seen.filter((r) => r.path !== AUTHENTICATE_PATH);
  return {
    api,
    authenticate: seen.length - api.length,
    throttled: seen.filter((r) => r.status === 429).length,
    apiErrors: seen.filter((r) => r.status !== 429 && (r.status < 200 || r.status >= 300)).length,
    apiSpanMs: seen.length === 0 ? 0 : Math.max(...seen.map((r) => r.at)) - seen[0].at + latencyMs,
  };
}

/** Calls other than authenticate in a stretch of the request log. */
export function callsIn(seen: LoggedRequest[]): number {
  return seen.filter((r) => r.path !== AUTHENTICATE_PATH).length;
}

/** Bytes of the first `__provider` text among resources' outputs. */
export function providerBytes(outputs: ReadonlyArray<Record<string, unknown> | undefined>): number | undefined {
  const text = outputs.map((o) => o?.__provider).find((p): p is string => typeof p === "string");
  return text === undefined ? undefined : Buffer.byteLength(text);
}

/**
 * The independent read: how many resources' state (their revealed outputs, with their ids) equals
 * what the emulator holds, and in which fields the others differ.
 */
export async function stateAgreement(
  emulator: RemoteEmulator,
  resources: ReadonlyArray<{ id: string; outputs: Record<string, unknown> }>,
): Promise<{ agree: number; differing: Record<string, number> }> {
  let agree = 0;
  const differing: Record<string, number> = {};
  const configs = await emulator.billingConfigs(resources.map((r) => Number(r.id)));
  for (const [i, resource] of resources.entries()) {
    const api = configs[i];
    const fields = api ? differences(stateView(resource.outputs), apiView(api)) : ["organisation missing"];
    if (fields.length === 0) agree += 1;
    for (const field of fields) differing[field] = (differing[field] ?? 0) + 1;
  }
  return { agree, differing };
}

/**
 * After the delete: the organisations with restoreOnDelete (in the declaration `which` picks) hold
 * their seeded values again in every declared field.
 */
export async function restoredOriginals(
  emulator: RemoteEmulator,
  organisations: BenchOrganisation[],
  which: (o: BenchOrganisation) => Record<string, unknown>,
): Promise<{ ok: number; of: number }> {
  const restoring = organisations.filter((o) => which(o).restoreOnDelete === true);
  const after = await emulator.billingConfigs(restoring.map((o) => o.id));
  const declaredFields = (args: Record<string, unknown>) => FIELDS.filter((f) => args[f] !== undefined);
  return {
    of: restoring.length,
    ok: restoring.filter((o, i) => {
      const now = after[i];
      const was = apiView(o.seed.billingConfig as ApiBillingConfig);
      return now !== null && now !== undefined && declaredFields(which(o)).every((f) => apiView(now)[f] === was[f]);
    }).length,
  };
}
