/**
 * The one test that looks at everything the suite produced: every state, provider result,
 * serialized provider, host and child-process output, log line and error message the ledger
 * collected (see ./ledger.ts for how it is fed), scanned for every application token the suite used
 * and for anything shaped like a JWT. test/hooks.ts moves this suite to the end of the run.
 *
 * Run on its own (`mocha --no-config`), without the root hooks, there is nothing to scan, so it is
 * skipped with a note; `npm test` always runs it last.
 */
import assert from "node:assert/strict";
import { SCAN_SUITE_TITLE, type ScanResult, SecretLedger, secretLedger } from "../../tools/secretLedger";

function describeLeaks(result: ScanResult): string {
  const lines = result.leaks.slice(0, 20).map((l) => `- ${l.what} in ${l.kind} from ${l.origin}:\n    …${l.excerpt}…`);
  const more = result.leaks.length > 20 ? `\n(and ${result.leaks.length - 20} more)` : "";
  return `${result.leaks.length} leak(s) in ${result.entries} entries:\n${lines.join("\n")}${more}`;
}

describe(SCAN_SUITE_TITLE, function () {
  it("finds no application token and no JWT in any state, output, __provider, log line, child output or error message the suite produced", function () {
    if (!secretLedger.isEnabled) {
      this.skip(); // the root hooks (test/hooks.ts, loaded by .mocharc.json) were not loaded
    }
    const result = secretLedger.scan();
    const kinds = Object.entries(result.byKind)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(", ");
    // A short account of what was looked at, so a green run says what it covered.
    process.stdout.write(
      `      scanned ${result.entries} entries (${(result.characters / 1e6).toFixed(1)} M characters: ${kinds}) ` +
        `for ${result.tokens.length} application token(s) and JWTs` +
        (result.skippedTokens > 0 ? `; ${result.skippedTokens} token(s) under 6 characters not searched` : "") +
        "\n",
    );
    assert.ok(result.tokens.length > 0, "the ledger knows at least the emulator's demo token");
    assert.deepEqual(result.leaks, [], describeLeaks(result));
  });
});

describe("the secret ledger's scan", function () {
  const token = "app-token-for-the-ledger-self-test-0123456789";
  const jwt = `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${Buffer.from('{"sub":"x","exp":1}').toString("base64url")}.c2lnbmF0dXJl`;

  function ledgerWith(record: (ledger: SecretLedger) => void): ScanResult {
    const ledger = new SecretLedger();
    ledger.enable();
    ledger.token(token, "the self-test");
    record(ledger);
    return ledger.scan();
  }

  it("reports a token in a state, a JWT in host output and an AxiosError in an error, with where they came from", function () {
    const result = ledgerWith((ledger) => {
      ledger.record("state", { outputs: { note: `token ${token}` } }, "a state");
      ledger.recordLive("host-output", () => `Bearer ${jwt}\n`, "host output");
      ledger.recordError(Object.assign(new Error("request failed"), { name: "AxiosError" }), "an error");
    });
    assert.deepEqual(
      result.leaks.map((l) => [l.kind, l.what.replace(/ \(.*/, ""), l.origin.replace(/^.* — /, "")]),
      [
        ["state", "application token", "a state"],
        ["host-output", "JWT", "host output"],
        ["error", "HTTP library error printed as is", "an error"],
      ],
    );
    assert.ok(
      result.leaks.every((l) => !l.excerpt.includes(token) && !l.excerpt.includes(jwt)),
      "excerpts mask the secret",
    );
  });

  it("does not report a secret sealed in the state, nor a token where it is allowed, nor a short token inside a longer word", function () {
    const result = ledgerWith((ledger) => {
      ledger.token("tok-a1", "a short token");
      const sealed = Buffer.from(JSON.stringify({ token, jwt })).toString("base64");
      ledger.record(
        "state",
        { outputs: { paymentData: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: sealed } } },
        "a sealed secret",
      );
      ledger.record("child-output", `EMNIFY_APPLICATION_TOKEN=${token}\n`, "the emulator CLI", { tokens: [token], reason: "by design" });
      ledger.record("log", "refreshing stok-a1x and tok-a1-extended", "a log line");
    });
    assert.deepEqual(result.leaks, []);
  });

  it("records nothing until it is enabled", function () {
    const ledger = new SecretLedger();
    ledger.token(token, "before enabling");
    ledger.record("state", token, "before enabling");
    assert.deepEqual([ledger.scan().entries, ledger.scan().tokens.length], [0, 0]);
  });
});
