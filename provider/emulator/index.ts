/** pulumi-emnify/emulator: an emnify API emulator for tests. Public exports only. */
export { EmnifyEmulator, startEmulator } from "./server";
export { DEMO_APPLICATION_TOKEN } from "./defaults";
export type {
  ApiBillingConfig,
  EmulatorAccount,
  EmulatorCatalogue,
  EmulatorOptions,
  FaultRule,
  PagingFault,
  PathRateLimit,
  RateLimit,
  RequestLogEntry,
  SeedOrganisation,
} from "./types";
