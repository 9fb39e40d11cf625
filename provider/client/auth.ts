/**
 * Sessions: which JWT to send, when to get a new one, and which application tokens were rejected.
 *
 * Session state lives at module level, keyed by a SHA-256 of API base URL and application token,
 * so that every client in the provider host process that uses the same token shares it: one
 * authenticate call serves a whole stack, however many resources (and client instances) it has.
 * That matters twice over for a wrong token: emnify locks the account for 5 minutes after 3 failed
 * authenticate attempts, so a rejected token must be tried once per process and then never again.
 * Neither the token nor any JWT is used as a key or logged; the hash cannot be turned back into the
 * token.
 */

import { createHash } from "node:crypto";
import { z } from "zod";
import { EmnifyAuthenticationError } from "./errors";

export const AUTHENTICATE_PATH = "/api/v1/authenticate";

/** What a successful authenticate answers; other fields are ignored. */
export const AuthenticateResponse = z.object({ auth_token: z.string().min(1) });

/** Renew this long before the JWT expires, so that no request is sent with a token about to lapse. */
export const RENEW_BEFORE_EXPIRY_MS = 60_000;

interface SessionState {
  jwt?: string;
  /** Wall-clock time (epoch ms) from which `jwt` is no longer used; Infinity when it has no `exp`. */
  renewAt: number;
  /** The authentication under way, shared by everyone who needs a JWT meanwhile. */
  inFlight?: Promise<string>;
  /** Set once the API rejected the application token; never cleared for the life of the process. */
  rejected?: { status: number; apiMessage?: string; lockedUntil?: number };
  /** The last few JWTs, newest first, so that error messages can be scrubbed of them. */
  recent: string[];
}

/** How many recent JWTs are kept for scrubbing. */
const REMEMBERED_JWTS = 4;

const sessions = new Map<string, SessionState>();

function sessionKey(baseUrl: string, applicationToken: string): string {
  return createHash("sha256").update(baseUrl).update("\n").update(applicationToken).digest("hex");
}

export class Session {
  // ECMAScript-private: util.inspect() of a client (which holds a session) must not show the JWT.
  readonly #state: SessionState;

  /** @param now wall-clock time in epoch ms, the clock a JWT's `exp` is written in. */
  readonly #now: () => number;

  constructor(baseUrl: string, applicationToken: string, now: () => number) {
    this.#now = now;
    const key = sessionKey(baseUrl, applicationToken);
    let state = sessions.get(key);
    if (state === undefined) {
      state = { renewAt: 0, recent: [] };
      sessions.set(key, state);
    }
    this.#state = state;
  }

  /**
   * The JWT to send now: the cached one while it is fresh, otherwise the result of `authenticate`,
   * which runs at most once at a time however many callers are waiting.
   */
  token(authenticate: () => Promise<string>): Promise<string> {
    const state = this.#state;
    if (state.rejected !== undefined) {
      return Promise.reject(
        new EmnifyAuthenticationError(state.rejected.status, state.rejected.apiMessage, {
          remembered: true,
          lockedUntil: state.rejected.lockedUntil,
        }),
      );
    }
    if (state.jwt !== undefined && this.#now() < state.renewAt) return Promise.resolve(state.jwt);
    if (state.inFlight === undefined) {
      state.inFlight = authenticate()
        .then((jwt) => {
          state.jwt = jwt;
          state.recent = [jwt, ...state.recent.filter((j) => j !== jwt)].slice(0, REMEMBERED_JWTS);
          state.renewAt = renewalTime(jwt, this.#now());
          return jwt;
        })
        .finally(() => {
          state.inFlight = undefined;
        });
    }
    return state.inFlight;
  }

  /** JWTs recently used with this token (for scrubbing error messages, never for sending). */
  recentJwts(): readonly string[] {
    return this.#state.recent;
  }

  /**
   * The API answered 401 to a request sent with `jwt`. Drops it if it is still the cached one and
   * says whether it did; if another request already replaced it, the newer JWT is simply used.
   */
  invalidate(jwt: string): boolean {
    if (this.#state.jwt !== jwt) return false;
    this.#state.jwt = undefined;
    return true;
  }

  /**
   * The API rejected the application token, or said the account is locked (then `lockedUntil`):
   * remember it for every client of this process.
   */
  reject(status: number, apiMessage?: string, lockedUntil?: number): void {
    this.#state.rejected = { status, apiMessage, lockedUntil };
    this.#state.jwt = undefined;
  }
}

/**
 * The `exp` claim of a JWT in epoch ms, read without verifying the signature (the client only
 * needs to know when to renew; the API does the verifying). Undefined when absent or unreadable.
 */
export function jwtExpiry(jwt: string): number | undefined {
  const payload = jwt.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When to stop using a JWT received at `receivedAt`: 60 s before it expires, or halfway through
 * its remaining life if that is shorter (a short-lived token, as in tests, must still be used more
 * than once). A JWT without `exp`, or one that looks expired on arrival (our clock is ahead of the
 * API's), is kept until the API answers 401: renewing at every request would burn through the
 * 100-per-5-minutes authenticate limit.
 */
export function renewalTime(jwt: string, receivedAt: number): number {
  const expiresAt = jwtExpiry(jwt);
  if (expiresAt === undefined || expiresAt <= receivedAt) return Number.POSITIVE_INFINITY;
  const margin = Math.min(RENEW_BEFORE_EXPIRY_MS, (expiresAt - receivedAt) / 2);
  return expiresAt - margin;
}
