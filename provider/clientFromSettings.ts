/**
 * The one way an EmnifyClient is made from provider settings, shared by the provider runtime and
 * the export command, so both pace, time out and retry alike. The settings are already validated
 * (./settings).
 */
import { EmnifyClient } from "./client/emnifyClient";
import { paceForApiLimit, sharedPacer } from "./client/pacer";
import { ProviderSettings } from "./settings";

export function clientFromSettings(settings: ProviderSettings): EmnifyClient {
  return new EmnifyClient({
    endpoint: settings.endpoint,
    applicationToken: settings.applicationToken,
    timeoutMs: settings.timeoutMs,
    retry: settings.maxAttempts === undefined ? undefined : { maxAttempts: settings.maxAttempts },
    pacer: sharedPacer(settings.endpoint, paceForApiLimit(settings.rateLimit)),
  });
}
