/**
 * The README and the examples' READMEs against the code: the commands they give exist, the files
 * they link exist, the settings table and the troubleshooting messages say what the code does, and
 * the samples (a test under Pulumi's mocks, a test against the emulator) type-check and run.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { EmnifyAuthenticationError } from "../../provider/client/errors";
import { DEFAULT_RETRY_POLICY } from "../../provider/client/retry";
import { FIELD_NAMES } from "../../provider/billing/fields";
import {
  DEFAULT_ENDPOINT,
  DEFAULT_RATE_LIMIT,
  DEFAULT_TIMEOUT_SECONDS,
  SETTINGS,
  missingTokenError,
  validateEndpoint,
} from "../../provider/config/settings";
import { REPO_ROOT } from "../../tools/examples/exampleStack";
import { runSample, testedSamples, typeErrors } from "./readmeSample";

const README = path.join(REPO_ROOT, "README.md");
const DOCUMENTS = [README, path.join(REPO_ROOT, "examples/basic/README.md"), path.join(REPO_ROOT, "examples/multi-org/README.md")];

const read = (file: string) => fs.readFileSync(file, "utf8");
const readme = read(README);

/** The cells of the Markdown table row whose first cell is `first`. */
function tableRow(first: string): string[] {
  const line = readme.split("\n").find((l) => l.startsWith(`| ${first} |`));
  assert.ok(line, `a table row for ${first}`);
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((cell) => cell.trim());
}

function messageOf(thrower: () => unknown): string {
  try {
    thrower();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

describe("the README", () => {
  it("gives the two set-up commands exactly", () => {
    assert.ok(readme.includes("```sh\nnpm ci && npm run demo\n```"));
    assert.ok(readme.includes("```sh\nnpm ci && npm test\n```"));
  });

  it("lists every provider setting with its config key, environment variable and default", () => {
    const defaults: Record<keyof typeof SETTINGS, string> = {
      applicationToken: "none (required)",
      endpoint: `\`${DEFAULT_ENDPOINT}\``,
      timeoutSeconds: `\`${DEFAULT_TIMEOUT_SECONDS}\``,
      rateLimit: `\`${DEFAULT_RATE_LIMIT}\``,
      maxAttempts: `\`${DEFAULT_RETRY_POLICY.maxAttempts}\``,
    };
    for (const [name, setting] of Object.entries(SETTINGS) as [keyof typeof SETTINGS, { key: string; env: string }][]) {
      const [, env, fallback, secret] = tableRow(`\`${setting.key}\``);
      assert.deepEqual([env, fallback, secret.startsWith("yes")], [`\`${setting.env}\``, defaults[name], name === "applicationToken"]);
    }
  });

  it("documents every argument of BillingConfig in the resource reference", () => {
    for (const argument of ["orgId", ...FIELD_NAMES, "restoreOnDelete"]) tableRow(`\`${argument}\``);
  });

  it("quotes the provider's own messages in its troubleshooting section", () => {
    for (const message of [
      missingTokenError().message,
      new EmnifyAuthenticationError(401).message,
      messageOf(() => validateEndpoint("http://emnify.example.com")),
    ]) {
      assert.ok(readme.includes(`- \`${message}\``), message);
    }
  });

  it("explains adoption on create, that pulumi import does not work for dynamic resources, and what reading by id does", () => {
    const section = readme.split("\n## Adopting existing organisations\n")[1]?.split("\n## ")[0];
    assert.ok(section, "the section exists");
    assert.ok(section.includes("creating a `BillingConfig` adopts the organisation's current settings"));
    assert.ok(section.includes("`pulumi import` does not work for dynamic resources"));
    assert.ok(section.includes("Reading by id from a program"));
  });

  for (const document of DOCUMENTS) {
    const name = path.relative(REPO_ROOT, document);

    it(`${name}: every \`npm run\` script it names exists in package.json`, () => {
      const scripts = Object.keys((JSON.parse(read(path.join(REPO_ROOT, "package.json"))) as { scripts: Record<string, string> }).scripts);
      const named = [...read(document).matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
      assert.ok(named.length > 0);
      assert.deepEqual(
        named.filter((script) => !scripts.includes(script)),
        [],
      );
    });

    it(`${name}: every relative link points to a file of the repository`, () => {
      const targets = [...read(document).matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
      assert.ok(targets.length > 0);
      assert.deepEqual(
        targets.filter((t) => !fs.existsSync(path.resolve(path.dirname(document), t))),
        [],
      );
    });
  }

  it("has two tested samples, a mocks test and an emulator test, that type-check against the package's types", function () {
    this.timeout(120_000);
    const samples = testedSamples(README);
    assert.equal(samples.length, 2);
    assert.match(samples[0], /pulumi\.runtime\.setMocks/);
    assert.match(samples[1], /EmnifyEmulator\.start/);
    for (const sample of samples) assert.deepEqual(typeErrors(sample), []);
  });
});

describe("the README's samples, run as written", () => {
  // The sample points the provider at the emulator through the environment; the rest of the test
  // run must not inherit that.
  const saved = { url: process.env.EMNIFY_API_URL, token: process.env.EMNIFY_APPLICATION_TOKEN };
  after(() => {
    for (const [key, value] of [
      ["EMNIFY_API_URL", saved.url],
      ["EMNIFY_APPLICATION_TOKEN", saved.token],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  for (const sample of testedSamples(README)) runSample(sample);
});
