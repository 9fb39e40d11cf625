/**
 * pulumi-emnify: emnify organisation billing settings as a Pulumi resource.
 *
 * The emulator is a separate entry point: `import { EmnifyEmulator } from "pulumi-emnify/emulator"`.
 */
export { BillingConfig, BillingConfigArgs, ReferenceArgs, ReferenceOutput } from "./billingConfig";
export {
  EmnifyError,
  EmnifyApiError,
  EmnifyAuthenticationError,
  EmnifyQuotaExceededError,
  EmnifyNetworkError,
  EmnifyResponseError,
  EmnifyConfigurationError,
} from "./client/errors";
export { EmnifyPagingError } from "./client/paging";
export { BillingConfigPartialFailure } from "./billingConfigProvider";
export { SETTINGS, DEFAULT_ENDPOINT } from "./settings";
export {
  OrganisationEntry,
  OrganisationsDocument,
  OrganisationsFileError,
  loadOrganisationsFile,
  parseOrganisationsFile,
} from "./organisationsFile";
