/**
 * The one way an EmnifyClient is made from provider settings, shared by the provider runtime and
 * the export command, so both pace, time out and retry alike.
 */
import { EmnifyClient } from "./client/emnifyClient";
import { paceForApiLimit, parseRateLimit, sharedPacer } from "./client/pacer";
import { ProviderSettings, SETTINGS, missingTokenError } from "./settings";

/**
 * @param rateLimitSetting  how the rate-limit setting is named in an error (the CLI reads only the
 *   environment, so it names the variable).
 */
export function clientFromSettings(settings: ProviderSettings, rateLimitSetting: string = SETTINGS.rateLimit.key): EmnifyClient {
  if (!settings.applicationToken) throw missingTokenError();
  const limit = parseRateLimit(settings.rateLimit, rateLimitSetting);
  return new EmnifyClient({
    endpoint: settings.endpoint,
    applicationToken: settings.applicationToken,
    timeoutMs: settings.timeoutMs,
    retry: settings.maxAttempts === undefined ? undefined : { maxAttempts: settings.maxAttempts },
    pacer: sharedPacer(settings.endpoint, paceForApiLimit(limit)),
  });
}
