/**
 * The provider's client made from settings the way the runtime makes it (clientFromSettings), on a
 * virtual clock: the default retry policy's backoff and a `Retry-After` pause are asked for, not
 * sat through (about 20 s of real waiting otherwise).
 */
import assert from "node:assert/strict";
import { billingConfigApi } from "../../provider/billing/billingConfigApi";
import { BillingConfigProvider } from "../../provider/resource/billingConfigProvider";
import { RequestPacer } from "../../provider/client/pacer";
import { clientFromSettings } from "../../provider/config/clientFromSettings";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "../../provider/emulator";
import { resolveSettings } from "../../provider/config/settings";
import { VirtualClock } from "../client/virtualClock";

const PATH = "/api/v1/organisation/101/billing_config";

describe("the provider's client, made from settings, on a virtual clock", () => {
  let emu: EmnifyEmulator;
  let clock: VirtualClock;
  let pacer: RequestPacer;
  let provider: BillingConfigProvider;

  beforeEach(async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101, billingConfig: { vatin: "DE-OLD" } }] });
    const config: Record<string, string> = {
      "emnify:endpoint": emu.url,
      "emnify:applicationToken": DEMO_APPLICATION_TOKEN,
      "emnify:rateLimit": "100/1",
    };
    const settings = resolveSettings((key) => config[key], {});
    // Epoch-like, as the client's wall clock is compared with JWT expiry.
    clock = new VirtualClock(Date.now());
    // The pacer on a virtual clock of its own, so `clock.slept` holds the client's waits alone.
    pacer = new RequestPacer({ requests: 1, windowMs: 1, maxConcurrency: 1 }, new VirtualClock());
    const client = clientFromSettings(settings, { clock, pacer });
    provider = new BillingConfigProvider(
      () => billingConfigApi(client),
      () => undefined,
    );
  });

  afterEach(async () => {
    await emu?.stop();
  });

  it("applies the rate-limit setting to the pacer it was given", () => {
    assert.deepEqual([pacer.settings.requests, pacer.settings.windowMs], [95, 1000]);
  });

  it("retries 503s with the default policy's full-jitter backoff, each wait under its doubling bound", async () => {
    emu.injectFault({ method: "PATCH", path: PATH, kind: "status", status: 503, times: 4 });
    const { inputs } = await provider.check({}, { orgId: 101, vatin: "DE-NEW" });
    await provider.create(inputs);
    assert.equal(emu.billingConfig(101).vatin, "DE-NEW");
    assert.equal(emu.count({ method: "PATCH", path: PATH }), 5);
    // Four waits, the i-th drawn from [0, 500 × 2^i) by the default policy.
    assert.equal(clock.slept.length, 4, `slept ${JSON.stringify(clock.slept)}`);
    for (const [i, ms] of clock.slept.entries()) assert.ok(ms >= 0 && ms < 500 * 2 ** i, `wait ${i}: ${ms} ms`);
  });

  it("waits out a 429's Retry-After on the clock it was given", async () => {
    emu.injectFault({ method: "GET", path: PATH, kind: "status", status: 429, retryAfterSeconds: 20, times: 1 });
    const start = clock.now();
    const live = await provider.read("101", { orgId: 101 });
    assert.equal(live.props?.vatin, "DE-OLD");
    assert.deepEqual(clock.slept, [20_000]);
    assert.ok(clock.now() - start >= 20_000, "the read finished after the 20 s pause, on the virtual clock");
  });
});
