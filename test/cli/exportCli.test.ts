/**
 * The built command, run as a user runs it (`node dist/provider/cli/main.js ...`), against an
 * emulator seeded with varied organisations.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "pulumi-emnify/emulator";
import { exportHelp, mainHelp } from "../../provider/cli/help";
import { parseOrganisationsFile } from "../../provider/billing/organisationsFile";
import { makeTempDir } from "../../tools/engine/tempDirs";
import {
  assertFailedWith,
  BILLING_CONFIG_PATH,
  CliRun,
  emulatorEnv,
  expectedArgs,
  LEFT_OUT_OWN,
  runCli,
  variedOrganisations,
} from "./helpers";

const ORG_COUNT = 30;
const ALL_IDS = Array.from({ length: ORG_COUNT }, (_, i) => 1001 + i);

describe("pulumi-emnify export, run as a command against the emulator", function () {
  this.timeout(60_000);
  let emulator: EmnifyEmulator;
  let dir: string;

  beforeEach(async () => {
    emulator = await EmnifyEmulator.start({
      organisations: [...variedOrganisations(ORG_COUNT), { id: 5001, name: "Someone else's", parentId: 900 }],
    });
    dir = makeTempDir("pulumi-emnify-export-");
  });
  afterEach(async () => {
    await emulator.stop();
  });

  /** The entries a file must hold: exactly what the emulator holds for these organisations. */
  function expectedArgsOf(ids: number[], includePaymentData = false): Record<string, unknown>[] {
    return ids.map((id) => expectedArgs(id, emulator.billingConfig(id), includePaymentData));
  }

  function argsIn(text: string, file = "orgs.yaml"): Record<string, unknown>[] {
    return parseOrganisationsFile(text, file).map((entry) => entry.args as unknown as Record<string, unknown>);
  }

  function assertNoCredentials(run: CliRun): void {
    for (const text of [run.stdout, run.stderr]) {
      assert.ok(!text.includes(DEMO_APPLICATION_TOKEN), "the application token was printed");
      assert.ok(!/eyJ[A-Za-z0-9_-]{10,}/.test(text), "a JWT was printed");
    }
  }

  describe("selecting organisations", () => {
    it("exports the organisations named with --org to standard output, with one authentication and one GET each", async () => {
      const run = await runCli(["export", "--org", "1003", "--org", "1001,1002"], emulatorEnv(emulator));
      assert.equal(run.stderr, "");
      assert.equal(run.status, 0);
      assert.deepEqual(argsIn(run.stdout), expectedArgsOf([1001, 1002, 1003]));
      assert.ok(
        run.stdout.startsWith(
          "# Billing settings of 3 emnify organisations as the API held them, written by:\n#   pulumi-emnify export --org 1001,1002,1003\n",
        ),
      );
      assert.equal(emulator.count({ path: "/api/v1/authenticate" }), 1);
      assert.equal(emulator.count({ method: "GET", path: BILLING_CONFIG_PATH }), 3);
      assert.equal(emulator.count({ method: "PATCH" }), 0);
      assert.equal(emulator.requests.length, 4);
    });

    it("exports every child with --children, named after the organisation, leaving out the token's own organisation and saying so", async () => {
      const run = await runCli(["export", "--children"], emulatorEnv(emulator));
      assert.equal(run.stderr, LEFT_OUT_OWN);
      assert.equal(run.status, 0);
      const entries = parseOrganisationsFile(run.stdout, "orgs.yaml");
      assert.deepEqual(
        entries.map((e) => e.args as unknown),
        expectedArgsOf(ALL_IDS),
      );
      assert.deepEqual(
        entries.slice(0, 10).map((e) => e.name),
        [
          "acme-gmbh",
          "acme-gmbh-1002",
          "muller-sohne-kg",
          "fleet-42",
          "org-1005",
          "org-1006",
          "nordic-aero-aps",
          "acme-gmbh-1008",
          "lodz-logistics",
          "smart-meters-ltd",
        ],
      );
      assert.equal(new Set(entries.map((e) => e.name)).size, ORG_COUNT);
      // 31 organisations (the caller too) at the emulator's maximum of 25 a page: 2 pages, and /my.
      assert.equal(emulator.count({ method: "GET", path: "/api/v1/organisation" }), 2);
      assert.equal(emulator.count({ method: "GET", path: "/api/v1/organisation/my" }), 1);
      assert.equal(emulator.count({ method: "GET", path: BILLING_CONFIG_PATH }), ORG_COUNT);
      assert.equal(emulator.requests.length, ORG_COUNT + 4);
    });

    it("folds the values most organisations share into defaults", async () => {
      const run = await runCli(["export", "--children"], emulatorEnv(emulator));
      const body = run.stdout.slice(run.stdout.indexOf("\ndefaults:") + 1, run.stdout.indexOf("\norgs:"));
      assert.equal(body, "defaults:\n  invoiceIssuerInfo: null\n  paymentTerm: { id: 1 }");
      assert.ok(
        run.stdout.includes("# Values held by more than half of the organisations are under 'defaults'; an entry overrides them.\n"),
      );
    });

    it("exports the same file from the legacy flat answer shape (ids as strings, no descriptions)", async () => {
      const flat = await EmnifyEmulator.start({ organisations: variedOrganisations(ORG_COUNT), billingConfigShape: "flat" });
      try {
        const fromNested = await runCli(["export", "--children"], emulatorEnv(emulator));
        const fromFlat = await runCli(["export", "--children"], emulatorEnv(flat));
        assert.deepEqual([fromFlat.status, fromFlat.stderr], [0, LEFT_OUT_OWN]);
        assert.equal(fromFlat.stdout, fromNested.stdout);
      } finally {
        await flat.stop();
      }
    });

    it("writes the same bytes twice in a row, so that a re-export only diffs where a setting changed", async () => {
      const first = await runCli(["export", "--children", "--out", path.join(dir, "orgs.yaml")], emulatorEnv(emulator));
      const firstText = fs.readFileSync(path.join(dir, "orgs.yaml"), "utf8");
      emulator.setBillingConfig(1007, { vatin: "DE999999999" });
      const second = await runCli(["export", "--children", "--out", path.join(dir, "orgs.yaml")], emulatorEnv(emulator));
      const secondText = fs.readFileSync(path.join(dir, "orgs.yaml"), "utf8");
      assert.deepEqual([first.status, second.status], [0, 0]);
      const changed = secondText.split("\n").filter((line, index) => firstText.split("\n")[index] !== line);
      assert.deepEqual(changed, ['    vatin: "DE999999999"']);
    });
  });

  describe("output and formats", () => {
    it("writes --out to the file, nothing to standard output, and names the file in the header without its directory", async () => {
      const file = path.join(dir, "orgs.yaml");
      const run = await runCli(["export", "--org", "1001", "--out", file], emulatorEnv(emulator));
      assert.deepEqual([run.status, run.stdout, run.stderr], [0, "", ""]);
      const text = fs.readFileSync(file, "utf8");
      assert.ok(
        text.startsWith(
          "# Billing settings of 1 emnify organisation as the API held them, written by:\n#   pulumi-emnify export --org 1001 --out orgs.yaml\n",
        ),
      );
      assert.deepEqual(argsIn(text), expectedArgsOf([1001]));
      assert.deepEqual(fs.readdirSync(dir), ["orgs.yaml"]);
    });

    it("writes JSON when --out ends in .json, and it reads back as the same values", async () => {
      const file = path.join(dir, "orgs.json");
      const run = await runCli(["export", "--children", "--out", file], emulatorEnv(emulator));
      assert.equal(run.status, 0);
      const text = fs.readFileSync(file, "utf8");
      assert.equal(text.slice(0, 2), "{\n");
      assert.deepEqual(argsIn(text, "orgs.json"), expectedArgsOf(ALL_IDS));
      // JSON cannot say in a comment that payment data was left out, so the command says it.
      assert.equal(
        run.stderr,
        LEFT_OUT_OWN + "note: payment data (held by 10 organisations) is not written; export with --include-payment-data to write it\n",
      );
    });

    it("writes JSON to standard output with --format json", async () => {
      const run = await runCli(["export", "--org", "1002", "--format", "json"], emulatorEnv(emulator));
      assert.equal(run.status, 0);
      assert.deepEqual(JSON.parse(run.stdout), {
        orgs: [
          { id: 1002, vatin: "10000000001", invoiceIssuerInfo: null, chargingModel: { id: 1 }, paymentTerm: { id: 1 }, vatRate: { id: 1 } },
        ],
      });
    });

    it("writes a TypeScript program with --format ts", async () => {
      const run = await runCli(["export", "--org", "1001,1002", "--format", "ts"], emulatorEnv(emulator));
      assert.equal(run.status, 0);
      assert.equal(
        run.stdout
          .split("\n")
          .filter((line) => line.includes("new BillingConfig("))
          .join("\n"),
        [
          '  new BillingConfig("org-1001", { ...defaults, orgId: 1001, vatin: "DE200000000", paymentTerm: { id: 2 }, vatRate: { id: 2 } }),',
          '  new BillingConfig("org-1002", { ...defaults, orgId: 1002, vatin: "10000000001", paymentTerm: { id: 1 }, vatRate: { id: 1 } }),',
        ].join("\n"),
      );
      assert.ok(!run.stdout.includes("paymentData"));
    });
  });

  describe("payment data", () => {
    it("leaves payment data out by default and says so in the file", async () => {
      const run = await runCli(["export", "--children"], emulatorEnv(emulator));
      assert.equal(run.status, 0);
      assert.ok(!run.stdout.includes("paymentData"));
      assert.ok(!run.stdout.includes("DE89370400440532013"));
      assert.ok(
        run.stdout.includes(
          "# Payment data (held by 10 organisations) is not written, so it stays as it is;\n# export with --include-payment-data to write it.\n",
        ),
      );
    });

    it("writes payment data with --include-payment-data, warns on stderr, and makes the file private", async () => {
      const file = path.join(dir, "orgs.yaml");
      const run = await runCli(["export", "--children", "--include-payment-data", "--out", file], emulatorEnv(emulator));
      assert.equal(run.status, 0);
      assert.equal(run.stderr, LEFT_OUT_OWN + `warning: ${file} contains payment details in plain text: do not commit it unencrypted\n`);
      const text = fs.readFileSync(file, "utf8");
      assert.deepEqual(argsIn(text), expectedArgsOf(ALL_IDS, true));
      assert.equal(argsIn(text).filter((args) => args.paymentData !== undefined).length, 10);
      assert.ok(text.includes("# This file contains payment details in plain text: do not commit it unencrypted.\n"));
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    });
  });

  describe("help and version", () => {
    it("prints the export help for 'export --help' and 'help export'", async () => {
      for (const args of [
        ["export", "--help"],
        ["help", "export"],
        ["export", "-h"],
      ]) {
        const run = await runCli(args, {});
        assert.deepEqual(run, { status: 0, stdout: exportHelp(), stderr: "" });
      }
      const text = exportHelp();
      assert.ok(text.startsWith("Usage: pulumi-emnify export (--org <id>... | --children) [options]\n"));
      for (const part of [
        "--org <id>",
        "--children",
        "--out <file>",
        "--format <format>",
        "--include-payment-data",
        "-h, --help",
        "EMNIFY_APPLICATION_TOKEN",
        "EMNIFY_API_URL",
        "Examples:",
        "Exit status:",
      ]) {
        assert.ok(text.includes(part), `the help does not mention ${part}`);
      }
    });

    it("prints the main help for --help and the version for --version", async () => {
      assert.deepEqual(await runCli(["--help"], {}), { status: 0, stdout: mainHelp(), stderr: "" });
      const version = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as { version: string })
        .version;
      assert.deepEqual(await runCli(["--version"], {}), { status: 0, stdout: `pulumi-emnify ${version}\n`, stderr: "" });
    });
  });

  describe("mistakes on the command line", () => {
    const cases: Array<[string[], string, string]> = [
      [["export", "--children", "--foo"], "unknown option '--foo'", "export"],
      [["export"], "say which organisations to export: --org <id> (repeatable) or --children", "export"],
      [
        ["export", "--org", "1001", "--children"],
        "--org and --children cannot be combined: export either the listed organisations or all children",
        "export",
      ],
      [["export", "--org", "acme"], "--org needs an organisation id (a positive whole number), got 'acme'", "export"],
      [["export", "--children", "--format", "xml"], "--format must be one of yaml, json, ts, import, got 'xml'", "export"],
      [["exprot", "--children"], "unknown command 'exprot' (available: export, shards, migrate-to-plugin, help)", ""],
    ];
    for (const [args, message, topic] of cases) {
      it(`exits 2 for '${args.join(" ")}' with one error line and the help hint, before any API call`, async () => {
        const run = await runCli(args, emulatorEnv(emulator));
        const help = topic === "" ? "pulumi-emnify --help" : "pulumi-emnify export --help";
        assert.deepEqual(run, { status: 2, stdout: "", stderr: `error: ${message}\nRun '${help}' for usage.\n` });
        assert.equal(emulator.requests.length, 0);
      });
    }
  });

  describe("errors", () => {
    it("names an unknown organisation, still writes the others, and exits 1", async () => {
      const file = path.join(dir, "orgs.yaml");
      const run = await runCli(["export", "--org", "1001,9999,1002", "--out", file], emulatorEnv(emulator));
      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        "error: exporting billing config for organisation 9999 failed: GET /api/v1/organisation/9999/billing_config answered 404 InvalidReference: Organisation 9999 not found\n" +
          `error: 1 of 3 organisations could not be exported (9999); the other 2 were written to ${file}\n`,
      );
      const text = fs.readFileSync(file, "utf8");
      assert.deepEqual(argsIn(text), expectedArgsOf([1001, 1002]));
      assert.ok(text.includes("# INCOMPLETE: 1 organisation could not be exported: 9999.\n"));
    });

    it("names an organisation the token may not read (403) as a failure of that organisation", async () => {
      const run = await runCli(["export", "--org", "5001,1001"], emulatorEnv(emulator));
      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        "error: exporting billing config for organisation 5001 failed: GET /api/v1/organisation/5001/billing_config answered 403 Forbidden: Organisation 5001 is not managed by organisation 1\n" +
          "error: 1 of 2 organisations could not be exported (5001); the other 1 was written to standard output\n",
      );
      assert.deepEqual(argsIn(run.stdout), expectedArgsOf([1001]));
    });

    it("writes nothing when no organisation could be exported", async () => {
      const file = path.join(dir, "orgs.yaml");
      fs.writeFileSync(file, "# an earlier export\n");
      const run = await runCli(["export", "--org", "9998,9999", "--out", file], emulatorEnv(emulator));
      assert.equal(run.status, 1);
      assert.equal(
        run.stderr.split("\n").slice(-2).join("\n"),
        "error: none of the 2 organisations could be exported; nothing was written\n",
      );
      assert.equal(fs.readFileSync(file, "utf8"), "# an earlier export\n");
    });

    it("stops at a wrong token with one line, after exactly one authenticate call, however many organisations", async () => {
      const run = await runCli(
        ["export", "--org", ALL_IDS.join(",")],
        emulatorEnv(emulator, { EMNIFY_APPLICATION_TOKEN: "not-the-token" }),
      );
      assert.equal(run.status, 1);
      assert.equal(run.stdout, "");
      assert.equal(
        run.stderr,
        "error: authenticating with emnify failed: POST /api/v1/authenticate answered 401. Check the application token set with " +
          "'pulumi config set --secret emnify:applicationToken' or the EMNIFY_APPLICATION_TOKEN environment variable; emnify locks " +
          "the account for 5 minutes after 3 failed attempts, so it is not retried.\n",
      );
      assert.equal(emulator.count({ path: "/api/v1/authenticate" }), 1);
      assert.equal(emulator.requests.length, 1);
      assert.ok(!run.stderr.includes("not-the-token"));
    });

    it("says how to set a missing token, without calling the API", async () => {
      const run = await runCli(["export", "--children"], { EMNIFY_API_URL: emulator.url });
      assertFailedWith(run, "error: no emnify application token is set: set the EMNIFY_APPLICATION_TOKEN environment variable\n");
      assert.equal(emulator.requests.length, 0);
    });

    it("refuses a plain-http endpoint that is not loopback", async () => {
      const run = await runCli(["export", "--children"], emulatorEnv(emulator, { EMNIFY_API_URL: "http://api.example.com" }));
      assertFailedWith(
        run,
        "error: EMNIFY_API_URL uses plain http:// to api.example.com; only https:// is allowed, except for a loopback emulator (127.0.0.1, localhost, [::1])\n",
      );
    });

    it("reports an endpoint that does not answer once, not once per organisation", async () => {
      const closed = await EmnifyEmulator.start();
      const url = closed.url;
      await closed.stop();
      const run = await runCli(
        ["export", "--org", "1001,1002,1003"],
        emulatorEnv(emulator, { EMNIFY_API_URL: url, EMNIFY_MAX_ATTEMPTS: "1" }),
      );
      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        `error: authenticating before exporting billing config for organisation 1001 failed: POST /api/v1/authenticate got no answer: connect ECONNREFUSED ${url.replace("http://", "")}\n`,
      );
    });

    it("refuses to start when the --out directory does not exist, before any API call", async () => {
      const file = path.join(dir, "missing", "orgs.yaml");
      const run = await runCli(["export", "--children", "--out", file], emulatorEnv(emulator));
      assertFailedWith(run, `error: cannot write ${file}: its directory ${path.join(dir, "missing")} is not writable (ENOENT)\n`);
      assert.equal(emulator.requests.length, 0);
    });

    it("never prints the token or a JWT, whatever happens", async () => {
      emulator.injectFault({
        method: "GET",
        path: "/api/v1/organisation/1002/billing_config",
        kind: "status",
        status: 400,
        times: Infinity,
      });
      const runs = [
        await runCli(["export", "--children", "--include-payment-data"], emulatorEnv(emulator)),
        await runCli(["export", "--org", "1001,1002"], emulatorEnv(emulator)),
      ];
      for (const run of runs) assertNoCredentials(run);
    });
  });

  describe("faults and rate limits", () => {
    it("retries transient 503s and 429s and exports everything", async () => {
      emulator.injectFault({ method: "GET", path: BILLING_CONFIG_PATH, kind: "status", status: 503, times: 6 });
      emulator.injectFault({ method: "GET", path: "/api/v1/organisation", kind: "status", status: 429, times: 1 });
      const run = await runCli(["export", "--children"], emulatorEnv(emulator));
      assert.equal(run.stderr, LEFT_OUT_OWN);
      assert.equal(run.status, 0);
      assert.deepEqual(argsIn(run.stdout), expectedArgsOf(ALL_IDS));
      assert.equal(emulator.count({ status: 503 }), 6);
      assert.equal(emulator.count({ status: 429 }), 1);
      assert.equal(emulator.count({ method: "GET", path: BILLING_CONFIG_PATH, status: 200 }), ORG_COUNT);
    });

    it("treats an organisation that keeps failing as a partial failure after its retries", async () => {
      emulator.injectFault({
        method: "GET",
        path: "/api/v1/organisation/1017/billing_config",
        kind: "status",
        status: 500,
        times: Infinity,
      });
      const file = path.join(dir, "orgs.yaml");
      const run = await runCli(["export", "--children", "--out", file], emulatorEnv(emulator, { EMNIFY_MAX_ATTEMPTS: "2" }));
      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        LEFT_OUT_OWN +
          "error: exporting billing config for organisation 1017 failed: GET /api/v1/organisation/1017/billing_config answered 500: " +
          "Internal Server Error [gave up after 2 attempts]\n" +
          `error: 1 of 30 organisations could not be exported (1017); the other 29 were written to ${file}\n`,
      );
      assert.deepEqual(argsIn(fs.readFileSync(file, "utf8")), expectedArgsOf(ALL_IDS.filter((id) => id !== 1017)));
      assert.equal(emulator.count({ path: "/api/v1/organisation/1017/billing_config" }), 2);
    });

    it("stays inside a tight rate limit without a single 429", async () => {
      emulator.setRateLimit({ requests: 10, windowSeconds: 1 });
      const run = await runCli(["export", "--children"], emulatorEnv(emulator, { EMNIFY_RATE_LIMIT: "10/1" }));
      assert.equal(run.status, 0);
      assert.deepEqual(argsIn(run.stdout), expectedArgsOf(ALL_IDS));
      assert.equal(emulator.count({ status: 429 }), 0);
      // The pacer keeps 5% below the limit: 9 a second. As the emulator saw them arrive, no 10
      // requests fell in one second (the server's log, not how long the test took).
      const arrivals = emulator.requests.map((r) => r.at).sort((a, b) => a - b);
      assert.ok(arrivals.length >= 32, `${arrivals.length} requests`);
      for (let i = 0; i + 9 < arrivals.length; i += 1) {
        assert.ok(
          arrivals[i + 9] - arrivals[i] >= 1000,
          `requests ${i + 1} to ${i + 10} arrived within ${arrivals[i + 9] - arrivals[i]} ms`,
        );
      }
    });
  });
});
