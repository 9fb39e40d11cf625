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
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 3, windowMs: 1000, maxConcurrency: 100 }, clock);
    const startedAt: number[] = [];
    const all = instantTasks(pacer, clock, 5, startedAt);
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
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 2, windowMs: 1000, maxConcurrency: 100 }, clock);
    const startedAt: number[] = [];
    instantTasks(pacer, clock, 1, startedAt);
    await clock.advanceTo(600);
    instantTasks(pacer, clock, 1, startedAt);
    await clock.advanceTo(800);
    instantTasks(pacer, clock, 2, startedAt);
    await clock.advanceTo(2000);
    assert.deepEqual(startedAt, [0, 600, 1000, 1600]);
  });

  it("sleeps once, exactly until a slot frees, instead of polling", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 1, windowMs: 1000, maxConcurrency: 100 }, clock);
    const startedAt: number[] = [];
    instantTasks(pacer, clock, 1, startedAt);
    await clock.advanceTo(250);
    instantTasks(pacer, clock, 3, startedAt);
    await settle();
    assert.deepEqual(clock.sleeps, [750]);
    await clock.advanceTo(3000);
    assert.deepEqual(startedAt, [0, 1000, 2000, 3000]);
    assert.deepEqual(clock.sleeps, [750, 1000, 1000]);
  });

  it("keeps a slow request in the window until windowMs after it finished, when the API may have counted it", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 1, windowMs: 1000, maxConcurrency: 100 }, clock);
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
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 1, windowMs: 10, maxConcurrency: 1 }, clock);
    const order: number[] = [];
    const all = [1, 2, 3, 4].map((n) => pacer.run(async () => void order.push(n)));
    await clock.advanceTo(100);
    await Promise.all(all);
    assert.deepEqual(order, [1, 2, 3, 4]);
  });
});

describe("request pacer: concurrency", () => {
  it("keeps at most maxConcurrency tasks in flight and starts the next when one finishes", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100, windowMs: 1000, maxConcurrency: 2 }, clock);
    const started: string[] = [];
    const tasks = ["a", "b", "c", "d"].map((name) => heldTask(pacer, started, name));
    await settle();
    assert.deepEqual(started, ["a", "b"]);
    tasks[1]!.release();
    await settle();
    assert.deepEqual(started, ["a", "b", "c"]);
    for (const t of tasks) t.release();
    await Promise.all(tasks.map((t) => t.done));
    assert.deepEqual(started, ["a", "b", "c", "d"]);
    assert.deepEqual(clock.sleeps, [], "waiting for a slot needs no timer");
  });

  it("frees the slot of a task that fails and passes its error on", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100, windowMs: 1000, maxConcurrency: 1 }, clock);
    const failing = pacer.run(async () => {
      throw new Error("boom");
    });
    const next = pacer.run(async () => "next ran");
    await assert.rejects(failing, { message: "boom" });
    assert.equal(await next, "next ran");
  });
});

describe("request pacer: slowing down after 429", () => {
  it("pauses every start for the time the API asked for", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100, windowMs: 1000, maxConcurrency: 8 }, clock);
    pacer.throttled(3000);
    const startedAt: number[] = [];
    instantTasks(pacer, clock, 2, startedAt);
    await clock.advanceTo(2999);
    assert.deepEqual(startedAt, []);
    await clock.advanceTo(3000);
    assert.deepEqual(startedAt, [3000, 3000]);
  });

  it("pauses for 2 seconds when the API did not say how long", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100, windowMs: 1000, maxConcurrency: 8 }, clock);
    pacer.throttled();
    const startedAt: number[] = [];
    instantTasks(pacer, clock, 1, startedAt);
    await clock.advanceTo(1999);
    assert.deepEqual(startedAt, []);
    await clock.advanceTo(2000);
    assert.deepEqual(startedAt, [2000]);
  });

  it("halves the limit once per pause, however many in-flight requests come back 429, down to 1", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 10, windowMs: 60_000, maxConcurrency: 8 }, clock);
    pacer.throttled(100);
    pacer.throttled(100);
    pacer.throttled(100);
    assert.deepEqual(pacer.stats, { started: 0, throttledSignals: 3, currentLimit: 5 });
    const limits: number[] = [];
    for (let t = 100; t <= 400; t += 100) {
      await clock.advanceTo(t);
      pacer.throttled(100);
      limits.push(pacer.stats.currentLimit);
    }
    assert.deepEqual(limits, [2, 1, 1, 1]);
  });

  it("admits only the reduced limit per window, then gives back a tenth of the limit per clean window", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 10, windowMs: 1000, maxConcurrency: 100 }, clock);
    const startedAt: number[] = [];
    instantTasks(pacer, clock, 10, startedAt);
    await settle();
    pacer.throttled(100);
    instantTasks(pacer, clock, 8, startedAt);
    await clock.advanceTo(999);
    assert.equal(startedAt.length, 10);
    await clock.advanceTo(1000);
    assert.equal(pacer.stats.currentLimit, 6);
    assert.equal(startedAt.length, 16);
    await clock.advanceTo(1999);
    assert.equal(startedAt.length, 16);
    await clock.advanceTo(2000);
    assert.equal(startedAt.length, 18);
    assert.equal(pacer.stats.currentLimit, 7);
  });

  it("recovers step by step to the configured limit and no further", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 20, windowMs: 1000, maxConcurrency: 8 }, clock);
    pacer.throttled(0);
    const limits: number[] = [pacer.stats.currentLimit];
    for (let t = 1000; t <= 7000; t += 1000) {
      await clock.advanceTo(t);
      limits.push(pacer.stats.currentLimit);
    }
    assert.deepEqual(limits, [10, 12, 14, 16, 18, 20, 20, 20]);
  });

  it("restarts the wait for recovery at every 429, even one that does not cut the limit again", async () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 20, windowMs: 1000, maxConcurrency: 8 }, clock);
    pacer.throttled(500);
    await clock.advanceTo(400);
    pacer.throttled(500); // during the pause: no second cut
    assert.equal(pacer.stats.currentLimit, 10);
    await clock.advanceTo(1000);
    assert.equal(pacer.stats.currentLimit, 10, "only 600 ms since the last 429");
    await clock.advanceTo(1400);
    assert.equal(pacer.stats.currentLimit, 12);
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

  it("defaults to 95% of emnify's documented limit and 8 requests in flight", () => {
    assert.deepEqual(EMNIFY_DOCUMENTED_LIMIT, { requests: 2000, windowMs: 300_000 });
    assert.deepEqual(DEFAULT_PACER_OPTIONS, { requests: 1900, windowMs: 300_000, maxConcurrency: 8 });
  });

  it("shares one pacer per API origin across the process", () => {
    const a = sharedPacer("https://pacer-share.invalid");
    assert.equal(sharedPacer("https://pacer-share.invalid/"), a);
    assert.equal(sharedPacer("https://pacer-share.invalid/some/prefix"), a);
    assert.notEqual(sharedPacer("https://pacer-share-other.invalid"), a);
    assert.deepEqual(a.settings, DEFAULT_PACER_OPTIONS);
  });

  it("applies options when the shared pacer is created and reconfigures it on a later call", () => {
    const first = sharedPacer("https://pacer-configure.invalid", { requests: 50, windowMs: 10_000 });
    assert.deepEqual(first.settings, { requests: 50, windowMs: 10_000, maxConcurrency: 8 });
    const again = sharedPacer("https://pacer-configure.invalid", { maxConcurrency: 2 });
    assert.equal(again, first);
    assert.deepEqual(first.settings, { requests: 50, windowMs: 10_000, maxConcurrency: 2 });
    assert.equal(first.stats.currentLimit, 50);
  });

  it("keeps a 429 slow-down in force when reconfigured, capped at the new limit", () => {
    const clock = new FakeClock();
    const pacer = new RequestPacer({ requests: 100, windowMs: 1000, maxConcurrency: 8 }, clock);
    pacer.throttled();
    pacer.configure({ requests: 500 });
    assert.equal(pacer.stats.currentLimit, 50);
    pacer.configure({ requests: 30 });
    assert.equal(pacer.stats.currentLimit, 30);
  });

  it("refuses an endpoint that is not a URL", () => {
    assert.throws(() => sharedPacer("cdn.emnify.net"), {
      name: "EmnifyConfigurationError",
      message: 'invalid emnify endpoint "cdn.emnify.net": expected a URL such as https://cdn.emnify.net',
    });
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
