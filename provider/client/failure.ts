/**
 * How a request finally failed, as plain data, and its translation into the public typed errors.
 *
 * The retry loop does not know who asked: an authentication it runs may be awaited by many
 * requests at once, each of which must report the failure in its own words ("authenticating before
 * reading billing config for organisation 101 failed: ..."). So the loop throws a {@link Failure}
 * (internal, never escapes the client), and each caller turns it into an error with its context.
 */

import type { ParsedErrorBody } from "./apiErrorBody";
import {
  type EmnifyError,
  EmnifyApiError,
  EmnifyNetworkError,
  EmnifyQuotaExceededError,
  EmnifyResponseError,
  type RequestContext,
} from "./errors";

export type Failure =
  /** The API answered a status that is not retried, or retries ran out. */
  | { kind: "status"; status: number; body: ParsedErrorBody; attempts: number; monthlyQuota?: boolean }
  /** No answer: connection refused or broken, timeout. */
  | { kind: "no-answer"; code?: string; reason: string; attempts: number; cause?: Error }
  /** A 2xx answer whose body is not what was expected. */
  | { kind: "malformed"; status: number; problem: string; attempts: number };

/** Carries a {@link Failure} up the stack inside the client. */
export class FailureSignal extends Error {
  override name = "FailureSignal";
  /** Set by the retry loop: some attempt's outcome was unknown (see EmnifyError.mayHaveBeenApplied). */
  mayHaveBeenApplied = false;
  constructor(readonly failure: Failure) {
    super(`request failed (${failure.kind})`);
  }
}

/** Replaces every occurrence of a secret with a marker. */
export type Redactor = (text: string) => string;

export function redactorFor(secrets: () => Iterable<string>): Redactor {
  return (text) => {
    let out = text;
    for (const secret of secrets()) {
      // Very short strings would match innocent text; tokens and JWTs are long.
      if (secret.length >= 8) out = out.split(secret).join("[redacted]");
    }
    return out;
  };
}

/**
 * The public error for `failure` in the context `ctx`. The application token and JWTs never appear
 * in what the API or the network library say, but an echoing proxy could prove that wrong, so
 * every text from outside passes through `redact`.
 */
export function toEmnifyError(failure: Failure, ctx: RequestContext, redact: Redactor): EmnifyError {
  switch (failure.kind) {
    case "status": {
      const { body } = failure;
      return new (failure.monthlyQuota ? EmnifyQuotaExceededError : EmnifyApiError)({
        ...ctx,
        status: failure.status,
        errorCode: body.errorCode,
        errorToken: body.errorToken === undefined ? undefined : redact(body.errorToken),
        apiMessage: body.message === undefined ? undefined : redact(body.message),
        details: body.details.map((d) => ({
          ...d,
          ...(d.message === undefined ? {} : { message: redact(d.message) }),
          ...(d.errorToken === undefined ? {} : { errorToken: redact(d.errorToken) }),
          ...(d.field === undefined ? {} : { field: redact(d.field) }),
        })),
        attempts: failure.attempts,
      });
    }
    case "no-answer":
      return new EmnifyNetworkError(
        { ...ctx, code: failure.code, reason: redact(failure.reason), attempts: failure.attempts },
        { cause: redactCause(failure.cause, redact) },
      );
    case "malformed":
      return new EmnifyResponseError({
        ...ctx,
        status: failure.status,
        problem: redact(failure.problem) + (failure.attempts > 1 ? ` [gave up after ${failure.attempts} attempts]` : ""),
      });
  }
}

function redactCause(cause: Error | undefined, redact: Redactor): Error | undefined {
  if (cause === undefined) return undefined;
  cause.message = redact(cause.message);
  cause.stack = `${cause.name}: ${cause.message}`;
  return cause;
}
