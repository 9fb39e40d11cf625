/**
 * Two answers that look like others but mean something else, told apart by the API's own words.
 *
 * - The monthly quota (10,000,000 requests per organisation per month) answers 429 1105
 *   TooManyRequests like the short-window rate limits, but lasts until the first of the next
 *   month: retrying it is pointless. emnify's exact wording is not public, so any 429 whose
 *   message speaks of a month or a quota counts.
 * - During the 5-minute lock after 3 failed authentications, authenticate answers 401 (like a
 *   wrong token) with a TooManyRequests body (error 1105).
 */
import type { ParsedErrorBody } from "./apiErrorBody";

const TOO_MANY_REQUESTS_CODE = 1105;

export function isMonthlyQuota(body: ParsedErrorBody): boolean {
  return body.message !== undefined && /\bmonth|\bquota\b/i.test(body.message);
}

export function isAuthenticationLock(status: number, body: ParsedErrorBody): boolean {
  return status === 401 && (body.errorCode === TOO_MANY_REQUESTS_CODE || body.errorToken === "TooManyRequests");
}
