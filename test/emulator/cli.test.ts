import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { authenticate, call } from "./helpers";
import type { EmnifyEmulator } from "pulumi-emnify/emulator";

const CLI = join(__dirname, "..", "..", "provider", "emulator", "cli.js");

function run(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(read: () => string, pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("emulator CLI", () => {
  it("prints the URL, the demo token and the env lines, serves requests, and exits 0 on SIGTERM", async () => {
    const cli = run(["--port", "0", "--orgs", "2", "--rate-limit", "100/60"]);
    try {
      // The token line is printed last, so once it is there the whole banner is.
      const [, token] = await waitFor(cli.output, /^export EMNIFY_APPLICATION_TOKEN=(.+)$/m);
      const out = cli.output();
      const [, url] = /^emnify emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out) ?? [];
      assert.ok(url, out);
      assert.match(out, new RegExp(`^export EMNIFY_API_URL=${url}$`, "m"));
      assert.match(out, new RegExp(`^demo application token: ${token} \\(organisation 1\\)$`, "m"));

      const emulator = { url } as EmnifyEmulator; // the helpers only need the URL
      const jwt = await authenticate(emulator, token);
      const orgs = await call(emulator, "GET", "/api/v1/organisation", { jwt });
      const customerOf = { id: 1, type: { description: "Customer of" } };
      assert.deepEqual(orgs.json, [
        { id: 1, name: "Demo reseller" },
        { id: 2, name: "Organisation 2", relation: customerOf },
        { id: 3, name: "Organisation 3", relation: customerOf },
      ]);

      cli.child.kill("SIGTERM");
      assert.equal(await cli.exited, 0);
      assert.match(cli.output(), /emnify emulator stopped \(SIGTERM\)/);
    } finally {
      cli.child.kill("SIGKILL");
    }
  });

  it("prints usage and exits 0 on --help", async () => {
    const cli = run(["--help"]);
    assert.equal(await cli.exited, 0);
    assert.match(cli.output(), /^Usage: node dist\/provider\/emulator\/cli\.js \[options\]/);
    assert.match(cli.output(), /--rate-limit R\/S \| off/);
  });

  it("pages the organisation list by --page-size and answers rule refusals with --rule-violation-status", async () => {
    const cli = run(["--orgs", "4", "--page-size", "2/3", "--rule-violation-status", "422", "--monthly-quota", "off"]);
    try {
      const [, token] = await waitFor(cli.output, /^export EMNIFY_APPLICATION_TOKEN=(.+)$/m);
      const [, url] = /^emnify emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(cli.output()) ?? [];
      const emulator = { url } as EmnifyEmulator;
      const jwt = await authenticate(emulator, token);
      const first = await call(emulator, "GET", "/api/v1/organisation?per_page=100", { jwt });
      assert.deepEqual(
        [first.headers.get("x-count-per-page"), first.headers.get("x-total-pages"), first.headers.get("x-total-count")],
        ["3", "2", "5"],
      );
      const own = await call(emulator, "PATCH", "/api/v1/organisation/1/billing_config", { jwt, body: { vatin: "x" } });
      assert.equal(own.status, 422);
    } finally {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
  });

  for (const [args, message] of [
    [["--page-size", "30/20"], '--page-size must look like 10/25 (default/maximum, 1 <= default <= maximum), got "30/20"'],
    [["--monthly-quota", "lots"], '--monthly-quota must be an integer from 0 to 9007199254740991, got "lots"'],
    [["--rule-violation-status", "400"], '--rule-violation-status must be 409 or 422, got "400"'],
  ] as const) {
    it(`explains ${args.join(" ")} and exits 2`, async () => {
      const cli = run([...args]);
      assert.equal(await cli.exited, 2);
      assert.equal(cli.output().split("\n")[0], message);
    });
  }

  it("explains a bad option and exits 2", async () => {
    const cli = run(["--rate-limit", "fast"]);
    assert.equal(await cli.exited, 2);
    assert.match(cli.output(), /^--rate-limit must look like 2000\/300 or be "off", got "fast"$/m);
  });
});
