/**
 * Reading the emulator's request log and a stack's resources the same way in the demo, the bench
 * and the real-CLI suite: which requests are authentications, a billing-config call as "GET 2"
 * (method and organisation), and a stretch of the log as its billing-config calls, sorted.
 */
export { AUTHENTICATE_PATH } from "../provider/client/auth";
import { AUTHENTICATE_PATH } from "../provider/client/auth";

/** The resource type tokens of `BillingConfig` and of its record of originals in a dynamic stack's state. */
export {
  DYNAMIC_BILLING_CONFIG as BILLING_CONFIG_TYPE,
  DYNAMIC_BILLING_ORIGINALS as BILLING_ORIGINALS_TYPE,
} from "../provider/resource/typeTokens";

/** The part of a request-log entry these helpers read. */
interface LoggedCall {
  method: string;
  path: string;
}

export function isAuthentication(call: LoggedCall): boolean {
  return call.path === AUTHENTICATE_PATH;
}

/** "GET 2" for a billing-config call of organisation 2; "METHOD path" for any other request. */
export function billingCallLabel(call: LoggedCall): string {
  const match = /^\/api\/v1\/organisation\/(\d+)\/billing_config$/.exec(call.path);
  return match ? `${call.method} ${match[1]}` : `${call.method} ${call.path}`;
}

/** The billing-config calls in a stretch of the request log, as "GET 2", sorted (organisations run in parallel). */
export function sortedBillingCalls(calls: readonly LoggedCall[]): string[] {
  return calls
    .filter((call) => !isAuthentication(call))
    .map(billingCallLabel)
    .sort();
}
