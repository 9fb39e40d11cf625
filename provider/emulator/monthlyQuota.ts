/**
 * emnify's monthly request quota: 10,000,000 requests per organisation per month. Past it the API
 * answers 429 until the first of the next month, so retrying is pointless; the message says so,
 * which is how a client tells it apart from the short-window rate limits (same status, same code).
 * Counted per calendar month in UTC, per caller organisation, on authenticated requests.
 */
export class MonthlyQuota {
  private readonly used = new Map<number, { month: string; count: number }>();

  constructor(readonly requestsPerMonth: number) {
    if (!(Number.isInteger(requestsPerMonth) && requestsPerMonth >= 0)) {
      throw new RangeError(`monthlyQuota must be a whole number >= 0, got ${requestsPerMonth}`);
    }
  }

  /** Counts a request of `orgId`; answers the message of the refusal when the quota is used up. */
  take(orgId: number, nowMs = Date.now()): { allowed: true } | { allowed: false; message: string } {
    const now = new Date(nowMs);
    const month = now.toISOString().slice(0, 7);
    const entry = this.used.get(orgId);
    const count = entry?.month === month ? entry.count : 0;
    if (count >= this.requestsPerMonth) {
      const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
      return {
        allowed: false,
        message: `Monthly request quota of ${this.requestsPerMonth} requests exceeded for organisation ${orgId}; requests are refused until ${next}`,
      };
    }
    this.used.set(orgId, { month, count: count + 1 });
    return { allowed: true };
  }
}
