/**
 * The HTTP library's error objects carry the request config, headers included, and so the bearer
 * JWT (and, on authenticate, the body with the application token). None may ever be thrown or
 * printed as it is: every failure kind is driven through the EmnifyClient (and the provider) against
 * the emulator, and the error that comes out is taken apart: its class, every object reachable from
 * it (cause chain, own properties, hidden ones too), and every way it can be printed.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { inspect } from "node:util";
import axios, { AxiosError } from "axios";
import { billingConfigApi } from "../../provider/billing/billingConfigApi";
import { BillingConfigProvider } from "../../provider/resource/billingConfigProvider";
import { EmnifyClient, type EmnifyClientOptions } from "../../provider/client/emnifyClient";
import {
  EmnifyApiError,
  EmnifyAuthenticationError,
  EmnifyError,
  EmnifyNetworkError,
  EmnifyResponseError,
} from "../../provider/client/errors";
import { RequestPacer } from "../../provider/client/pacer";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator, type FaultRule } from "../../provider/emulator";
import { JWT_PATTERN } from "../../tools/secretLedger";

const ORG = 101;
const FOREIGN_ORG = 900;
const PATH = (orgId: number) => `/api/v1/organisation/${orgId}/billing_config`;
const AUTHENTICATE = "/api/v1/authenticate";
/**
 * Sessions are shared per process (by endpoint and token), so a case that needs an authenticate
 * call of its own uses an account nobody has authenticated with yet.
 */
const FRESH_ACCOUNTS = ["second-account-token-for-the-secret-test-1", "second-account-token-for-the-secret-test-2"];
const SECRETS = [DEMO_APPLICATION_TOKEN, "rejected-token-for-the-secret-test", "second-account-token-for-the-secret-test"];

/** Keys under which an HTTP library keeps the request, the response or their headers. */
const FORBIDDEN_KEYS = /^(config|request|response|headers|_header|socket|agent|req|res|_currentRequest|_options)$/i;

/** Every object reachable from `root` (own properties, enumerable or not, symbols, the cause chain). */
function reachable(root: unknown): { path: string; value: unknown }[] {
  const out: { path: string; value: unknown }[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, path: string, depth: number) => {
    if (value === null || (typeof value !== "object" && typeof value !== "function") || seen.has(value) || depth > 12) return;
    seen.add(value);
    out.push({ path, value });
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && "value" in descriptor) visit(descriptor.value, `${path}.${String(key)}`, depth + 1);
    }
  };
  visit(root, "error", 0);
  return out;
}

/** The problems that make an error unsafe to throw or print; empty when it is safe. */
function httpLibraryTraces(error: unknown, secrets: string[]): string[] {
  const problems: string[] = [];
  for (const { path, value } of reachable(error)) {
    if (value instanceof AxiosError || axios.isAxiosError(value)) problems.push(`${path} is an AxiosError`);
    if (value instanceof http.ClientRequest || value instanceof http.IncomingMessage || value instanceof net.Socket) {
      problems.push(`${path} is a ${(value as object).constructor.name}`);
    }
    for (const key of Reflect.ownKeys(value as object)) {
      if (typeof key === "string" && FORBIDDEN_KEYS.test(key)) problems.push(`${path} has a "${key}" property`);
    }
  }
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && chain.length < 10; e = (e as { cause?: unknown }).cause) chain.push(e);
  const renderings = chain.flatMap((e) => [
    inspect(e, { depth: Infinity }),
    inspect(e, { depth: Infinity, showHidden: true }),
    JSON.stringify(e) ?? "",
    String(e),
    e instanceof Error ? String(e.stack) : "",
  ]);
  for (const text of renderings) {
    if (/authorization/i.test(text)) problems.push(`a rendering mentions Authorization: ${text.slice(0, 120)}`);
    if (/bearer\s/i.test(text)) problems.push(`a rendering holds a bearer value: ${text.slice(0, 120)}`);
    JWT_PATTERN.lastIndex = 0;
    if (JWT_PATTERN.test(text)) problems.push("a rendering holds a JWT");
    for (const secret of secrets) if (text.includes(secret)) problems.push("a rendering holds the application token");
  }
  return [...new Set(problems)];
}

interface Case {
  title: string;
  /** The error class expected, and a part of its message. */
  expect: [new (...args: never[]) => EmnifyError, RegExp];
  faults?: FaultRule[];
  /** Defaults to a GET of organisation 101's billing config with the demo token. */
  run?: (ctx: { emu: EmnifyEmulator; client: (options?: Partial<EmnifyClientOptions>) => EmnifyClient }) => Promise<unknown>;
}

const read = (client: EmnifyClient, orgId = ORG) =>
  client.request({ method: "GET", path: PATH(orgId), operation: "reading billing config", orgId });

const always = (rule: Omit<FaultRule, "times">): FaultRule => ({ ...rule, times: Infinity });

const CASES: Case[] = [
  {
    title: "a rejected application token (401 on authenticate)",
    expect: [EmnifyAuthenticationError, /answered 401/],
    run: ({ client }) => read(client({ applicationToken: "rejected-token-for-the-secret-test-1" })),
  },
  {
    title: "a rejected token remembered for the process",
    expect: [EmnifyAuthenticationError, /rejected earlier in this run/],
    run: async ({ client }) => {
      await read(client({ applicationToken: "rejected-token-for-the-secret-test-2" })).catch(() => undefined);
      return read(client({ applicationToken: "rejected-token-for-the-secret-test-2" }));
    },
  },
  {
    title: "401 again after re-authenticating",
    expect: [EmnifyApiError, /answered 401/],
    faults: [{ method: "GET", path: PATH(ORG), kind: "status", status: 401, times: 2 }],
  },
  { title: "400 Bad Request", expect: [EmnifyApiError, /answered 400/], faults: [{ method: "GET", kind: "status", status: 400 }] },
  {
    title: "403 for an organisation of another reseller",
    expect: [EmnifyApiError, /answered 403/],
    run: ({ client }) => read(client(), FOREIGN_ORG),
  },
  {
    title: "404 for an organisation that does not exist",
    expect: [EmnifyApiError, /answered 404/],
    run: ({ client }) => read(client(), 4040),
  },
  {
    title: "422 with nested errors[] for an unknown reference",
    expect: [EmnifyApiError, /answered 422/],
    run: ({ client }) =>
      client().request({
        method: "PATCH",
        path: PATH(ORG),
        body: { charging_model: { id: 99 } },
        operation: "updating billing config",
        orgId: ORG,
      }),
  },
  {
    title: "429 without Retry-After until retries run out",
    expect: [EmnifyApiError, /answered 429/],
    faults: [always({ method: "GET", kind: "status", status: 429 })],
  },
  {
    title: "429 with Retry-After until retries run out",
    expect: [EmnifyApiError, /answered 429/],
    faults: [always({ method: "GET", kind: "status", status: 429, retryAfterSeconds: 0 })],
  },
  ...[500, 502, 503, 504].map((status): Case => ({
    title: `${status} until retries run out`,
    expect: [EmnifyApiError, new RegExp(`answered ${status}`)],
    faults: [always({ method: "GET", kind: "status", status })],
  })),
  {
    title: "connection resets until retries run out",
    expect: [EmnifyNetworkError, /got no answer/],
    faults: [always({ method: "GET", kind: "reset" })],
  },
  {
    title: "timeouts until retries run out",
    expect: [EmnifyNetworkError, /no complete answer within 300 ms/],
    faults: [always({ method: "GET", kind: "timeout" })],
  },
  {
    title: "a malformed 2xx body until retries run out",
    expect: [EmnifyResponseError, /not valid JSON/],
    faults: [always({ method: "GET", kind: "malformed" })],
  },
  {
    title: "a 2xx body that does not match the schema",
    expect: [EmnifyResponseError, /unexpected body/],
    faults: [{ method: "GET", kind: "status", status: 200, body: { id: "eight", vatin: 5 } }],
    run: ({ client }) => billingConfigApi(client()).get(ORG, "reading billing config"),
  },
  {
    title: "an error body that echoes the application token back",
    expect: [EmnifyApiError, /\[redacted\]/],
    faults: [
      {
        method: "GET",
        kind: "status",
        status: 400,
        body: { error_token: "BadRequest", message: `token ${DEMO_APPLICATION_TOKEN} is not welcome here` },
      },
    ],
  },
  {
    title: "authenticate answering 503 until retries run out",
    expect: [
      EmnifyApiError,
      /authenticating before reading billing config for organisation 101 failed: POST \/api\/v1\/authenticate answered 503/,
    ],
    faults: [always({ path: AUTHENTICATE, kind: "status", status: 503 })],
    run: ({ client }) => read(client({ applicationToken: FRESH_ACCOUNTS[0] })),
  },
  {
    title: "authenticate resetting the connection until retries run out",
    expect: [EmnifyNetworkError, /authenticating before reading billing config/],
    faults: [always({ path: AUTHENTICATE, kind: "reset" })],
    run: ({ client }) => read(client({ applicationToken: FRESH_ACCOUNTS[1] })),
  },
  {
    title: "a refused connection",
    expect: [EmnifyNetworkError, /ECONNREFUSED|connect/],
    run: async ({ client }) => {
      const closed = await new Promise<number>((resolve) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
          const { port } = server.address() as net.AddressInfo;
          server.close(() => resolve(port));
        });
      });
      return read(client({ endpoint: `http://127.0.0.1:${closed}` }));
    },
  },
  {
    title: "a PATCH without a definite answer, through the provider (a partial failure with a cause)",
    expect: [EmnifyError, /may or may not have been applied/],
    faults: [always({ method: "PATCH", kind: "status", status: 502 })],
    run: ({ client }) =>
      new BillingConfigProvider(() => billingConfigApi(client())).create({ orgId: ORG, vatin: "DE999999999", restoreOnDelete: false }),
  },
];

describe("errors from the HTTP library never leave the client as they are", function () {
  this.timeout(30_000);
  let emu: EmnifyEmulator;

  before(async () => {
    emu = await EmnifyEmulator.start({
      accounts: [DEMO_APPLICATION_TOKEN, ...FRESH_ACCOUNTS].map((applicationToken) => ({ applicationToken, organisationId: 1 })),
      organisations: [{ id: ORG }, { id: FOREIGN_ORG, parentId: 999 }, { id: 999 }],
      lockout: false,
    });
  });
  afterEach(() => emu.clearFaults());
  after(() => emu?.stop());

  const clientFactory = (options: Partial<EmnifyClientOptions> = {}) =>
    new EmnifyClient({
      endpoint: emu.url,
      applicationToken: DEMO_APPLICATION_TOKEN,
      timeoutMs: 300,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      pacer: new RequestPacer({ requests: 100_000, windowMs: 1_000, maxConcurrency: 8 }),
      ...options,
    });

  for (const c of CASES) {
    it(`${c.title}: a typed error with no request, response, headers, Authorization, token or JWT in it`, async () => {
      for (const rule of c.faults ?? []) emu.injectFault(rule);
      let caught: unknown;
      try {
        await (c.run ?? (({ client }) => read(client())))({ emu, client: clientFactory });
      } catch (error) {
        caught = error;
      }
      assert.ok(caught !== undefined, "the request failed");
      const [type, message] = c.expect;
      assert.ok(caught instanceof type, `expected a ${type.name}, got ${inspect(caught)}`);
      assert.match((caught as Error).message, message);
      assert.equal(axios.isAxiosError(caught), false);
      assert.deepEqual(httpLibraryTraces(caught, SECRETS), []);
    });
  }

  it("would notice an AxiosError, its config and its Authorization header (the check is not vacuous)", async () => {
    let caught: unknown;
    try {
      await axios.get(`${emu.url}${PATH(ORG)}`, { headers: { Authorization: `Bearer ${DEMO_APPLICATION_TOKEN}` } });
    } catch (error) {
      caught = error;
    }
    const problems = httpLibraryTraces(caught, [DEMO_APPLICATION_TOKEN]);
    assert.ok(problems.includes("error is an AxiosError"), problems.join("\n"));
    assert.ok(
      problems.some((p) => p.includes('"config" property')),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("a rendering mentions Authorization")),
      problems.join("\n"),
    );
    assert.ok(problems.includes("a rendering holds the application token"), problems.join("\n"));
  });
});
