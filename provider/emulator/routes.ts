/**
 * The emnify API routes the emulator knows, and their handlers. Routes are resolved before
 * authentication, so an unknown path answers 404 and a wrong method 405 with or without a token.
 */
import type { EmulatorAccount } from "./types";
import type { EmulatorState, StoredOrganisation } from "./state";
import type { JwtIssuer } from "./jwt";
import type { AuthLockout } from "./lockout";
import type { SlidingWindowRateLimiter } from "./rateLimiter";
import { parseJson, type Reply } from "./http";
import { isPlainObject, PREPAID_RULE_MESSAGE } from "./validation";
import { renderFlat, renderNested } from "./shapes";
import * as err from "./errors";

export interface ApiRequest {
  method: string;
  path: string;
  body: string;
  authorization?: string;
  /** Who the limits and the lockout count against: the source IP. */
  clientKey: string;
}

export interface RouteContext {
  state: EmulatorState;
  jwt: JwtIssuer;
  accounts: readonly EmulatorAccount[];
  lockout?: AuthLockout;
  authLimiter?: SlidingWindowRateLimiter;
  billingConfigShape: "nested" | "flat";
  /** Headers for a 429 that lasts `ms` more (Retry-After, when enabled). */
  retryAfterHeaders(ms: number): Record<string, string>;
}

type Handler = (req: ApiRequest, ctx: RouteContext, params: string[], caller: number) => Reply;
interface Route {
  pattern: RegExp;
  /** Authenticate is the only route reachable without a JWT. */
  public?: boolean;
  methods: Record<string, Handler>;
}

const ROUTES: Route[] = [
  { pattern: /^\/api\/v1\/authenticate$/, public: true, methods: { POST: (req, ctx) => authenticate(req, ctx) } },
  { pattern: /^\/api\/v1\/organisation$/, methods: { GET: listChildren } },
  { pattern: /^\/api\/v1\/organisation\/my$/, methods: { GET: ownOrganisation } },
  {
    pattern: /^\/api\/v1\/organisation\/([^/]+)\/billing_config$/,
    methods: { GET: getBillingConfig, PATCH: patchBillingConfig },
  },
  { pattern: /^\/api\/v1\/organisation\/([^/]+)\/inclusive_volume\/active$/, methods: { GET: activeInclusiveVolumes } },
];

export function route(req: ApiRequest, ctx: RouteContext): Reply {
  const found = ROUTES.map((r) => ({ r, m: r.pattern.exec(req.path) })).find((x) => x.m !== null);
  if (!found || !found.m) return { status: 404, json: err.notFound(`No route for ${req.method} ${req.path}`) };
  const handler = found.r.methods[req.method];
  if (!handler) {
    const allow = Object.keys(found.r.methods).join(", ");
    return {
      status: 405,
      headers: { allow },
      json: { error_token: "MethodNotAllowed", message: `${req.method} is not allowed on ${req.path}; use ${allow}` },
    };
  }
  const params = found.m.slice(1);
  if (found.r.public) return handler(req, ctx, params, 0);
  const caller = authorise(req, ctx);
  return typeof caller === "number" ? handler(req, ctx, params, caller) : caller;
}

/** The caller's organisation from a valid Bearer JWT, or the 401 to answer. */
function authorise(req: ApiRequest, ctx: RouteContext): number | Reply {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.authorization ?? "");
  if (!match) return { status: 401, json: err.invalidToken("Missing or malformed Authorization header") };
  const result = ctx.jwt.verify(match[1]);
  if (result.ok) return result.payload["esc.org"];
  return result.reason === "expired"
    ? { status: 401, json: err.tokenExpired() }
    : { status: 401, json: err.invalidToken("Invalid token") };
}

function authenticate(req: ApiRequest, ctx: RouteContext): Reply {
  const now = Date.now();
  const limited = ctx.authLimiter?.take(req.clientKey, now);
  if (limited && !limited.allowed) {
    return { status: 429, headers: ctx.retryAfterHeaders(limited.retryAfterMs), json: err.tooManyRequests() };
  }
  const lockedMs = ctx.lockout?.remainingMs(req.clientKey, now) ?? 0;
  if (ctx.lockout && lockedMs > 0) {
    const { attempts, seconds } = ctx.lockout;
    return {
      status: 429,
      headers: ctx.retryAfterHeaders(lockedMs),
      json: err.tooManyRequests(`Too many failed authentication attempts (${attempts}): locked for ${seconds} seconds`),
    };
  }
  const parsed = parseJson(req.body);
  if (!parsed.ok) return { status: 400, json: err.badRequest("Cannot parse request body as JSON") };
  if (!isPlainObject(parsed.value)) return { status: 400, json: err.badRequest("Request body must be a JSON object") };
  const token = parsed.value.application_token;
  if (typeof token !== "string") {
    return { status: 422, json: err.validationFailed([err.required("application_token")]) };
  }
  const index = ctx.accounts.findIndex((a) => a.applicationToken === token);
  if (index < 0) {
    ctx.lockout?.recordFailure(req.clientKey, now);
    return { status: 401 }; // real emnify often answers a rejected token with an empty body
  }
  ctx.lockout?.recordSuccess(req.clientKey);
  const account = ctx.accounts[index];
  return { status: 200, json: { auth_token: ctx.jwt.issue({ sub: `application-${index + 1}`, org: account.organisationId }, now) } };
}

function listChildren(_req: ApiRequest, ctx: RouteContext, _params: string[], caller: number): Reply {
  const orgs = ctx.state.children(caller).map((o) => ({ id: o.id, name: o.name, parent: { id: caller } }));
  return { status: 200, json: orgs };
}

function ownOrganisation(_req: ApiRequest, ctx: RouteContext, _params: string[], caller: number): Reply {
  const org = ctx.state.get(caller);
  if (!org) return { status: 404, json: err.notFound(`Organisation ${caller} not found`) };
  return { status: 200, json: { id: org.id, name: org.name } };
}

function getBillingConfig(_req: ApiRequest, ctx: RouteContext, params: string[], caller: number): Reply {
  const access = accessOrganisation(ctx, params[0], caller, false);
  if ("status" in access) return access;
  const config = access.billingConfig;
  return { status: 200, json: ctx.billingConfigShape === "flat" ? renderFlat(config) : renderNested(config) };
}

function patchBillingConfig(req: ApiRequest, ctx: RouteContext, params: string[], caller: number): Reply {
  const access = accessOrganisation(ctx, params[0], caller, true);
  if ("status" in access) return access;
  const parsed = parseJson(req.body);
  if (!parsed.ok) return { status: 400, json: err.badRequest("Cannot parse request body as JSON") };
  const result = ctx.state.patchBillingConfig(access.id, parsed.value);
  if (result.ok) return { status: 200, json: {} };
  switch (result.reason) {
    case "not_an_object":
      return { status: 400, json: err.badRequest("Request body must be a JSON object") };
    case "invalid":
      return { status: 422, json: err.validationFailed(result.errors) };
    case "prepaid_rule":
      return { status: 422, json: err.errorBody(1400, "InputValidationFailed", PREPAID_RULE_MESSAGE) };
  }
}

function activeInclusiveVolumes(_req: ApiRequest, ctx: RouteContext, params: string[], caller: number): Reply {
  const access = accessOrganisation(ctx, params[0], caller, false);
  if ("status" in access) return access;
  return { status: 200, json: ctx.state.inclusiveVolumes(access.id) };
}

/** The organisation named by the path, or the 400/403/404/422 the caller gets instead. */
function accessOrganisation(ctx: RouteContext, raw: string, caller: number, write: boolean): StoredOrganisation | Reply {
  // The docs type org_id as a number ("double"); anything else in the path is a bad request.
  if (!/^\d+(\.\d+)?$/.test(raw)) return { status: 400, json: err.badRequest(`org_id must be numeric, got "${raw}"`) };
  const orgId = Number(raw);
  const access = ctx.state.access(caller, orgId, write);
  if (access.ok) return access.org;
  switch (access.reason) {
    case "not_found":
      return { status: 404, json: err.notFound(`Organisation ${orgId} not found`) };
    case "forbidden":
      return { status: 403, json: err.forbidden(`Organisation ${orgId} is not managed by organisation ${caller}`) };
    case "own_organisation":
      return { status: 422, json: err.errorBody(1406, "InputValidationFailed", "Updating of own organisation not allowed") };
  }
}
