/**
 * Time, as the client, its pacer and its retries see it: a reading and a wait, nothing else, so a
 * test can hand in a clock that moves only when told to (no real pauses, no timing-dependent
 * assertions). Production uses the two clocks below.
 */
export interface Clock {
  /** Milliseconds; what they count from depends on the clock (see below). */
  now(): number;
  /** Resolves once `ms` milliseconds of this clock have passed. */
  sleep(ms: number): Promise<void>;
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Epoch milliseconds (`Date.now`): the clock a JWT's `exp` and a `Retry-After` date are written in,
 * and the one processes on a machine share (the rate ledger).
 */
export const wallClock: Clock = Object.freeze({ now: () => Date.now(), sleep: realSleep });

/**
 * `performance.now()`: monotonic, so a wall-clock correction (NTP) cannot open or close the
 * pacer's window early.
 */
export const monotonicClock: Clock = Object.freeze({ now: () => performance.now(), sleep: realSleep });
