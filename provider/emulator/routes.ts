/**
 * The emnify API routes the emulator knows, and their handlers. Routes are resolved before
 * authentication, so an unknown path answers 404 and a wrong method 405 with or without a token.
 */
import type { EmulatorAccount } from "./types";
import type { EmulatorState, StoredOrganisation } from "./state";
import type { JwtIssuer } from "./jwt";
import type { AuthLockout } from "./lockout";
import type { SlidingWindowRateLimiter } from "./rateLimiter";
import type { MonthlyQuota } from "./monthlyQuota";
import { pageOf, type PageSize, type PagingFault } from "./paging";
import { parseJson, type Reply } from "./http";
import { isPlainObject, PREPAID_RULE_MESSAGE } from "./validation";
import { renderFlat, renderNested } from "./shapes";
import * as err from "./errors";

export interface ApiRequest {
  method: string;
  path: string;
  /** The query string, parsed (paging reads `page` and `per_page`). */
  query: URLSearchParams;
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
  organisationPageSize: PageSize;
  /** The paging fault in force, if any (it can change while the emulator runs). */
  pagingFault(): PagingFault | undefined;
  monthlyQuota?: MonthlyQuota;
  ruleViolationStatus: 409 | 422;
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
  { pattern: /^\/api\/v1\/organisation$/, methods: { GET: listOrganisations } },
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
  if (typeof caller !== "number") return caller;
  const quota = ctx.monthlyQuota?.take(caller);
  if (quota && !quota.allowed) return { status: 429, json: err.tooManyRequests(quota.message) };
  return handler(req, ctx, params, caller);
}

/**
 * The caller's organisation from a valid Bearer JWT, or the 401 to answer. In emnify's recorded
 * traffic its API gateway answers a missing, bad or expired JWT alike, with only a message.
 */
function authorise(req: ApiRequest, ctx: RouteContext): number | Reply {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.authorization ?? "");
  const result = match ? ctx.jwt.verify(match[1]) : undefined;
  if (result?.ok) return result.payload["esc.org"];
  return { status: 401, headers: { ...err.GATEWAY_UNAUTHORIZED_HEADERS }, json: { ...err.GATEWAY_UNAUTHORIZED } };
}

function authenticate(req: ApiRequest, ctx: RouteContext): Reply {
  const now = Date.now();
  const limited = ctx.authLimiter?.take(req.clientKey, now);
  if (limited && !limited.allowed) {
    return { status: 429, headers: ctx.retryAfterHeaders(limited.retryAfterMs), json: err.tooManyRequests() };
  }
  const lockedMs = ctx.lockout?.remainingMs(req.clientKey, now) ?? 0;
  if (ctx.lockout && lockedMs > 0) {
    // Documented: during the lock authenticate answers 401 (not 429) with a TooManyRequests body.
    const { attempts, seconds } = ctx.lockout;
    return {
      status: 401,
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

/** The caller and its children, paged as emnify documents; a child names its parent in `relation`. */
function listOrganisations(req: ApiRequest, ctx: RouteContext, _params: string[], caller: number): Reply {
  const orgs = ctx.state.visibleTo(caller).map(organisationJson);
  const page = pageOf(orgs, req.query, ctx.organisationPageSize, req.path, ctx.pagingFault());
  return { status: 200, headers: page.headers, json: page.items };
}

/** An organisation as emnify shows it: its parent as `relation` (there is no `parent` field). */
function organisationJson(org: StoredOrganisation): Record<string, unknown> {
  const json: Record<string, unknown> = { id: org.id, name: org.name };
  if (org.parentId !== undefined) json.relation = { id: org.parentId, type: { description: "Customer of" } };
  return json;
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
      // Status and code are undocumented: the status is configurable, the body keeps the rule's text.
      return { status: ctx.ruleViolationStatus, json: err.errorBody(1400, "InputValidationFailed", PREPAID_RULE_MESSAGE) };
  }
}

function activeInclusiveVolumes(_req: ApiRequest, ctx: RouteContext, params: string[], caller: number): Reply {
  const access = accessOrganisation(ctx, params[0], caller, false);
  if ("status" in access) return access;
  return { status: 200, json: ctx.state.inclusiveVolumes(access.id) };
}

/** The organisation named by the path, or the 400/403/404/409 the caller gets instead. */
function accessOrganisation(ctx: RouteContext, raw: string, caller: number, write: boolean): StoredOrganisation | Reply {
  // Recorded traffic: an id that is not a whole number (a Java Long) is a 400 BadRequest.
  if (!/^-?\d{1,18}$/.test(raw)) return { status: 400, json: err.idNotALong() };
  const orgId = Number(raw);
  const access = ctx.state.access(caller, orgId, write);
  if (access.ok) return access.org;
  switch (access.reason) {
    case "not_found":
      // Recorded traffic: an id that does not exist is 404 with 1401 InvalidReference, not 1201.
      return { status: 404, json: err.noSuchReference(`Organisation ${orgId} not found`) };
    case "forbidden":
      return { status: 403, json: err.forbidden(`Organisation ${orgId} is not managed by organisation ${caller}`) };
    case "own_organisation":
      return { status: ctx.ruleViolationStatus, json: err.ownOrganisationNotAllowed() };
  }
}
