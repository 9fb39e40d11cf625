/**
 * Typed errors for everything that can go wrong between this package and the emnify API.
 *
 * Every message is one readable line that says what was being done, to which organisation, the
 * HTTP method, path and status, and the API's own words. No message, property or `cause` ever holds
 * the application token or a JWT: the HTTP library's own error objects carry the request headers
 * (including `Authorization`), so `cause` is always a scrubbed copy made by {@link scrubCause}.
 */

/** One entry of the `errors[]` array of an emnify validation error body. */
export interface ApiErrorDetail {
  errorCode?: number;
  errorToken?: string;
  message?: string;
  /** Some validation details name the offending field. */
  field?: string;
}

/** Where a request was going and why: the context every message starts with. */
export interface RequestContext {
  /** What the caller was doing, in words: "reading billing config", "authenticating". */
  operation: string;
  /** The organisation concerned, when there is one. */
  orgId?: number;
  method: string;
  /** The path only (never a query string with credentials, never the host). */
  path: string;
}

/** Base class of every error this package throws. */
export class EmnifyError extends Error {
  override name = "EmnifyError";
  /**
   * Whether the failed request may still have taken effect: some attempt got no answer, a 5xx, or
   * an unreadable success. Judged over every attempt, not only the last: a PATCH that timed out
   * but arrived, then met 429s on its retries, was applied all the same.
   */
  mayHaveBeenApplied = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Says "<operation> for organisation <id>" or just "<operation>". */
export function describeOperation(operation: string, orgId?: number): string {
  return orgId === undefined ? operation : `${operation} for organisation ${orgId}`;
}

function describeRequest(ctx: RequestContext): string {
  return `${describeOperation(ctx.operation, ctx.orgId)} failed: ${ctx.method} ${ctx.path}`;
}

/** A request that failed: what every request error says about where it was going. */
export abstract class EmnifyRequestError extends EmnifyError {
  readonly operation: string;
  readonly orgId?: number;
  readonly method: string;
  readonly path: string;
  constructor(message: string, ctx: RequestContext, options?: { cause?: unknown }) {
    super(message, options);
    this.operation = ctx.operation;
    this.orgId = ctx.orgId;
    this.method = ctx.method;
    this.path = ctx.path;
  }
}

/** The API answered with an HTTP error status (after any retries). */
export class EmnifyApiError extends EmnifyRequestError {
  override name = "EmnifyApiError";
  readonly status: number;
  readonly errorCode?: number;
  readonly errorToken?: string;
  readonly apiMessage?: string;
  readonly details: ApiErrorDetail[];
  /** How many attempts were made before giving up (1 = not retried). */
  readonly attempts: number;

  constructor(
    ctx: RequestContext & {
      status: number;
      errorCode?: number;
      errorToken?: string;
      apiMessage?: string;
      details?: ApiErrorDetail[];
      attempts?: number;
    },
    options?: { cause?: unknown },
  ) {
    const details = ctx.details ?? [];
    // new.target: a subclass adds its explanation to the same one-line message.
    super(EmnifyApiError.format(ctx, details, ctx.attempts ?? 1) + new.target.explanation(), ctx, options);
    this.status = ctx.status;
    this.errorCode = ctx.errorCode;
    this.errorToken = ctx.errorToken;
    this.apiMessage = ctx.apiMessage;
    this.details = details;
    this.attempts = ctx.attempts ?? 1;
  }

  /** Said after the API's words; subclasses explain what a status means for the user. */
  protected static explanation(): string {
    return "";
  }

  private static format(
    ctx: RequestContext & { status: number; errorToken?: string; apiMessage?: string },
    details: ApiErrorDetail[],
    attempts: number,
  ): string {
    let text = `${describeRequest(ctx)} answered ${ctx.status}`;
    if (ctx.errorToken) text += ` ${ctx.errorToken}`;
    if (ctx.apiMessage) text += `: ${oneLine(ctx.apiMessage)}`;
    if (details.length > 0) {
      const parts = details.map((d) => {
        const head = [d.field, d.errorToken].filter(Boolean).join(" ");
        const msg = d.message ? oneLine(d.message) : "";
        return head && msg ? `${head}: ${msg}` : head || msg;
      });
      text += ` (${parts.filter(Boolean).join("; ")})`;
    }
    if (attempts > 1) text += ` [gave up after ${attempts} attempts]`;
    return text;
  }
}

/**
 * A 429 that the API says is the monthly quota (10,000,000 requests per organisation per month):
 * it lasts until the first of the next month, so it is not retried and nothing is slowed down.
 */
export class EmnifyQuotaExceededError extends EmnifyApiError {
  override name = "EmnifyQuotaExceededError";
  protected static override explanation(): string {
    return (
      ". This is emnify's monthly request quota, not the short-term rate limit: it is not retried, " +
      "because emnify refuses requests until the first of next month (contact emnify support to raise it)"
    );
  }
}

/** When a lock that begins now ends: emnify documents 5 minutes. */
export const AUTHENTICATION_LOCK_MS = 5 * 60_000;

/**
 * Where a rejected token comes from, as the dynamic resource and the export command take it. The
 * provider plugin says it its own way (an explicit provider has a token of its own): see
 * provider/plugin/server.ts, which replaces this text.
 */
export const STACK_CONFIG_TOKEN_HINT =
  "the application token set with 'pulumi config set --secret emnify:applicationToken' or the EMNIFY_APPLICATION_TOKEN environment variable";

/** The application token was rejected. Never retried; remembered for the whole process. */
export class EmnifyAuthenticationError extends EmnifyError {
  override name = "EmnifyAuthenticationError";
  readonly status: number;
  readonly apiMessage?: string;
  /** Set when the API said the account is locked: about when the lock ends (epoch ms). */
  readonly lockedUntil?: number;
  constructor(status: number, apiMessage?: string, options?: { cause?: unknown; remembered?: boolean; lockedUntil?: number }) {
    const said = apiMessage ? `: ${oneLine(apiMessage)}` : "";
    if (options?.lockedUntil !== undefined) {
      const until = new Date(options.lockedUntil).toISOString().slice(11, 16);
      super(
        `authenticating with emnify failed: POST /api/v1/authenticate answered ${status}${said}. ` +
          `The emnify account is locked after repeated failed authentications, until about ${until} UTC ` +
          `(emnify locks it for 5 minutes)` +
          (options.remembered ? "; found locked earlier in this run, so not sent again" : "") +
          `. Not retried: try again after that, and check that nothing else authenticates with a wrong application token.`,
        options,
      );
      this.status = status;
      this.apiMessage = apiMessage;
      this.lockedUntil = options.lockedUntil;
      return;
    }
    const remembered = options?.remembered ? " (rejected earlier in this run; not sent again, to avoid locking the account)" : "";
    super(
      `authenticating with emnify failed: POST /api/v1/authenticate answered ${status}${said}${remembered}. ` +
        `Check ${STACK_CONFIG_TOKEN_HINT}; emnify locks the account for 5 minutes ` +
        `after 3 failed attempts, so it is not retried.`,
      options,
    );
    this.status = status;
    this.apiMessage = apiMessage;
  }
}

/** No answer at all after retries: connection refused or reset, DNS failure, timeout. */
export class EmnifyNetworkError extends EmnifyRequestError {
  override name = "EmnifyNetworkError";
  /** The low-level code, e.g. ECONNRESET, ECONNREFUSED, ETIMEDOUT. */
  readonly code?: string;
  readonly attempts: number;
  constructor(ctx: RequestContext & { code?: string; reason: string; attempts: number }, options?: { cause?: unknown }) {
    super(
      `${describeRequest(ctx)} got no answer: ${oneLine(ctx.reason)}` +
        (ctx.attempts > 1 ? ` [gave up after ${ctx.attempts} attempts]` : ""),
      ctx,
      options,
    );
    this.code = ctx.code;
    this.attempts = ctx.attempts;
  }
}

/** The API answered 2xx with a body that is not what its documentation describes. */
export class EmnifyResponseError extends EmnifyRequestError {
  override name = "EmnifyResponseError";
  readonly status: number;
  constructor(ctx: RequestContext & { status: number; problem: string }, options?: { cause?: unknown }) {
    super(`${describeRequest(ctx)} answered ${ctx.status} with an unexpected body: ${oneLine(ctx.problem)}`, ctx, options);
    this.status = ctx.status;
  }
}

/** The provider settings (stack config or environment) are missing or invalid. */
export class EmnifyConfigurationError extends EmnifyError {
  override name = "EmnifyConfigurationError";
}

/** Collapses whitespace so that every message stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * A copy of a low-level error that is safe to keep as `cause` and to print: its name, message and
 * code only. The HTTP library's errors hold the request config and headers (the JWT or the
 * application token), so they are never kept, thrown or logged as they are.
 */
export function scrubCause(error: unknown): Error | undefined {
  if (error === undefined || error === null) return undefined;
  const source = error as { name?: unknown; message?: unknown; code?: unknown };
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- whatever was thrown, as a message would show it
  const copy = new Error(typeof source.message === "string" ? source.message : String(error));
  if (typeof source.name === "string") copy.name = source.name;
  if (typeof source.code === "string") (copy as Error & { code?: string }).code = source.code;
  // The stack of an HTTP library error names only library frames; drop it to keep output short.
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}
