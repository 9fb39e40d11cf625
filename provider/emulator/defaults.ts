/** Default settings, chosen to match emnify's documented limits. */
import type { EmulatorCatalogue, RateLimit } from "./types";

/** A fixed, obviously fake application token that the default demo account accepts. */
export const DEMO_APPLICATION_TOKEN = "emnify-emulator-demo-application-token-NOT-A-SECRET";

export const DEMO_ORGANISATION_ID = 1;
export const ACCOUNT_ORGANISATION_NAME = "Demo reseller";

/** emnify's tokens seen in the wild live 4 h (and 7 days); 4 h is the shorter, stricter one. */
export const DEFAULT_JWT_LIFETIME_SECONDS = 14_400;

/** Documented: locked for 5 minutes after 3 failed authenticate attempts. */
export const DEFAULT_LOCKOUT = { attempts: 3, seconds: 300 };

/** Documented: 2,000 requests per source IP per rolling 5 minutes. */
export const DEFAULT_RATE_LIMIT: RateLimit = { requests: 2000, windowSeconds: 300 };

/** Documented: 100 authenticate calls per source IP per 5 minutes. */
export const DEFAULT_AUTH_RATE_LIMIT: RateLimit = { requests: 100, windowSeconds: 300 };

export const DEFAULT_CATALOGUE: EmulatorCatalogue = {
  chargingModels: [0, 1, 2],
  paymentTerms: [0, 1, 2, 3],
  vatRates: [0, 1, 2, 3],
  prepaidChargingModelId: 2,
};

/** Seed for the fault PRNG when none is given, so runs are reproducible by default. */
export const DEFAULT_SEED = 1;

/**
 * Page sizes of GET /api/v1/organisation. emnify does not document them for this list (it uses
 * 100 to 2,000 elsewhere); these are small on purpose, so that tests with a few dozen
 * organisations already page.
 */
export const DEFAULT_ORGANISATION_PAGE_SIZE = { default: 10, maximum: 25 };

/** Documented: 10,000,000 requests per organisation per month. */
export const DEFAULT_MONTHLY_QUOTA = 10_000_000;

/** Status of a refused rule (own organisation, prepaid): undocumented; "most conflicts answer 409". */
export const DEFAULT_RULE_VIOLATION_STATUS = 409;
