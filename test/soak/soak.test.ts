/**
 * The fault soak, short and seeded, inside `npm test` (the full one is `npm run soak`): random
 * faults of every kind over about a hundred lifecycle operations through Pulumi's dynamic-provider
 * host, every one checked against the invariant of ./model.ts. Nothing here is timed: the watchdog
 * bounds derive from the provider's timeout settings, not from the machine's speed.
 */
import assert from "node:assert/strict";
import { ApiHistory, type View, agreesOrPredates, unreadable } from "../../tools/soak/model";
import { formatSoakReport, runSoak } from "../../tools/soak/soak";

const SEED = 20241124;

describe("the fault soak, short and seeded", function () {
  // Faults include timeouts; a busy machine makes the host slower. No assertion depends on time.
  this.timeout(240_000);

  it(`keeps every operation applied, failed readably, or partial with a state that agrees with or predates the API (seed ${SEED})`, async function () {
    const report = await runSoak({ ops: 100, seed: SEED, orgs: 14, timeoutSeconds: 0.5, maxAttempts: 3, roundsPerHost: 8 });
    const text = formatSoakReport(report);
    process.stdout.write(
      `${text
        .slice(0, 9)
        .map((l) => `      ${l}`)
        .join("\n")}\n`,
    );
    assert.deepEqual(report.violations, [], text.join("\n"));
    assert.deepEqual(report.unhandled, [], "no unhandled rejection or uncaught exception in the host");
    assert.equal(report.converged, true, "once the faults stop, one up and one destroy converge");
    assert.ok(report.operations >= 100, `${report.operations} operations`);
    assert.ok(report.byOperation.create.applied > 0 && report.byOperation.update.applied > 0, "creates and updates were applied");
    assert.ok(report.outcomes.failed + report.outcomes.partial > 0, "some operations failed or were left partial");
    const hit = (pattern: RegExp) => Object.entries(report.faults).some(([kind, n]) => pattern.test(kind) && n > 0);
    for (const [kind, pattern] of [
      ["429", /^429/],
      ["500", /^500$/],
      ["502", /^502$/],
      ["503", /^503$/],
      ["reset", /^reset$/],
      ["timeout", /^timeout$/],
      ["slow answer", /^slow/],
      ["malformed body", /^malformed$/],
      ["undisclosed rate limit", /^429 from an undisclosed (per-path|short-term) limit$/],
    ] as const) {
      assert.ok(hit(pattern), `at least one ${kind} fault hit a request: ${JSON.stringify(report.faults)}`);
    }
    assert.ok(report.sessionExpiries > 0, "sessions expired mid-round at least once");
  });
});

describe("the soak's invariant", function () {
  const view = (over: Partial<View>): View => ({
    vatin: '"DE1"',
    invoiceIssuerInfo: "∅",
    chargingModel: "0",
    paymentTerm: "1",
    vatRate: "1",
    paymentData: "{}",
    billingConfigId: "8",
    ...over,
  });
  const history = new ApiHistory();
  history.remember(101, view({}));

  it("accepts a state equal to the API, and one that holds an earlier API value of a declared field the next run will send again", function () {
    assert.deepEqual(agreesOrPredates(101, view({}), view({}), { vatin: '"DE2"' }, history), []);
    assert.deepEqual(agreesOrPredates(101, view({}), view({ vatin: '"DE2"' }), { vatin: '"DE2"' }, history), []);
  });

  it("refuses a state that claims the declared value the API does not hold, a value the API never held, or a difference in an undeclared field", function () {
    assert.deepEqual(agreesOrPredates(101, view({ vatin: '"DE2"' }), view({}), { vatin: '"DE2"' }, history), [
      'vatin: state claims the declared "DE2" but the API holds "DE1"',
    ]);
    assert.deepEqual(agreesOrPredates(101, view({ vatin: '"DE3"' }), view({ vatin: '"DE2"' }), { vatin: '"DE2"' }, history), [
      'vatin: state "DE3" is a value the API never held (API holds "DE2")',
    ]);
    assert.deepEqual(agreesOrPredates(101, view({ paymentTerm: "2" }), view({}), {}, history), [
      "paymentTerm: state 2 but the API holds 1, and the field is not declared (no run would fix it)",
    ]);
  });

  it("calls an error readable only when it is one line without a stack frame, names the organisation, the operation and the status", function () {
    const good =
      "updating billing config for organisation 101 failed: PATCH /api/v1/organisation/101/billing_config answered 503: Service Unavailable [gave up after 3 attempts]";
    assert.equal(unreadable(good, 101), undefined);
    assert.equal(unreadable(`${good}\n    at apply (/x/provider.js:10:5)`, 101), "more than one line");
    assert.equal(unreadable(`${good} at apply (/x/provider.js:10:5)`, 101), "a stack frame");
    assert.equal(unreadable(good, 102), "does not name organisation 102");
    assert.equal(unreadable("organisation 101: something went wrong", 101), "does not say what was being done");
    assert.equal(
      unreadable("updating billing config for organisation 101 failed", 101),
      "gives no HTTP status and does not say that no answer came",
    );
  });
});
