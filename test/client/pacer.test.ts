import assert from "node:assert/strict";
import {
  DEFAULT_PACER_OPTIONS,
  EMNIFY_DOCUMENTED_LIMIT,
  type PacerClock,
  RequestPacer,
  parseRateLimit,
  sharedPacer,
} from "../../provider/client/pacer";

/** Lets every promise chain that can make progress do so. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A clock that only moves when told to, and records every sleep the pacer asks for. */
class FakeClock implements PacerClock {
  time = 0;
  readonly sleeps: number[] = [];
  private timers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((wake) => this.timers.push({ at: this.time + ms, wake }));
  }

  /** Moves time forward to `target`, waking sleepers in order at their own instants. */
  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.wake();
      await settle();
    }
    this.time = target;
    await settle();
    // Work released at `target` may have asked for a timer that is already due.
    if (this.timers.some((t) => t.at <= target)) await this.advanceTo(target);
  }
}

/** Queues `count` tasks that record when they start and finish at once. */
function instantTasks(pacer: RequestPacer, clock: FakeClock, count: number, startedAt: number[]): Promise<void>[] {
  return Array.from({ length: count }, () =>
    pacer.run(async () => {
      startedAt.push(clock.now());
    }),
  );
}

/** Queues a task that holds its concurrency slot until released. */
function heldTask(pacer: RequestPacer, started: string[], name: string): { release: () => void; done: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const done = pacer.run(async () => {
    started.push(name);
    await gate;
  });
  return { release, done };
}

describe("request pacer: sliding window", () => {
  it("starts at most `requests` tasks in a window and the rest when the oldest start leaves it", async () => {
    const { clock, pacer, startedAt, start } = windowed({ requests: 3, windowMs: 1000, maxConcurrency: 100 });
    const all = start(5);
    await settle();
    assert.deepEqual(startedAt, [0, 0, 0]);
    await clock.advanceTo(999);
    assert.deepEqual(startedAt, [0, 0, 0]);
    await clock.advanceTo(1000);
    assert.deepEqual(startedAt, [0, 0, 0, 1000, 1000]);
    await Promise.all(all);
    assert.equal(pacer.stats.started, 5);
  });

  it("slides with each start instead of resetting on fixed boundaries", async () => {
    const { clock, startedAt, start } = windowed({ requests: 2, windowMs: 1000, maxConcurrency: 100 });
    void start(1);
    await clock.advanceTo(600);
    void start(1);
    await clock.advanceTo(800);
    void start(2);
    await clock.advanceTo(2000);
    assert.deepEqual(startedAt, [0, 600, 1000, 1600]);
  });

  it("sleeps once, exactly until a slot frees, instead of polling", async () => {
    const { clock, startedAt, start } = windowed({ requests: 1, windowMs: 1000, maxConcurrency: 100 });
    void start(1);
    await clock.advanceTo(250);
    void start(3);
    await settle();
    assert.deepEqual(clock.sleeps, [750]);
    await clock.advanceTo(3000);
    assert.deepEqual(startedAt, [0, 1000, 2000, 3000]);
    assert.deepEqual(clock.sleeps, [750, 1000, 1000]);
  });

  it("keeps a slow request in the window until windowMs after it finished, when the API may have counted it", async () => {
    const { clock, pacer } = windowed({ requests: 1, windowMs: 1000, maxConcurrency: 100 });
    const started: string[] = [];
    const slow = heldTask(pacer, started, "slow");
    const next = heldTask(pacer, started, "next");
    await clock.advanceTo(400);
    slow.release();
    await clock.advanceTo(1399);
    assert.deepEqual(started, ["slow"]);
    await clock.advanceTo(1400);
    assert.deepEqual(started, ["slow", "next"]);
    next.release();
    await Promise.all([slow.done, next.done]);
  });

  it("starts waiting tasks in the order they asked", async () => {
    const { clock, pacer } = windowed({ requests: 1, windowMs: 10, maxConcurrency: 1 });
    const order: number[] = [];
    const all = [1, 2, 3, 4].map((n) => pacer.run(async () => void order.push(n)));
    await clock.advanceTo(100);
    await Promise.all(all);
    assert.deepEqual(order, [1, 2, 3, 4]);
  });
});

describe("request pacer: concurrency", () => {
  it("keeps at most maxConcurrency tasks in flight and starts the next when one finishes", async () => {
    const { clock, pacer } = windowed({ requests: 100, windowMs: 1000, maxConcurrency: 2 });
    const started: string[] = [];
    const tasks = ["a", "b", "c", "d"].map((name) => heldTask(pacer, started, name));
    await settle();
    assert.deepEqual(started, ["a", "b"]);
    tasks[1].release();
    await settle();
    assert.deepEqual(started, ["a", "b", "c"]);
    for (const t of tasks) t.release();
    await Promise.all(tasks.map((t) => t.done));
    assert.deepEqual(started, ["a", "b", "c", "d"]);
    assert.deepEqual(clock.sleeps, [], "waiting for a slot needs no timer");
  });

  it("frees the slot of a task that fails and passes its error on", async () => {
    const { pacer } = windowed({ requests: 100, windowMs: 1000, maxConcurrency: 1 });
    const failing = pacer.run(async () => {
      throw new Error("boom");
    });
    const next = pacer.run(async () => "next ran");
    await assert.rejects(failing, { message: "boom" });
    assert.equal(await next, "next ran");
  });
});

/** A pacer with the short-term rate out of the way (started at a billion per second), to test the window. */
function windowOnly(options: { requests: number; windowMs: number; maxConcurrency: number }, clock: FakeClock): RequestPacer {
  return new RequestPacer({ ...options, startRate: 1e9 }, clock);
}

/** A window-only pacer on a fake clock of its own; `start(count)` queues instant tasks that record their start in `startedAt`. */
function windowed(options: { requests: number; windowMs: number; maxConcurrency: number }) {
  const clock = new FakeClock();
  const pacer = windowOnly(options, clock);
  const startedAt: number[] = [];
  return { clock, pacer, startedAt, start: (count: number) => instantTasks(pacer, clock, count, startedAt) };
}

/** Feeds the pacer `perSecond` instant tasks a second from `from` to `to` (ms), one at a time. */
async function feed(
  pacer: RequestPacer,
  clock: FakeClock,
  perSecond: number,
  from: number,
  to: number,
  startedAt: number[],
): Promise<void> {
  for (let t = from; t < to; t += 1000 / perSecond) {
    await clock.advanceTo(t);
    void pacer.run(async () => void startedAt.push(clock.now()));
  }
  await clock.advanceTo(to);
}

/** Starts per whole second, from second 0 to `seconds` - 1. */
function perSecond(startedAt: number[], seconds: number): number[] {
  return Array.from({ length: seconds }, (_, s) => startedAt.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length);
}

const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 0.01, `${what}: ${actual} instead of ${expected}`);

describe("request pacer: the short-term rate", () => {
  it("approaches an unknown API at 10 requests/s and doubles the pace every second until a 429", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer(DEFAULT_PACER_OPTIONS, clock);
    const startedAt: number[] = [];
    void instantTasks(pacer, clock, 1000, startedAt);
    await clock.advanceTo(4000);
    // 10 × 2^t requests per second: about 14, 29, 58 and 115 in seconds 0 to 3 (the integral).
    const counts = perSecond(startedAt, 4);
    assert.ok(counts[0] >= 13 && counts[0] <= 16, `first second: ${counts[0]}`);
    for (let s = 1; s < 4; s += 1) {
      const ratio = counts[s] / counts[s - 1];
      assert.ok(ratio > 1.7 && ratio < 2.4, `second ${s}: ${counts[s]} after ${counts[s - 1]}`);
    }
    assert.ok(startedAt.length < 250, "no burst: far fewer than the window's 1,900 in 4 s");
  });

  it("starts at the window's own average rate when the limit it was told is faster than 10/s", () => {
    const pacer = new RequestPacer({ requests: 190, windowMs: 3000, maxConcurrency: 8 }, new FakeClock());
    near(pacer.settings.startRate, 63.333, "start rate");
    near(pacer.stats.currentRate, 63.333, "rate");
  });

  it("cuts to 70% of the rate actually achieved over the last second, not of the allowance", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100_000, windowMs: 1000, maxConcurrency: 8, startRate: 100 }, clock);
    const startedAt: number[] = [];
    await feed(pacer, clock, 20, 0, 3000, startedAt);
    assert.ok(pacer.stats.currentRate >= 40, "the allowance is well above the 20/s in use");
    pacer.throttled();
    near(pacer.stats.currentRate, 14, "rate after the cut");
    assert.equal(pacer.stats.rateCuts, 1);
  });

  it("cuts once for a burst: a 429 for a request sent before the last cut changes nothing", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100_000, windowMs: 1000, maxConcurrency: 8, startRate: 100 }, clock);
    await feed(pacer, clock, 20, 0, 2000, []);
    const sentBeforeTheCut = clock.now() - 30;
    pacer.throttled(undefined, sentBeforeTheCut);
    pacer.throttled(undefined, sentBeforeTheCut);
    pacer.throttled(undefined, sentBeforeTheCut + 10);
    assert.deepEqual({ cuts: pacer.stats.rateCuts, signals: pacer.stats.throttledSignals }, { cuts: 1, signals: 3 });
    near(pacer.stats.currentRate, 14, "rate");
    await clock.advanceTo(clock.now() + 1);
    pacer.throttled(undefined, clock.now());
    assert.equal(pacer.stats.rateCuts, 2, "a request sent after the cut is news");
  });

  it("climbs back to the rate of the last cut within seconds (CUBIC), then probes beyond it", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100_000, windowMs: 1000, maxConcurrency: 8, startRate: 100 }, clock);
    await feed(pacer, clock, 20, 0, 2000, []);
    pacer.throttled();
    const cutAt = clock.now();
    // Keep it busy, so the rate is in use and not capped as idle.
    void instantTasks(pacer, clock, 2000, []);
    const k = Math.cbrt((20 * 0.3) / 0.4); // seconds back to the old rate: 2.47
    await clock.advanceTo(cutAt + k * 1000);
    near(pacer.stats.currentRate, 20, `rate ${k.toFixed(2)} s after the cut`);
    await clock.advanceTo(cutAt + (k + 2) * 1000);
    near(pacer.stats.currentRate, 20 + 0.4 * 8, "rate 2 s later");
  });

  it("paces requests at the allowed rate, evenly, with no burst after the cut", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100_000, windowMs: 1000, maxConcurrency: 8, startRate: 100 }, clock);
    await feed(pacer, clock, 20, 0, 2000, []);
    pacer.throttled(); // 14/s
    const startedAt: number[] = [];
    void instantTasks(pacer, clock, 100, startedAt);
    await clock.advanceTo(2500);
    const gaps = startedAt.slice(1).map((t, i) => t - startedAt[i]);
    assert.ok(startedAt.length >= 6 && startedAt.length <= 8, `${startedAt.length} starts in 0.5 s at 14-15/s`);
    assert.ok(
      gaps.every((g) => g >= 1000 / 15 - 10),
      `gaps ${gaps.map((g) => g.toFixed(1)).join(", ")}`,
    );
  });

  it("never drops below 1 request per second, however many 429s: slower, never stalled", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100_000, windowMs: 1000, maxConcurrency: 8 }, clock);
    for (let i = 0; i < 50; i += 1) {
      await clock.advanceTo(i * 10);
      pacer.throttled();
    }
    assert.ok(pacer.stats.currentRate >= 1, `rate ${pacer.stats.currentRate}`);
    const startedAt: number[] = [];
    void instantTasks(pacer, clock, 3, startedAt);
    await clock.advanceTo(3500);
    assert.equal(startedAt.length, 3);
  });

  it("banks no burst while idle: after a quiet minute the allowance is back at the start rate", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 1000, windowMs: 100_000, maxConcurrency: 8 }, clock);
    void instantTasks(pacer, clock, 300, []);
    await clock.advanceTo(5000);
    assert.ok(pacer.stats.currentRate > 100, `busy: ${pacer.stats.currentRate}`);
    await clock.advanceTo(65_000);
    near(pacer.stats.currentRate, 10, "rate after a quiet minute");
  });

  it("pauses every start for the time the API asked for with Retry-After", async () => {
    const { clock, pacer } = windowed({ requests: 100, windowMs: 1000, maxConcurrency: 8 });
    pacer.throttled(3000);
    const startedAt: number[] = [];
    void instantTasks(pacer, clock, 2, startedAt);
    await clock.advanceTo(2999);
    assert.deepEqual(startedAt, []);
    await clock.advanceTo(3000);
    assert.deepEqual(startedAt.slice(0, 1), [3000]);
  });

  it("does not pause at all when the API did not say how long: the lower rate is the answer", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100, windowMs: 1000, maxConcurrency: 8 }, clock);
    await feed(pacer, clock, 10, 0, 1000, []);
    pacer.throttled();
    const startedAt: number[] = [];
    void instantTasks(pacer, clock, 1, startedAt);
    await clock.advanceTo(1000 + 1000 / 7 + 1);
    assert.equal(startedAt.length, 1, "started within one interval of the new 7/s");
  });

  it("sends retries ahead of requests that have not been tried yet", async () => {
    const { pacer } = windowed({ requests: 100, windowMs: 1000, maxConcurrency: 1 });
    const order: string[] = [];
    const first = heldTask(pacer, order, "first");
    const queued = ["a", "b"].map((n) => pacer.run(async () => void order.push(n)));
    const retry = pacer.run(async () => void order.push("retry"), { retry: true });
    await settle();
    first.release();
    await Promise.all([first.done, ...queued, retry]);
    assert.deepEqual(order, ["first", "retry", "a", "b"]);
  });

  it("keeps the window as a hard ceiling however far the short-term rate has grown", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 50, windowMs: 10_000, maxConcurrency: 8, startRate: 100 }, clock);
    const startedAt: number[] = [];
    void instantTasks(pacer, clock, 120, startedAt);
    await clock.advanceTo(9_999);
    assert.equal(startedAt.length, 50);
    await clock.advanceTo(30_000);
    assert.equal(startedAt.length, 120);
    for (const t of startedAt) {
      assert.ok(startedAt.filter((u) => u > t - 10_000 && u <= t).length <= 50, `more than 50 starts in the window ending at ${t}`);
    }
  });
});

describe("request pacer: configuration", () => {
  it("refuses limits that could never admit a request", () => {
    assert.throws(() => new RequestPacer({ requests: 0, windowMs: 1000, maxConcurrency: 1 }), {
      name: "EmnifyConfigurationError",
      message: "invalid pacer setting requests: 0 (expected a positive integer)",
    });
    assert.throws(() => new RequestPacer({ requests: 1, windowMs: 1000, maxConcurrency: 0.5 }), {
      message: "invalid pacer setting maxConcurrency: 0.5 (expected a positive integer)",
    });
  });

  it("by default starts 95% of emnify's documented 2,000 per 5 minutes, the next when the oldest leaves the window", async () => {
    const clock = new FakeClock();
    // A start rate out of the way, so that only the window decides.
    const pacer = new RequestPacer({ ...DEFAULT_PACER_OPTIONS, startRate: 1e9 }, clock);
    const startedAt: number[] = [];
    const all = instantTasks(pacer, clock, 1901, startedAt);
    await clock.advanceTo(EMNIFY_DOCUMENTED_LIMIT.windowMs - 1);
    assert.equal(startedAt.length, 1900);
    await clock.advanceTo(EMNIFY_DOCUMENTED_LIMIT.windowMs);
    assert.equal(startedAt.length, 1901);
    assert.equal(startedAt[1900], EMNIFY_DOCUMENTED_LIMIT.windowMs);
    await Promise.all(all);
  });

  it("by default runs at most 8 requests at once", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ ...DEFAULT_PACER_OPTIONS, startRate: 1e9 }, clock);
    const started: string[] = [];
    const held = Array.from({ length: 9 }, (_, i) => heldTask(pacer, started, `t${i}`));
    await clock.advanceTo(1000);
    assert.equal(started.length, 8);
    held[0].release();
    await clock.advanceTo(2000);
    assert.deepEqual(
      started,
      held.map((_, i) => `t${i}`),
    );
    for (const h of held) h.release();
    await Promise.all(held.map((h) => h.done));
  });

  it("shares one pacer per API origin across the process", () => {
    const a = sharedPacer("https://pacer-share.invalid");
    assert.equal(sharedPacer("https://pacer-share.invalid/"), a);
    assert.equal(sharedPacer("https://pacer-share.invalid/some/prefix"), a);
    assert.notEqual(sharedPacer("https://pacer-share-other.invalid"), a);
    assert.deepEqual(a.settings, { ...DEFAULT_PACER_OPTIONS, startRate: 10 });
    assert.equal(a.stats.ledger, "shared");
  });

  it("applies options when the shared pacer is created and reconfigures it on a later call", () => {
    const first = sharedPacer("https://pacer-configure.invalid", { requests: 50, windowMs: 10_000 });
    assert.deepEqual(first.settings, { requests: 50, windowMs: 10_000, maxConcurrency: 8, startRate: 10 });
    const again = sharedPacer("https://pacer-configure.invalid", { maxConcurrency: 2, requests: 500, windowMs: 1000 });
    assert.equal(again, first);
    assert.deepEqual(first.settings, { requests: 500, windowMs: 1000, maxConcurrency: 2, startRate: 500 });
    near(first.stats.currentRate, 500, "an untaught pacer starts over at the new window's pace");
  });

  it("does not restart its slow start when configured again with the same settings", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer(DEFAULT_PACER_OPTIONS, clock);
    void instantTasks(pacer, clock, 500, []);
    await clock.advanceTo(3000);
    const grown = pacer.stats.currentRate;
    assert.ok(grown > 60, `rate ${grown}`);
    pacer.configure({ ...DEFAULT_PACER_OPTIONS });
    assert.equal(pacer.stats.currentRate, grown);
  });

  it("keeps what 429s taught when reconfigured", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100, windowMs: 1000, maxConcurrency: 8 }, clock);
    await feed(pacer, clock, 20, 0, 1000, []);
    pacer.throttled();
    pacer.configure({ requests: 500 });
    near(pacer.stats.currentRate, 14, "rate");
  });
});

describe("parsing a rate limit setting", () => {
  it("reads requests per seconds", () => {
    assert.deepEqual(parseRateLimit("2000/300"), { requests: 2000, windowMs: 300_000 });
    assert.deepEqual(parseRateLimit(" 20 / 1 "), { requests: 20, windowMs: 1000 });
    assert.deepEqual(parseRateLimit("5/0.5"), { requests: 5, windowMs: 500 });
  });

  it("names the setting and the expected form when the text is wrong", () => {
    assert.throws(() => parseRateLimit("2000 per 5 minutes"), {
      name: "EmnifyConfigurationError",
      message:
        'invalid emnify:rateLimit "2000 per 5 minutes": expected "<requests>/<seconds>" with both numbers above zero, ' +
        'e.g. "2000/300" for 2000 requests per 300 seconds',
    });
    for (const text of ["0/300", "10/0", "300", "", "1.5/10", "-1/10"]) {
      assert.throws(() => parseRateLimit(text), { name: "EmnifyConfigurationError" }, text);
    }
  });

  it("names another setting when the caller says which", () => {
    assert.throws(() => parseRateLimit("x", "EMNIFY_RATE_LIMIT"), { message: /^invalid EMNIFY_RATE_LIMIT "x": / });
  });
});
