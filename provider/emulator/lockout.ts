/**
 * emnify's authentication lockout: after N failed authenticate calls in a row the caller is locked
 * out for a while, and even a valid token is refused until then. Keyed by source IP, because an
 * unknown token names no account. A successful authentication resets the count.
 */
export class AuthLockout {
  private readonly failures = new Map<string, number>();
  private readonly lockedUntil = new Map<string, number>();

  constructor(
    readonly attempts: number,
    readonly seconds: number,
  ) {}

  /** Milliseconds the key stays locked, or 0. A lock that has run out is forgotten. */
  remainingMs(key: string, nowMs = Date.now()): number {
    const until = this.lockedUntil.get(key);
    if (until === undefined) return 0;
    if (nowMs < until) return until - nowMs;
    this.lockedUntil.delete(key);
    this.failures.delete(key);
    return 0;
  }

  recordFailure(key: string, nowMs = Date.now()): void {
    const count = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, count);
    if (count >= this.attempts) this.lockedUntil.set(key, nowMs + this.seconds * 1000);
  }

  recordSuccess(key: string): void {
    this.failures.delete(key);
  }
}
