/**
 * The one way an EmnifyClient is made from provider settings, shared by the provider runtime and
 * the export command, so both pace, time out and retry alike. The settings are already validated
 * (./settings).
 */
import type { Clock } from "../client/clock";
import { EmnifyClient } from "../client/emnifyClient";
import { type RequestPacer, paceForApiLimit, sharedPacer } from "../client/pacer";
import { ProviderSettings } from "./settings";

/** What a test may hand in instead of real time; production passes nothing. */
export interface ClientTime {
  /** The client's wall clock and backoff sleep (default: the real one). */
  clock?: Clock;
  /**
   * The pacer, made with the same fake clock; the rate-limit setting is applied to it.
   * @default sharedPacer(settings.endpoint): one per API origin per process
   */
  pacer?: RequestPacer;
}

/** @param time  a fake clock and pacer for tests; production passes nothing. */
export function clientFromSettings(settings: ProviderSettings, time: ClientTime = {}): EmnifyClient {
  const pace = paceForApiLimit(settings.rateLimit);
  let pacer: RequestPacer;
  if (time.pacer === undefined) pacer = sharedPacer(settings.endpoint, pace);
  else {
    pacer = time.pacer;
    pacer.configure(pace);
  }
  return new EmnifyClient({
    endpoint: settings.endpoint,
    applicationToken: settings.applicationToken,
    timeoutMs: settings.timeoutMs,
    retry: settings.maxAttempts === undefined ? undefined : { maxAttempts: settings.maxAttempts },
    pacer,
    clock: time.clock,
  });
}
