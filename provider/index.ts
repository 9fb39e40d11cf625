/**
 * pulumi-emnify: emnify organisation billing settings as a Pulumi resource.
 *
 * What a Pulumi program can use: the resource, its argument and output types, the check of its
 * arguments (for a program's own unit tests), the organisations-file loader and the assignment of
 * its organisations to shards (stacks). The emulator is a separate entry point:
 * `import { EmnifyEmulator } from "pulumi-emnify/emulator"`.
 *
 * The provider's errors are not exported: they are thrown inside Pulumi's dynamic-provider host,
 * another process, and reach a program (or the CLI) only as the text of a failed operation.
 */
export { BillingConfig, BillingConfigArgs, BillingConfigOutputs, ReferenceArgs, ReferenceOutput } from "./resource/billingConfig";
export { BillingConfigArgsFailure, checkBillingConfigArgs } from "./resource/argsCheck";
export {
  OrganisationEntry,
  OrganisationsDocument,
  OrganisationsFileError,
  loadOrganisationsFile,
  parseOrganisationsFile,
} from "./billing/organisationsFile";
export { ShardChange, ShardError, defaultShard, entriesOfShard, shardChanges, shardOf } from "./billing/shards";
