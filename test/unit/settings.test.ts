import assert from "node:assert/strict";
import { EmnifyConfigurationError } from "../../provider/client/errors";
import { missingTokenError, resolveSettings, validateEndpoint } from "../../provider/config/settings";

const noConfig = () => undefined;

describe("provider settings", () => {
  it("defaults to the emnify API, 30 s timeouts and emnify's documented rate limit", () => {
    assert.deepEqual(resolveSettings(noConfig, { EMNIFY_APPLICATION_TOKEN: "token" }), {
      endpoint: "https://cdn.emnify.net",
      applicationToken: "token",
      applicationTokenSource: "environment",
      timeoutMs: 30_000,
      rateLimit: { requests: 2000, windowMs: 300_000 },
      maxAttempts: undefined,
    });
  });

  it("refuses to resolve without a token, in the provider's terms with stack config and in the CLI's with the environment only", () => {
    assert.throws(() => resolveSettings(noConfig, {}), {
      name: "EmnifyConfigurationError",
      message:
        "no emnify application token is set: run 'pulumi config set --secret emnify:applicationToken <token>' or set the EMNIFY_APPLICATION_TOKEN environment variable",
    });
    assert.throws(() => resolveSettings(undefined, {}), {
      name: "EmnifyConfigurationError",
      message: "no emnify application token is set: set the EMNIFY_APPLICATION_TOKEN environment variable",
    });
  });

  it("names a wrong setting by its config key and variable for the provider, by its variable alone for the CLI", () => {
    const env = { EMNIFY_APPLICATION_TOKEN: "token", EMNIFY_MAX_ATTEMPTS: "2.5" };
    assert.throws(() => resolveSettings(noConfig, env), {
      message: 'emnify:maxAttempts / EMNIFY_MAX_ATTEMPTS must be a positive whole number, got "2.5"',
    });
    assert.throws(() => resolveSettings(undefined, env), { message: 'EMNIFY_MAX_ATTEMPTS must be a positive whole number, got "2.5"' });
    const badLimit = { EMNIFY_APPLICATION_TOKEN: "token", EMNIFY_RATE_LIMIT: "lots" };
    assert.throws(() => resolveSettings(noConfig, badLimit), { message: /^invalid emnify:rateLimit \/ EMNIFY_RATE_LIMIT "lots": / });
    assert.throws(() => resolveSettings(undefined, badLimit), { message: /^invalid EMNIFY_RATE_LIMIT "lots": / });
  });

  it("prefers stack config over the environment", () => {
    const config = (key: string) =>
      (({ "emnify:applicationToken": "from-config", "emnify:endpoint": "http://127.0.0.1:4010/" }) as Record<string, string>)[key];
    const settings = resolveSettings(config, { EMNIFY_APPLICATION_TOKEN: "from-env", EMNIFY_API_URL: "https://other.example" });
    assert.equal(settings.applicationToken, "from-config");
    assert.equal(settings.applicationTokenSource, "stack config");
    assert.equal(settings.endpoint, "http://127.0.0.1:4010");
  });

  it("falls back to the environment", () => {
    const settings = resolveSettings(noConfig, {
      EMNIFY_APPLICATION_TOKEN: "from-env",
      EMNIFY_TIMEOUT_SECONDS: "2.5",
      EMNIFY_RATE_LIMIT: "20/1",
      EMNIFY_MAX_ATTEMPTS: "2",
    });
    assert.deepEqual(settings.rateLimit, { requests: 20, windowMs: 1000 });
    assert.deepEqual([settings.applicationToken, settings.timeoutMs, settings.maxAttempts], ["from-env", 2500, 2]);
    assert.equal(settings.applicationTokenSource, "environment");
  });

  const endpoints: Array<[string, string | RegExp]> = [
    ["https://cdn.emnify.net/", "https://cdn.emnify.net"],
    ["https://proxy.example/emnify/", "https://proxy.example/emnify"],
    ["http://localhost:8080", "http://localhost:8080"],
    ["http://127.0.0.1:1234", "http://127.0.0.1:1234"],
    ["http://[::1]:1234", "http://[::1]:1234"],
    ["http://cdn.emnify.net", /uses plain http:\/\/ to cdn\.emnify\.net; only https:\/\/ is allowed, except for a loopback emulator/],
    ["http://10.0.0.1", /uses plain http:\/\//],
    ["https://user:pw@cdn.emnify.net", /must not contain credentials/],
    ["ftp://cdn.emnify.net", /must be an https:\/\/ URL, got ftp:/],
    ["cdn.emnify.net", /emnify:endpoint \/ EMNIFY_API_URL must be a URL such as https:\/\/cdn\.emnify\.net, got "cdn\.emnify\.net"/],
    ["not a url", /emnify:endpoint \/ EMNIFY_API_URL must be a URL such as https:\/\/cdn\.emnify\.net, got "not a url"/],
  ];
  for (const [input, expected] of endpoints) {
    it(`${typeof expected === "string" ? "accepts" : "refuses"} the endpoint ${input}`, () => {
      if (typeof expected === "string") assert.equal(validateEndpoint(input), expected);
      else
        assert.throws(
          () => validateEndpoint(input),
          (e: Error) => e instanceof EmnifyConfigurationError && expected.test(e.message),
        );
    });
  }

  it("refuses a timeout that is not a positive number, naming both ways to set it", () => {
    assert.throws(() => resolveSettings(noConfig, { EMNIFY_APPLICATION_TOKEN: "token", EMNIFY_TIMEOUT_SECONDS: "soon" }), {
      message: 'emnify:timeoutSeconds / EMNIFY_TIMEOUT_SECONDS must be a positive number, got "soon"',
    });
  });

  it("explains a missing token with both ways to set it", () => {
    assert.equal(
      missingTokenError().message,
      "no emnify application token is set: run 'pulumi config set --secret emnify:applicationToken <token>' or set the EMNIFY_APPLICATION_TOKEN environment variable",
    );
  });
});
