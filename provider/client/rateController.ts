/**
 * The short-term request rate, discovered from the API's 429s: the part of pacing that knows no
 * limit in advance.
 *
 * emnify documents 2,000 requests per 5 minutes, but its per-path limits (10/s on a billing path,
 * the rest unpublished), another job on the same IP, or a second `pulumi` process bite over
 * seconds. The documented window stays a hard ceiling in the pacer; this controller adds a rate
 * (requests per second) that it finds the way TCP congestion control and the AWS SDKs' "adaptive"
 * retry mode do:
 *
 * - **Slow start.** Begin at `startRate` and double every second while the allowance is used, so a
 *   deployment never fires a 1,900-request burst into an API whose limit it does not know.
 * - **Multiplicative decrease.** On a 429, cut to `BETA` (0.7) of the rate actually achieved over the
 *   last second, not of the allowance: after a burst of 429s the allowance may be far above what got
 *   through. One cut per round trip: a 429 for a request sent before the last cut says nothing new.
 * - **CUBIC increase.** Without a 429, climb back towards the rate at the last cut within seconds,
 *   stay near it, then probe beyond it, as AWS's CUBIC-based token bucket does: quick recovery
 *   after a transient squeeze, and few 429s near a steady limit.
 * - **No growth while idle.** The allowance never exceeds twice the rate recently achieved (nor the
 *   start rate), so a quiet minute does not bank a burst.
 * - **No collapse.** Never below `minRate`.
 *
 * Pure arithmetic on a caller-supplied clock (milliseconds), so tests drive it without timers.
 */

/** Fraction of the achieved rate kept after a 429 (TCP CUBIC and AWS use 0.7). */
export const BETA = 0.7;
/** CUBIC's scaling constant, as in the AWS SDKs' adaptive mode (rate units per second³). */
export const CUBIC_C = 0.4;
/** How far back "the rate achieved" looks. */
const MEASURE_MS = 1_000;

export interface AdaptiveRateOptions {
  /** Requests per second at the start, and the floor of the idle cap. */
  startRate: number;
  /** Never below this many requests per second. */
  minRate: number;
}

export class AdaptiveRate {
  private readonly startRate: number;
  private readonly minRate: number;
  /** Start times within the last MEASURE_MS (both ends included), oldest first. */
  private readonly starts: number[] = [];
  /** When slow start began (undefined once a 429 ended it). */
  private slowStartSince: number | undefined;
  /** The rate at the last cut (CUBIC's W_max), and when the cut happened. */
  private lastCut: { at: number; wMax: number } | undefined;
  private cutCount = 0;

  constructor(options: AdaptiveRateOptions, now: number) {
    this.startRate = options.startRate;
    this.minRate = Math.min(options.minRate, options.startRate);
    this.slowStartSince = now;
  }

  /** Records that a request started at `now`. */
  started(now: number): void {
    this.starts.push(now);
    this.forget(now);
  }

  /** Requests per second started over the last second. */
  achieved(now: number): number {
    this.forget(now);
    return (this.starts.length * 1000) / MEASURE_MS;
  }

  /** The rate allowed at `now`, in requests per second. */
  allowance(now: number): number {
    let rate: number;
    if (this.lastCut === undefined) {
      const since = Math.max(0, now - (this.slowStartSince ?? now));
      rate = this.startRate * 2 ** Math.min(since / 1000, 40);
    } else {
      const t = Math.max(0, now - this.lastCut.at) / 1000;
      const k = Math.cbrt((this.lastCut.wMax * (1 - BETA)) / CUBIC_C);
      rate = CUBIC_C * (t - k) ** 3 + this.lastCut.wMax;
    }
    const idleCap = Math.max(this.startRate, 2 * this.achieved(now));
    return Math.max(this.minRate, Math.min(rate, idleCap));
  }

  /**
   * The API answered 429 to a request sent at `sentAt`. Returns whether the rate was cut (false
   * when the request left before the last cut: it was sent at the old rate and is already answered
   * for).
   */
  throttled(now: number, sentAt: number = now): boolean {
    if (this.lastCut !== undefined && sentAt < this.lastCut.at) return false;
    const achieved = this.achieved(now);
    // What got through is the best estimate of the limit; the allowance may be far above it.
    const wMax = Math.max(this.minRate / BETA, Math.min(achieved, this.allowance(now)));
    this.lastCut = { at: now, wMax };
    this.slowStartSince = undefined;
    this.cutCount += 1;
    return true;
  }

  /** Cuts so far (for stats and tests). */
  get cuts(): number {
    return this.cutCount;
  }

  private forget(now: number): void {
    let drop = 0;
    while (drop < this.starts.length && this.starts[drop] < now - MEASURE_MS) drop += 1;
    if (drop > 0) this.starts.splice(0, drop);
  }
}
