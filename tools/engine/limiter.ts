/**
 * At most `limit` tasks at a time, started in the order they asked. The engine runs steps on a
 * bounded pool of workers (`--parallel`, default 4 × CPUs) and makes Check and Diff calls one at a
 * time from its step generator; the simulator uses one limiter for each.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`a limiter needs a positive whole limit, got ${limit}`);
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        next(); // the slot passes straight to the next task
      } else {
        this.running -= 1;
      }
    }
  }
}
