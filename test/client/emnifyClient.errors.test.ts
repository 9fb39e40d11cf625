import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { inspect } from "node:util";
import { z } from "zod";
import { EmnifyApiError, EmnifyError, EmnifyResponseError } from "../../provider/client/errors";
import { BILLING_101, clientFor, read101 } from "./helpers";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "../../provider/emulator";

const fastRetry = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 };

async function failure(promise: Promise<unknown>): Promise<EmnifyError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EmnifyError, `expected an EmnifyError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected the request to fail");
}

/** A JWT-shaped string as the emulator and emnify issue them: base64url JSON header and payload. */
const JWT_PATTERN = /eyJ[\w-]{4,}\.eyJ[\w-]{4,}/;

/** Every way an error may end up printed or serialised. */
function renderings(error: Error): string[] {
  return [
    error.message,
    String(error),
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
    String(error.stack),
    inspect(error.cause, { depth: 10 }),
  ];
}

/**
 * A hostile little API: authenticates anyone with a fixed JWT, echoes the credentials it was sent
 * into its error bodies (as a misconfigured proxy might), and records what it received.
 */
async function startEchoServer(): Promise<{
  url: string;
  jwt: string;
  received: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}> {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const jwt = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "echo", exp: Math.floor(Date.now() / 1000) + 3600 })}.c2lnbmF0dXJl`;
  const received: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (req.url?.endsWith("/api/v1/authenticate")) return reply(200, { auth_token: jwt, extra: "ignored" });
      if (req.url?.endsWith("/echo")) {
        return reply(400, {
          error_code: 1000,
          error_token: "BadRequest",
          message: `Cannot use header "${req.headers.authorization}"`,
          errors: [{ message: `you sent ${body}`, field: "application_token" }],
        });
      }
      return reply(200, { ok: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    jwt,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("EmnifyClient requests and errors", () => {
  describe("on the wire", () => {
    let echo: Awaited<ReturnType<typeof startEchoServer>>;
    beforeEach(async () => {
      echo = await startEchoServer();
    });
    afterEach(async () => {
      await echo.close();
    });

    it("sends JSON with the package's User-Agent and the JWT as a bearer token", async () => {
      const version = (JSON.parse(readFileSync(join(__dirname, "../../../package.json"), "utf8")) as { version: string }).version;
      const client = clientFor(echo.url);
      assert.deepEqual(await client.request({ method: "POST", path: "/api/v1/thing", body: { a: 1 }, operation: "testing" }), { ok: true });
      const [auth, call] = echo.received;
      assert.deepEqual(
        [auth?.method, auth?.url, auth?.headers["content-type"], auth?.headers.authorization, JSON.parse(auth?.body ?? "")],
        ["POST", "/api/v1/authenticate", "application/json", undefined, { application_token: DEMO_APPLICATION_TOKEN }],
      );
      assert.deepEqual(
        [call?.method, call?.url, call?.headers.authorization, call?.headers["user-agent"], call?.headers.accept, call?.body],
        ["POST", "/api/v1/thing", `Bearer ${echo.jwt}`, `pulumi-emnify/${version}`, "application/json", '{"a":1}'],
      );
    });

    it("joins endpoint and path with exactly one slash, keeping a path prefix", async () => {
      await clientFor(`${echo.url}/`).request({ method: "GET", path: "/api/v1/a", operation: "testing" });
      await clientFor(`${echo.url}/proxy/`).request({ method: "GET", path: "api/v1/b", operation: "testing" });
      assert.deepEqual(
        echo.received.map((r) => r.url),
        ["/api/v1/authenticate", "/api/v1/a", "/proxy/api/v1/authenticate", "/proxy/api/v1/b"],
      );
    });

    it("uses the User-Agent it is given", async () => {
      await clientFor(echo.url, { userAgent: "my-tool/1.0" }).request({ method: "GET", path: "/x", operation: "testing" });
      assert.deepEqual(
        echo.received.map((r) => r.headers["user-agent"]),
        ["my-tool/1.0", "my-tool/1.0"],
      );
    });

    it("scrubs credentials that a server echoes back into its error body", async () => {
      const client = clientFor(echo.url);
      const error = await failure(
        client.request({ method: "POST", path: "/echo", body: { application_token: DEMO_APPLICATION_TOKEN }, operation: "testing" }),
      );
      assert.equal(
        error.message,
        'testing failed: POST /echo answered 400 BadRequest: Cannot use header "Bearer [redacted]" ' +
          '(application_token: you sent {"application_token":"[redacted]"})',
      );
      for (const text of renderings(error)) {
        assert.equal(text.includes(DEMO_APPLICATION_TOKEN), false, text);
        assert.equal(text.includes(echo.jwt), false, text);
      }
    });
  });

  describe("against the emulator", () => {
    let emu: EmnifyEmulator;
    before(async () => {
      emu = await EmnifyEmulator.start({ organisations: [{ id: 101, billingConfig: { vatin: "DE000000001" } }] });
    });
    after(async () => {
      await emu.stop();
    });
    beforeEach(() => {
      emu.clearFaults();
      emu.clearRequests();
    });

    it("answers the body as validated and typed by the schema", async () => {
      const schema = z.object({ vatin: z.string().nullable(), charging_model: z.object({ id: z.number() }).nullable() });
      const config = await clientFor(emu.url).request({ ...read101, schema });
      assert.deepEqual(config, { vatin: "DE000000001", charging_model: { id: emu.billingConfig(101).charging_model!.id } });
    });

    it("reports a body that does not match the schema in plain words, without retrying", async () => {
      const schema = z.object({ id: z.string(), vatin: z.number(), missing_field: z.boolean() });
      const error = await failure(clientFor(emu.url).request({ ...read101, schema }));
      assert.ok(error instanceof EmnifyResponseError);
      assert.equal(
        error.message,
        "reading billing config for organisation 101 failed: GET /api/v1/organisation/101/billing_config answered 200 " +
          "with an unexpected body: id: expected string, received number; vatin: expected number, received string; missing_field: missing",
      );
      assert.equal(error.message.includes("DE000000001"), false, "no values from the body");
      assert.equal(emu.count({ path: BILLING_101 }), 1);
    });

    it("lists the API's validation errors", async () => {
      const error = await failure(
        clientFor(emu.url).request({
          method: "PATCH",
          path: BILLING_101,
          body: { vatin: 5, charging_model: { id: 99 } },
          operation: "updating billing config",
          orgId: 101,
        }),
      );
      assert.ok(error instanceof EmnifyApiError);
      assert.equal(
        error.message,
        "updating billing config for organisation 101 failed: PATCH /api/v1/organisation/101/billing_config answered 422 " +
          "InputValidationFailed: Validation failed (vatin InvalidFormat: vatin must be a string; " +
          "charging_model InvalidReference: charging_model id 99 does not exist)",
      );
      assert.deepEqual(error.details, [
        { errorCode: 1403, errorToken: "InvalidFormat", message: "vatin must be a string", field: "vatin" },
        { errorCode: 1401, errorToken: "InvalidReference", message: "charging_model id 99 does not exist", field: "charging_model" },
      ]);
    });

    it("reads the text of a non-JSON error page", async () => {
      emu.injectFault({
        path: BILLING_101,
        kind: "status",
        status: 502,
        body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
        times: 1,
      });
      const error = await failure(clientFor(emu.url, { retry: { maxAttempts: 1 } }).request(read101));
      assert.equal(
        error.message,
        "reading billing config for organisation 101 failed: GET /api/v1/organisation/101/billing_config answered 502: 502 Bad Gateway",
      );
    });

    it("reports an empty error body by its status alone", async () => {
      emu.injectFault({ path: BILLING_101, kind: "status", status: 403, body: "", times: 1 });
      const error = await failure(clientFor(emu.url).request(read101));
      assert.equal(
        error.message,
        "reading billing config for organisation 101 failed: GET /api/v1/organisation/101/billing_config answered 403",
      );
    });
  });

  it("reports an API nobody answers for as a network error of the authentication the request needed", async () => {
    const emu = await EmnifyEmulator.start();
    const url = emu.url;
    await emu.stop();
    const error = await failure(clientFor(url, { retry: fastRetry }).request(read101));
    assert.equal(
      error.message,
      `authenticating before reading billing config for organisation 101 failed: POST /api/v1/authenticate got no answer: ` +
        `connect ECONNREFUSED ${url.replace("http://", "")} [gave up after 2 attempts]`,
    );
    assert.deepEqual([error.name, (error as EmnifyError & { code?: string }).code], ["EmnifyNetworkError", "ECONNREFUSED"]);
  });

  // The endpoint is checked once, by the settings (test/unit/settings.test.ts), not again here.
  it("refuses an empty token or a timeout that is not above zero before sending anything", () => {
    assert.throws(() => clientFor("http://127.0.0.1:1", { applicationToken: " " }), {
      name: "EmnifyConfigurationError",
      message:
        "the emnify application token is empty: set it with 'pulumi config set --secret emnify:applicationToken' " +
        "or the EMNIFY_APPLICATION_TOKEN environment variable",
    });
    assert.throws(() => clientFor("http://127.0.0.1:1", { timeoutMs: 0 }), {
      message: "invalid request timeout 0 ms (expected a number above zero)",
    });
  });

  it("never shows the application token or a JWT in any error, however it is printed", async function () {
    this.timeout(60_000);
    const wrongToken = "wrong-application-token-for-the-secret-scan";
    const emu = await EmnifyEmulator.start({ organisations: [{ id: 101 }] });
    const errors: EmnifyError[] = [];
    try {
      const client = clientFor(emu.url, { timeoutMs: 300, retry: fastRetry });
      await client.request(read101); // a JWT exists from here on
      const attempts: (() => Promise<unknown>)[] = [
        () => client.request({ ...read101, path: "/api/v1/organisation/999/billing_config", orgId: 999 }),
        () => (emu.injectFault({ path: BILLING_101, kind: "status", status: 401, times: 2 }), client.request(read101)),
        () => (emu.injectFault({ path: BILLING_101, kind: "status", status: 503, times: 2 }), client.request(read101)),
        () => (
          emu.injectFault({ path: BILLING_101, kind: "status", status: 429, retryAfterSeconds: 0, times: 2 }),
          client.request(read101)
        ),
        () => (emu.injectFault({ path: BILLING_101, kind: "reset", times: 2 }), client.request(read101)),
        () => (emu.injectFault({ path: BILLING_101, kind: "timeout", times: 2 }), client.request(read101)),
        () => (emu.injectFault({ path: BILLING_101, kind: "malformed", times: 2 }), client.request(read101)),
        () => client.request({ ...read101, schema: z.object({ id: z.string() }) }),
        () => client.request({ method: "PATCH", path: BILLING_101, body: { vatin: 1 }, operation: "updating", orgId: 101 }),
        () => clientFor(emu.url, { applicationToken: wrongToken }).request(read101),
        () => clientFor(emu.url, { applicationToken: wrongToken }).request(read101),
        () => clientFor("http://127.0.0.1:1", { retry: fastRetry }).request(read101),
      ];
      for (const attempt of attempts) errors.push(await failure(attempt()));
      assert.deepEqual(
        errors.map((e) => e.name),
        [
          "EmnifyApiError",
          "EmnifyApiError",
          "EmnifyApiError",
          "EmnifyApiError",
          "EmnifyNetworkError",
          "EmnifyNetworkError",
          "EmnifyResponseError",
          "EmnifyResponseError",
          "EmnifyApiError",
          "EmnifyAuthenticationError",
          "EmnifyAuthenticationError",
          "EmnifyNetworkError",
        ],
      );
      for (const error of errors) {
        for (const text of renderings(error)) {
          assert.equal(text.includes(DEMO_APPLICATION_TOKEN), false, `token in: ${text}`);
          assert.equal(text.includes(wrongToken), false, `wrong token in: ${text}`);
          assert.doesNotMatch(text, JWT_PATTERN);
          assert.doesNotMatch(text, /Bearer|Authorization/i);
        }
      }
      // The client itself prints no secret either (say, in a debugger or a log of the provider).
      const shown = inspect(client, { depth: 10, showHidden: true });
      assert.equal(shown.includes(DEMO_APPLICATION_TOKEN), false);
      assert.doesNotMatch(shown, JWT_PATTERN);
    } finally {
      await emu.stop();
    }
  });
});
