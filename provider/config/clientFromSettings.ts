/**
 * The one way an EmnifyClient is made from provider settings, shared by the provider runtime and
 * the export command, so both pace, time out and retry alike. The settings are already validated
 * (./settings): the client does not check the endpoint again.
 */
import type { Clock } from "../client/clock";
import { EmnifyClient } from "../client/emnifyClient";
import { type Logger, type RequestPacer, paceForApiLimit, sharedPacer } from "../client/pacer";
import { ProviderSettings } from "./settings";

/** What the caller hands in besides the settings. */
export interface ClientOptions {
  /**
   * Where the client's warnings go: the provider host's log for the runtime, stderr for the CLI.
   * @default stderr
   */
  log?: Logger;
  /** The client's wall clock and backoff sleep, for tests (default: the real one). */
  clock?: Clock;
  /**
   * The pacer, made with the same fake clock, for tests; the rate-limit setting is applied to it.
   * @default sharedPacer(settings.endpoint): one per API origin per process
   */
  pacer?: RequestPacer;
}

export function clientFromSettings(settings: ProviderSettings, options: ClientOptions = {}): EmnifyClient {
  const pace = paceForApiLimit(settings.rateLimit);
  let pacer: RequestPacer;
  if (options.pacer === undefined) pacer = sharedPacer(settings.endpoint, pace, options.log);
  else {
    pacer = options.pacer;
    pacer.configure(pace);
  }
  return new EmnifyClient({
    endpoint: settings.endpoint,
    applicationToken: settings.applicationToken,
    timeoutMs: settings.timeoutMs,
    retry: settings.maxAttempts === undefined ? undefined : { maxAttempts: settings.maxAttempts },
    pacer,
    clock: options.clock,
    log: options.log,
  });
}
