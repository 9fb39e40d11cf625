/**
 * Virtual time for the client, its pacer and its retries (provider/client/clock.ts): `sleep` never
 * waits in real time. Each sleeper wakes, in the order of its wake time, once the event loop has
 * run what was ready (real HTTP exchanges with the emulator go on in real time meanwhile); the
 * clock then reads its wake time. A test asserts on what the code asked to wait (`slept`) and when
 * things happened on this clock, never on how long the test took.
 */
import type { Clock } from "../../provider/client/clock";

export class VirtualClock implements Clock {
  /** Every wait asked for, in the order asked. */
  readonly slept: number[] = [];
  private time: number;
  private readonly timers: { at: number; order: number; wake: () => void }[] = [];
  private asked = 0;
  private scheduled = false;

  /** @param start  what `now()` reads first; e.g. `Date.now()` where a JWT's `exp` is compared with it. */
  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    return new Promise((wake) => {
      this.timers.push({ at: this.time + Math.max(0, ms), order: this.asked++, wake });
      this.wakeNextSoon();
    });
  }

  private wakeNextSoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.timers.shift();
      if (next === undefined) return;
      this.time = Math.max(this.time, next.at);
      next.wake();
      if (this.timers.length > 0) this.wakeNextSoon();
    });
  }
}
