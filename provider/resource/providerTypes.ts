/**
 * The types of the dynamic provider's methods: what Pulumi's `ResourceProvider<Inputs, Outputs>`
 * is instantiated with, shared by the provider (./billingConfigProvider), the runtime (./runtime),
 * the installed module (../dynamicProvider) and the serialized shim (./serializedProvider).
 * Types only: the program process loads ../dynamicProvider, which must import nothing at load time.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { CheckedInputs } from "../billing/inputChecks";

/**
 * What diff, create and update receive: `check`'s result, with the `__provider` text the host
 * adds, and the organisation's recorded originals (`originals`, from its BillingOriginals) when
 * the program declares them. During a preview any value may still be Pulumi's unknown marker (see `containsUnknown`).
 */
export type ProviderInputs = CheckedInputs & { __provider?: unknown; originals?: unknown };

/**
 * What the state holds for a resource, as diff, read, update and delete receive it: the outputs
 * this version writes (`BillingConfigState`) or those of an earlier version, read defensively with
 * `readStoredState`. Pulumi types the inputs a refresh answers with the same type.
 */
export type StoredOutputs = Record<string, unknown>;

/** The provider, as Pulumi's dynamic-provider host calls it. */
export type BillingConfigResourceProvider = dynamic.ResourceProvider<ProviderInputs, StoredOutputs>;
