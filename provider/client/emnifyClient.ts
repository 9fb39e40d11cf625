/**
 * The emnify API client: authenticated, paced, retried requests with typed errors.
 *
 * A request flows: session (cached JWT, or one shared authentication) -> pacer (a slot in the
 * process-wide rate window) -> one HTTP exchange -> classification: success, 401 (re-authenticate
 * once), transient (back off and go round again), or final failure -> typed error in the caller's
 * words.
 */

import type { ZodType } from "zod";
import { parseErrorBody } from "./apiErrorBody";
import { AUTHENTICATE_PATH, AuthenticateResponse, Session } from "./auth";
import {
  AUTHENTICATION_LOCK_MS,
  EmnifyAuthenticationError,
  EmnifyConfigurationError,
  EmnifyResponseError,
  type RequestContext,
} from "./errors";
import { type Clock, wallClock } from "./clock";
import { isAuthenticationLock, isMonthlyQuota } from "./quotaAndLock";
import { type Failure, FailureSignal, type Redactor, redactorFor, toEmnifyError } from "./failure";
import { type Logger, type RequestPacer, sharedPacer } from "./pacer";
import { type RetryPolicy, isTransientNetworkError, isTransientStatus, parseRetryAfterMs, planRetry, resolveRetryPolicy } from "./retry";
import { exchange, joinUrl } from "./transport";
import { defaultUserAgent } from "./version";
import { describeIssues } from "./zodIssues";

export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry";

export interface EmnifyClientOptions {
  /**
   * Base URL of the API, as the settings checked it (`validateEndpoint` in ../config/settings: an
   * absolute http(s) URL without credentials, query or fragment); the client does not check it again.
   * @example "https://cdn.emnify.net"
   * @example "http://127.0.0.1:4010"
   */
  endpoint: string;
  /** The emnify application token. Never logged, never part of an error. */
  applicationToken: string;
  /**
   * Limit for each attempt, body included.
   * @default 30_000
   */
  timeoutMs?: number;
  /** Overrides of {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  /**
   * The pacer every request (authenticate included) goes through.
   * @default sharedPacer(endpoint): one per API origin per process
   */
  pacer?: RequestPacer;
  /**
   * Where the shared pacer's warnings go (its machine ledger says once when it stops being used).
   * @default stderr
   */
  log?: Logger;
  /**
   * @default "pulumi-emnify/<version from package.json>"
   */
  userAgent?: string;
  /**
   * Source of randomness for backoff jitter, in [0, 1). For deterministic tests.
   * @default Math.random
   */
  random?: () => number;
  /**
   * Wall-clock time (epoch ms; compared with a JWT's `exp` and `Retry-After` dates) and the
   * backoff sleep. For deterministic tests without real pauses. The pacer has its own clock (give
   * the client a pacer made with the same fake clock).
   * @default wallClock: Date.now and setTimeout
   */
  clock?: Clock;
}

export interface ApiRequest<T> {
  method: "GET" | "PATCH" | "POST" | "DELETE";
  /** @example "/api/v1/organisation/101/billing_config" */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * What is being done, in words; starts every error message.
   * @example "reading billing config"
   */
  operation: string;
  /** The organisation concerned, named in error messages. */
  orgId?: number;
  /**
   * Validates the parsed 2xx body. A mismatch is an {@link EmnifyResponseError}, not retried:
   * asking again would get the same answer.
   */
  schema?: ZodType<T>;
}

/** Counters for tests and benchmarks. */
export interface ClientStats {
  /** HTTP requests sent, authenticate calls and retries included. */
  requests: number;
  /** POST /api/v1/authenticate requests sent (retries included). */
  authenticateCalls: number;
  /** Attempts repeated after a transient failure (429, 5xx, network, malformed body). */
  retries: number;
  /** 429 answers received. */
  throttled: number;
  /** Cached JWTs dropped because the API answered 401 to them. */
  reauthentications: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Authenticate statuses that mean "this application token is not accepted". */
const TOKEN_REJECTED_STATUSES: ReadonlySet<number> = new Set([401, 403, 422]);

type Method = ApiRequest<unknown>["method"];

interface Send {
  method: Method;
  path: string;
  body?: unknown;
  /** Send a bearer JWT (every call but authenticate). */
  authorize: boolean;
  ctx: RequestContext;
}

export class EmnifyClient {
  readonly stats: ClientStats = { requests: 0, authenticateCalls: 0, retries: 0, throttled: 0, reauthentications: 0 };

  // ECMAScript-private, so that util.inspect(client) and JSON.stringify(client) cannot show them.
  readonly #applicationToken: string;
  readonly #session: Session;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly pacer: RequestPacer;
  private readonly userAgent: string;
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly redact: Redactor;

  constructor(options: EmnifyClientOptions) {
    if (typeof options.applicationToken !== "string" || options.applicationToken.trim() === "") {
      throw new EmnifyConfigurationError(
        "the emnify application token is empty: set it with 'pulumi config set --secret emnify:applicationToken' " +
          "or the EMNIFY_APPLICATION_TOKEN environment variable",
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new EmnifyConfigurationError(`invalid request timeout ${String(timeoutMs)} ms (expected a number above zero)`);
    }
    this.#applicationToken = options.applicationToken;
    this.baseUrl = options.endpoint.replace(/\/+$/, "");
    this.timeoutMs = timeoutMs;
    this.policy = resolveRetryPolicy(options.retry);
    this.pacer = options.pacer ?? sharedPacer(this.baseUrl, undefined, options.log);
    this.userAgent = options.userAgent ?? defaultUserAgent();
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? wallClock;
    this.#session = new Session(this.baseUrl, options.applicationToken, () => this.clock.now());
    this.redact = redactorFor(() => [this.#applicationToken, ...this.#session.recentJwts()]);
  }

  /** Sends `req` and answers its parsed (and, with a schema, validated) JSON body. */
  async request<T = unknown>(req: ApiRequest<T>): Promise<T> {
    return (await this.requestWithHeaders(req)).body;
  }

  /**
   * Like {@link request}, with the answer's headers (lower-case names) as well: paged collections
   * carry their paging in headers.
   */
  async requestWithHeaders<T = unknown>(req: ApiRequest<T>): Promise<{ body: T; headers: Record<string, string> }> {
    const ctx: RequestContext = { operation: req.operation, orgId: req.orgId, method: req.method, path: req.path };
    let answer: { status: number; json: unknown; headers: Record<string, string> };
    try {
      answer = await this.send({ method: req.method, path: req.path, body: req.body, authorize: true, ctx });
    } catch (error) {
      if (error instanceof FailureSignal) {
        const typed = toEmnifyError(error.failure, ctx, this.redact);
        typed.mayHaveBeenApplied = error.mayHaveBeenApplied;
        throw typed;
      }
      throw error;
    }
    if (req.schema === undefined) return { body: answer.json as T, headers: answer.headers };
    const result = req.schema.safeParse(answer.json);
    if (!result.success) {
      const unexpected = new EmnifyResponseError({ ...ctx, status: answer.status, problem: this.redact(describeIssues(result.error)) });
      // A 2xx answer: the request took effect, whatever its body says.
      unexpected.mayHaveBeenApplied = true;
      throw unexpected;
    }
    return { body: result.data, headers: answer.headers };
  }

  /**
   * Sends one request until it succeeds or fails for good. Returns the parsed 2xx body; throws a
   * {@link FailureSignal}, or a typed error when authentication failed.
   */
  private async send(spec: Send): Promise<{ status: number; json: unknown; attempts: number; headers: Record<string, string> }> {
    let attempts = 0;
    let transientFailures = 0;
    let reauthenticated = false;
    let firstSentAt: number | undefined;
    let outcomeUnknown = false;
    const fail = (failure: Failure): FailureSignal => {
      const signal = new FailureSignal(failure);
      signal.mayHaveBeenApplied = outcomeUnknown;
      return signal;
    };
    for (;;) {
      const jwt = spec.authorize ? await this.currentJwt(spec.ctx) : undefined;
      attempts += 1;
      let sentAt: number | undefined;
      const outcome = await this.pacer.run(
        () => {
          // The retry budget counts from the first send, not from the wait for the first pacer slot:
          // a request queued behind a hundred others has not yet been given a chance to fail.
          firstSentAt ??= this.clock.now();
          sentAt = this.pacer.now();
          this.stats.requests += 1;
          if (spec.path === AUTHENTICATE_PATH) this.stats.authenticateCalls += 1;
          return exchange({
            method: spec.method,
            url: joinUrl(this.baseUrl, spec.path),
            body: spec.body,
            authorization: jwt === undefined ? undefined : `Bearer ${jwt}`,
            userAgent: this.userAgent,
            timeoutMs: this.timeoutMs,
          });
        },
        { retry: transientFailures > 0 },
      );

      let failure: Failure;
      let retryAfterMs: number | undefined;
      if (outcome.kind === "answer") {
        const { status } = outcome;
        if (status >= 200 && status < 300) {
          const parsed = parseJson(outcome.body, status);
          if (parsed.ok) return { status, json: parsed.value, attempts, headers: outcome.headers };
          // A truncated or garbled body is a broken transfer more often than a broken API.
          failure = { kind: "malformed", status, problem: parsed.problem, attempts };
          outcomeUnknown = true;
        } else if (status === 401 && jwt !== undefined && !reauthenticated) {
          // The JWT expired early or was revoked: one fresh authentication, then one more try.
          reauthenticated = true;
          if (this.#session.invalidate(jwt)) this.stats.reauthentications += 1;
          continue;
        } else if (status === 429 && isMonthlyQuota(parseErrorBody(outcome.body))) {
          // The monthly quota lasts until the 1st: retrying is pointless, and slowing the pacer
          // down would not help either.
          this.stats.throttled += 1;
          throw fail({ kind: "status", status, body: parseErrorBody(outcome.body), attempts, monthlyQuota: true });
        } else if (isTransientStatus(status)) {
          failure = { kind: "status", status, body: parseErrorBody(outcome.body), attempts };
          // A 429 was turned away before any work; a 5xx may have failed after it.
          if (status >= 500) outcomeUnknown = true;
          const asked = parseRetryAfterMs(outcome.retryAfter, this.clock.now());
          retryAfterMs = asked === undefined ? undefined : Math.min(asked, this.policy.maxDelayMs);
          if (status === 429) {
            this.stats.throttled += 1;
            // When it was sent lets the pacer cut its rate once per burst, not once per 429.
            this.pacer.throttled(retryAfterMs, sentAt);
          }
        } else {
          throw fail({ kind: "status", status, body: parseErrorBody(outcome.body), attempts });
        }
      } else {
        failure = { kind: "no-answer", code: outcome.code, reason: outcome.reason, attempts, cause: outcome.cause };
        outcomeUnknown = true;
        if (!outcome.timedOut && !isTransientNetworkError(outcome.code, outcome.reason)) throw fail(failure);
      }

      // Retrying is safe for every request this client sends: GET and authenticate have no
      // effect, and the billing-config PATCH sets fields to given values, so sending it twice
      // (say, after a timeout whose first attempt did arrive) leaves the same state as once.
      transientFailures += 1;
      const decision = planRetry({
        failedAttempts: transientFailures,
        elapsedMs: this.clock.now() - (firstSentAt ?? this.clock.now()),
        retryAfterMs,
        policy: this.policy,
        random: this.random,
      });
      if (!decision.retry) throw fail(failure);
      this.stats.retries += 1;
      await this.clock.sleep(decision.delayMs);
    }
  }

  /** The JWT for the next attempt; a failed authentication is reported in the words of `ctx`. */
  private async currentJwt(ctx: RequestContext): Promise<string> {
    try {
      return await this.#session.token(() => this.authenticate());
    } catch (error) {
      if (error instanceof FailureSignal) {
        const authCtx: RequestContext = {
          operation: `authenticating before ${ctx.operation}`,
          orgId: ctx.orgId,
          method: "POST",
          path: AUTHENTICATE_PATH,
        };
        throw toEmnifyError(error.failure, authCtx, this.redact);
      }
      throw error;
    }
  }

  /** One authentication, with the usual retries for transient failures. */
  private async authenticate(): Promise<string> {
    const ctx: RequestContext = { operation: "authenticating", method: "POST", path: AUTHENTICATE_PATH };
    let answer: { status: number; json: unknown; attempts: number };
    try {
      answer = await this.send({
        method: "POST",
        path: AUTHENTICATE_PATH,
        body: { application_token: this.#applicationToken },
        authorize: false,
        ctx,
      });
    } catch (error) {
      if (error instanceof FailureSignal && error.failure.kind === "status" && TOKEN_REJECTED_STATUSES.has(error.failure.status)) {
        // Never retried and remembered for the process: emnify locks the account after 3 failures.
        const { status, body } = error.failure;
        const said = [body.errorToken, body.message].filter((s): s is string => s !== undefined).join(": ");
        const apiMessage = said === "" ? undefined : this.redact(said);
        // During emnify's lock, authenticate answers 401 with a TooManyRequests body: it is not
        // the token that is wrong, and the message must say so (and when the lock ends).
        const lockedUntil = isAuthenticationLock(status, body) ? this.clock.now() + AUTHENTICATION_LOCK_MS : undefined;
        this.#session.reject(status, apiMessage, lockedUntil);
        throw new EmnifyAuthenticationError(status, apiMessage, { lockedUntil });
      }
      throw error;
    }
    const parsed = AuthenticateResponse.safeParse(answer.json);
    if (!parsed.success) {
      throw new FailureSignal({
        kind: "malformed",
        status: answer.status,
        problem: describeIssues(parsed.error),
        attempts: answer.attempts,
      });
    }
    return parsed.data.auth_token;
  }
}

type ParsedJson = { ok: true; value: unknown } | { ok: false; problem: string };

function parseJson(body: string, status: number): ParsedJson {
  if (status === 204) return { ok: true, value: undefined };
  if (body.trim() === "") return { ok: false, problem: "the body is empty" };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    // The parser's own message quotes the body; the length says enough.
    return { ok: false, problem: `the body is not valid JSON (${body.length} characters)` };
  }
}
