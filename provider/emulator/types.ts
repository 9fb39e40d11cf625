/**
 * The public contract of the emulator: options, seed data and the request log. Other packages and
 * users' own tests code against these shapes, so they change only together with the README.
 */
import type { PagingFault } from "./paging";

export type { PagingFault };

/** A billing config in the API's own (snake_case) shape, as the emulator stores it. */
export interface ApiBillingConfig {
  id?: number;
  vatin?: string | null;
  invoice_issuer_info?: string | null;
  charging_model?: { id: number } | null;
  payment_term?: { id: number } | null;
  vat_rate?: { id: number } | null;
  /**
   * What GET answers for it is undocumented: seed any JSON (a string, an array) to prove a client
   * reads it without failing. A PATCH accepts only an object.
   */
  payment_data?: unknown;
}

export interface SeedOrganisation {
  id: number;
  /** Default `Organisation <id>`. */
  name?: string;
  /** Default: the organisation of the first account (the demo account's organisation, 1). */
  parentId?: number;
  /** Merged over a plausible default config, so a partial config is enough. */
  billingConfig?: ApiBillingConfig;
  /** Active inclusive volumes; default `[]`. Non-empty blocks switching to prepaid. */
  inclusiveVolumes?: unknown[];
}

export interface EmulatorAccount {
  applicationToken: string;
  organisationId: number;
}

export interface RateLimit {
  requests: number;
  windowSeconds: number;
}

/**
 * A limit of its own on some requests, per source IP, as emnify has on some paths (its docs name
 * 10/s on a billing path and publish no others). All requests the rule matches count together:
 * `"/api/v1/organisation/:id/billing_config"` limits the billing configs of every organisation as
 * one. Checked besides the per-IP `rateLimit`; a request refused by either is answered 429 and
 * counted by neither.
 */
export interface PathRateLimit extends RateLimit {
  /** Default: any method. */
  method?: string;
  /**
   * A string is a path pattern in which `:name` stands for one path segment; a RegExp matches the
   * path (no query). Default: every path, i.e. one more per-IP limit (e.g. a short-term one).
   */
  path?: string | RegExp;
}

/** Which reference ids exist. Their meaning is undocumented by emnify, so they carry no names. */
export interface EmulatorCatalogue {
  chargingModels: number[];
  paymentTerms: number[];
  vatRates: number[];
  prepaidChargingModelId: number;
}

export interface EmulatorOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0 (a random free port). */
  port?: number;
  /** Default `[{ applicationToken: DEMO_APPLICATION_TOKEN, organisationId: 1 }]`. */
  accounts?: EmulatorAccount[];
  /** Default: none besides the account organisations (created automatically as "Demo reseller"). */
  organisations?: SeedOrganisation[];
  /** Default 14400 (4 h). */
  jwtLifetimeSeconds?: number;
  /** Failed authenticate calls per source IP before a lock. Default `{ attempts: 3, seconds: 300 }`. */
  lockout?: { attempts: number; seconds: number } | false;
  /** All requests per source IP. Default `{ requests: 2000, windowSeconds: 300 }`. */
  rateLimit?: RateLimit | false;
  /** Limits on some paths (or short-term limits on all), per source IP. Default: none. */
  pathRateLimits?: PathRateLimit[];
  /** `POST /api/v1/authenticate` per source IP. Default `{ requests: 100, windowSeconds: 300 }`. */
  authRateLimit?: RateLimit | false;
  /** Add `Retry-After` (seconds, rounded up) to 429s. Default false: emnify documents none. */
  sendRetryAfter?: boolean;
  /** Added to every response. Default 0. */
  latencyMs?: number;
  /** Shape of the GET billing_config answer. Default "nested". */
  billingConfigShape?: "nested" | "flat";
  /** Default `{ chargingModels: [0,1,2], paymentTerms: [0,1,2,3], vatRates: [0,1,2,3], prepaidChargingModelId: 2 }`. */
  catalogue?: EmulatorCatalogue;
  /** Keep parsed request bodies in the log. Default true. */
  logRequestBodies?: boolean;
  /**
   * Page sizes of GET /api/v1/organisation (`per_page` below 1 gives `default`, above `maximum`
   * is cut to it). Default `{ default: 10, maximum: 25 }`: small, so that tests page.
   */
  organisationPageSize?: { default: number; maximum: number };
  /** Requests per organisation per calendar month (UTC); then 429 until the 1st. Default 10_000_000; false: none. */
  monthlyQuota?: number | false;
  /**
   * Status of a PATCH refused by a rule: updating the own organisation (1406 NotAllowed) and the
   * prepaid rule. emnify documents neither status. Default 409.
   */
  ruleViolationStatus?: 409 | 422;
  /** A paging fault from the start (see `EmnifyEmulator.setPagingFault`). Default none. */
  pagingFault?: PagingFault;
}

export interface RequestLogEntry {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The status answered; 0 while unanswered and for requests that never get an answer. */
  status: number;
  /** The parsed request body, credentials replaced by "[redacted]". */
  body?: unknown;
  /** Arrival time, `Date.now()`. */
  at: number;
  /** The kind of the fault rule that hit this request. */
  fault?: string;
}

export interface FaultRule {
  /** Default: any method. */
  method?: string;
  /** A string matches the exact path (no query); default: any path. */
  path?: string | RegExp;
  kind: "status" | "reset" | "timeout" | "latency" | "malformed";
  /** For "status": the status to answer (e.g. 429, 500, 502, 503). */
  status?: number;
  /**
   * For "status": the body. Default: an emnify-style error body for that status. A string is sent
   * as it is (text/plain; "" gives an empty body); anything else is sent as JSON.
   */
  body?: unknown;
  /** For "status": adds `Retry-After`. */
  retryAfterSeconds?: number;
  /** For "latency": the delay before the request is handled normally. */
  delayMs?: number;
  /** How many matching requests it hits. Default 1; Infinity allowed. */
  times?: number;
  /** 0..1, default 1; drawn from a PRNG seeded by the `seed` start option. */
  probability?: number;
}
