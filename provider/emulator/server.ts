/**
 * The emnify API emulator: a real HTTP server on loopback. Each request goes through, in order:
 * the request log, fault rules, the per-IP rate limit, routing (404/405), authentication, and the
 * handler. `latencyMs` delays every answer, including errors and faults that answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type {
  ApiBillingConfig,
  EmulatorAccount,
  EmulatorOptions,
  FaultRule,
  PathRateLimit,
  RateLimit,
  RequestLogEntry,
  SeedOrganisation,
} from "./types";
import {
  ACCOUNT_ORGANISATION_NAME,
  DEFAULT_AUTH_RATE_LIMIT,
  DEFAULT_CATALOGUE,
  DEFAULT_JWT_LIFETIME_SECONDS,
  DEFAULT_LOCKOUT,
  DEFAULT_MONTHLY_QUOTA,
  DEFAULT_ORGANISATION_PAGE_SIZE,
  DEFAULT_RULE_VIOLATION_STATUS,
  DEFAULT_RATE_LIMIT,
  DEFAULT_SEED,
  DEMO_APPLICATION_TOKEN,
  DEMO_ORGANISATION_ID,
} from "./defaults";
import { EmulatorState } from "./state";
import { JwtIssuer } from "./jwt";
import { AuthLockout } from "./lockout";
import { PathRateLimits, SlidingWindowRateLimiter } from "./rateLimiter";
import { FaultInjector } from "./faults";
import { MonthlyQuota } from "./monthlyQuota";
import { checkPageSize, checkPagingFault, type PagingFault } from "./paging";
import { BodyTooLargeError, readBody, writeReply, type Reply } from "./http";
import { route, type RouteContext } from "./routes";
import { loggedBody, matchesFilter, type LogFilter } from "./requestLog";
import { defaultBodyForStatus, tooManyRequests } from "./errors";

/** What a "malformed" fault answers: JSON cut off in the middle. */
export const MALFORMED_BODY = '{"id": 8, "vatin"';

export class EmnifyEmulator {
  /** Every request, in arrival order; an entry's status is filled in when it is answered. */
  readonly requests: RequestLogEntry[] = [];

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly state: EmulatorState;
  private readonly jwt: JwtIssuer;
  private readonly faults: FaultInjector;
  private readonly routeContext: RouteContext;
  private readonly latencyMs: number;
  private readonly logBodies: boolean;
  private readonly sendRetryAfter: boolean;
  private limiter?: SlidingWindowRateLimiter;
  private pagingFault?: PagingFault;
  private pathLimits = new PathRateLimits([]);
  private address = "";
  private stopping?: Promise<void>;

  /** Starts an emulator listening on loopback (a random port unless `port` is given). */
  static async start(options: EmulatorOptions & { seed?: number } = {}): Promise<EmnifyEmulator> {
    const emulator = new EmnifyEmulator(options);
    await emulator.listen(options.host ?? "127.0.0.1", options.port ?? 0);
    return emulator;
  }

  private constructor(options: EmulatorOptions & { seed?: number }) {
    const accounts: EmulatorAccount[] = (
      options.accounts ?? [{ applicationToken: DEMO_APPLICATION_TOKEN, organisationId: DEMO_ORGANISATION_ID }]
    ).map((a) => ({ ...a }));
    const lifetime = options.jwtLifetimeSeconds ?? DEFAULT_JWT_LIFETIME_SECONDS;
    if (!(lifetime > 0)) throw new RangeError(`jwtLifetimeSeconds must be > 0, got ${lifetime}`);
    this.latencyMs = options.latencyMs ?? 0;
    if (!(this.latencyMs >= 0)) throw new RangeError(`latencyMs must be >= 0, got ${this.latencyMs}`);
    this.logBodies = options.logRequestBodies ?? true;
    this.sendRetryAfter = options.sendRetryAfter ?? false;

    const accountOrgIds = [...new Set(accounts.map((a) => a.organisationId))];
    this.state = new EmulatorState(structuredClone(options.catalogue ?? DEFAULT_CATALOGUE), accountOrgIds);
    const seeded = new Set((options.organisations ?? []).map((o) => o.id));
    for (const id of accountOrgIds) if (!seeded.has(id)) this.state.seed({ id, name: ACCOUNT_ORGANISATION_NAME });
    for (const org of options.organisations ?? []) this.state.seed(org);

    this.jwt = new JwtIssuer(lifetime);
    this.faults = new FaultInjector(options.seed ?? DEFAULT_SEED);
    this.setRateLimit(options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit);
    this.setPathRateLimits(options.pathRateLimits ?? []);
    const lockout = options.lockout === undefined ? DEFAULT_LOCKOUT : options.lockout;
    const authRateLimit = options.authRateLimit === undefined ? DEFAULT_AUTH_RATE_LIMIT : options.authRateLimit;
    const monthlyQuota = options.monthlyQuota === undefined ? DEFAULT_MONTHLY_QUOTA : options.monthlyQuota;
    const ruleViolationStatus = options.ruleViolationStatus ?? DEFAULT_RULE_VIOLATION_STATUS;
    if (ruleViolationStatus !== 409 && ruleViolationStatus !== 422) {
      throw new RangeError(`ruleViolationStatus must be 409 or 422, got ${String(ruleViolationStatus)}`);
    }
    this.setPagingFault(options.pagingFault);
    this.routeContext = {
      state: this.state,
      jwt: this.jwt,
      accounts,
      lockout: lockout ? new AuthLockout(lockout.attempts, lockout.seconds) : undefined,
      authLimiter: authRateLimit ? new SlidingWindowRateLimiter(authRateLimit) : undefined,
      billingConfigShape: options.billingConfigShape ?? "nested",
      organisationPageSize: checkPageSize(options.organisationPageSize ?? DEFAULT_ORGANISATION_PAGE_SIZE),
      pagingFault: () => this.pagingFault,
      monthlyQuota: monthlyQuota === false ? undefined : new MonthlyQuota(monthlyQuota),
      ruleViolationStatus,
      retryAfterHeaders: (ms) => this.retryAfterHeaders(ms),
    };

    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  /** "http://127.0.0.1:PORT", without a trailing slash. */
  get url(): string {
    return this.address;
  }

  /** Closes the server and destroys every open socket, including hung ones. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.server.closeAllConnections();
    });
    return this.stopping;
  }

  seedOrganisation(org: SeedOrganisation): void {
    this.state.seed(org);
  }

  removeOrganisation(id: number): void {
    this.state.remove(id);
  }

  billingConfig(orgId: number): ApiBillingConfig {
    return this.state.billingConfig(orgId);
  }

  setBillingConfig(orgId: number, patch: ApiBillingConfig): void {
    this.state.setBillingConfig(orgId, patch);
  }

  setInclusiveVolumes(orgId: number, volumes: unknown[]): void {
    this.state.setInclusiveVolumes(orgId, volumes);
  }

  clearRequests(): void {
    this.requests.length = 0; // in place, so a reference held by a test stays live
  }

  count(filter: LogFilter = {}): number {
    return this.requests.filter((entry) => matchesFilter(entry, filter)).length;
  }

  injectFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  expireSessions(): void {
    this.jwt.expireAll();
  }

  /**
   * Rotates an account's application token, as deleting it and issuing a new one in emnify's portal
   * does: authenticate refuses the old token from now on. Sessions already issued stay valid.
   */
  replaceApplicationToken(oldToken: string, newToken: string): void {
    const account = this.routeContext.accounts.find((a) => a.applicationToken === oldToken);
    if (!account) throw new Error("replaceApplicationToken: no account has that application token");
    account.applicationToken = newToken;
  }

  /**
   * A fault in paging GET /api/v1/organisation, on purpose, until replaced or cleared with
   * undefined: `{ kind: "repeat-page", page }` answers that page with the previous page's items;
   * `{ kind: "wrong-total-count", offset }` makes X-Total-Count disagree with the pages.
   */
  setPagingFault(fault: PagingFault | undefined): void {
    this.pagingFault = fault === undefined ? undefined : checkPagingFault(fault);
  }

  /** Replaces the per-IP limit for all requests; the window starts empty. */
  setRateLimit(limit: RateLimit | false): void {
    this.limiter = limit ? new SlidingWindowRateLimiter(limit) : undefined;
  }

  /**
   * Replaces the limits on paths (and short-term limits on all requests); their windows start
   * empty. A test can tighten a limit in the middle of a run this way.
   */
  setPathRateLimits(limits: PathRateLimit[]): void {
    this.pathLimits = new PathRateLimits(limits);
  }

  private listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const address = this.server.address();
        const actualPort = typeof address === "object" && address ? address.port : port;
        this.address = `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`;
        resolve();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const [path, rawQuery = ""] = (req.url ?? "/").split(/\?(.*)/s, 2);
    const entry: RequestLogEntry = { method, path, status: 0, at: Date.now() };
    this.requests.push(entry);

    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        this.answer(res, entry, { status: 413, json: { message: "Request Entity Too Large" } });
      }
      return; // otherwise the client went away
    }
    if (this.logBodies && body.length > 0) entry.body = loggedBody(path, body);

    const fault = this.faults.match(method, path);
    if (fault) {
      entry.fault = fault.kind;
      if (fault.kind !== "latency") return this.applyFault(fault, req, res, entry);
      await this.delay(fault.delayMs ?? 0);
    }

    const clientKey = req.socket.remoteAddress ?? "unknown";
    // Both limits must pass, and a request refused by one is counted by neither.
    const overall = this.limiter?.check(clientKey);
    let limited = overall?.allowed === false ? overall : this.pathLimits.take(clientKey, method, path);
    if (limited.allowed && this.limiter) limited = this.limiter.take(clientKey);
    if (!limited.allowed) {
      return this.answer(res, entry, {
        status: 429,
        headers: this.retryAfterHeaders(limited.retryAfterMs),
        json: tooManyRequests(),
      });
    }

    let reply: Reply;
    try {
      const authorization = req.headers.authorization;
      reply = route({ method, path, query: new URLSearchParams(rawQuery), body, authorization, clientKey }, this.routeContext);
    } catch (error) {
      // A bug in the emulator must show up as a failing request, not as a hung one.
      reply = { status: 500, json: { message: `emulator error: ${(error as Error).message}` } };
    }
    this.answer(res, entry, reply);
  }

  private applyFault(fault: FaultRule, req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry): void {
    switch (fault.kind) {
      case "status": {
        const status = fault.status ?? 500;
        const headers: Record<string, string> =
          fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) };
        const body = fault.body === undefined ? defaultBodyForStatus(status) : fault.body;
        if (typeof body === "string") {
          if (body.length > 0) headers["content-type"] = "text/plain; charset=utf-8";
          return this.answer(res, entry, { status, headers, text: body });
        }
        return this.answer(res, entry, { status, headers, json: body });
      }
      case "reset":
        // An RST rather than a FIN, so that clients see ECONNRESET as with a real network fault.
        req.socket.resetAndDestroy();
        return;
      case "timeout":
        return; // never answered; stop() destroys the socket
      case "malformed":
        return this.answer(res, entry, {
          status: 200,
          headers: { "content-type": "application/json" },
          text: MALFORMED_BODY,
        });
      case "latency":
        return; // handled by the caller, which then goes on normally
    }
  }

  /** Writes the answer after `latencyMs`, and records its status in the log entry. */
  private answer(res: ServerResponse, entry: RequestLogEntry, reply: Reply): void {
    const write = () => {
      if (this.stopping || res.destroyed || res.writableEnded) return;
      entry.status = reply.status;
      writeReply(res, reply);
    };
    if (this.latencyMs > 0) this.after(this.latencyMs, write);
    else write();
  }

  private retryAfterHeaders(ms: number): Record<string, string> {
    return this.sendRetryAfter ? { "retry-after": String(Math.ceil(ms / 1000)) } : {};
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** A timer that stop() cancels, so no answer is attempted on a closed server. */
  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}

/** `EmnifyEmulator.start`, as a function of its own. */
export const startEmulator = (options?: Parameters<typeof EmnifyEmulator.start>[0]): ReturnType<typeof EmnifyEmulator.start> =>
  EmnifyEmulator.start(options);
