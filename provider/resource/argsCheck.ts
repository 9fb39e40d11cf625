/**
 * The provider's `check`, applied to what a program passes to `new BillingConfig(...)`: the values
 * already known there are checked with the same code and the same words (../billing/inputChecks);
 * values not known yet (an `Output`, a `Promise`, or an object holding one) pass, and the provider
 * checks them when they are known. See DECISIONS D34.
 */
import * as pulumi from "@pulumi/pulumi";
import { FIELDS, UNKNOWN_VALUE } from "../billing/fields";
import { CheckFailure, checkInputs } from "../billing/inputChecks";

/** One argument that `check` would refuse: `property: reason`, as Pulumi prints it. */
export type BillingConfigArgsFailure = CheckFailure;

function isPending(value: unknown): boolean {
  return (
    pulumi.Output.isInstance(value) ||
    (value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function")
  );
}

/** Whether a value is, or holds anywhere, something not known yet. Stops at `depth` levels: deeper is check's to refuse. */
function holdsPending(value: unknown, depth: number): boolean {
  if (isPending(value)) return true;
  if (depth === 0 || value === null || typeof value !== "object") return false;
  return Object.values(value).some((child) => holdsPending(child, depth - 1));
}

const REFERENCE_FIELDS = new Set<string>(FIELDS.filter((f) => f.kind === "reference").map((f) => f.name));
/** Deep enough to find an Output anywhere a valid value can hold one (payment data is at most 32 levels). */
const PENDING_SEARCH_DEPTH = 64;

/** The arguments as `check` would see them during a preview: what is not known yet becomes Pulumi's unknown marker. */
function asCheckSees(args: Record<string, unknown>): Record<string, unknown> {
  const seen: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (isPending(value)) {
      seen[key] = UNKNOWN_VALUE;
    } else if (REFERENCE_FIELDS.has(key) && value !== null && typeof value === "object" && !Array.isArray(value)) {
      // A reference's id alone may be an Output ({ id: other.id }): check the object, not the id.
      const reference = value as Record<string, unknown>;
      seen[key] = "id" in reference && holdsPending(reference.id, PENDING_SEARCH_DEPTH) ? { ...reference, id: UNKNOWN_VALUE } : reference;
    } else {
      seen[key] = holdsPending(value, PENDING_SEARCH_DEPTH) ? UNKNOWN_VALUE : value;
    }
  }
  return seen;
}

/**
 * What the provider's `check` would refuse in these arguments, one entry per problem, with the
 * words of `check` (`{ property: "orgId", reason: "must be a positive whole number, got the number -1" }`).
 * Empty when they are acceptable. Values not known yet (outputs of other resources, promises) are
 * not judged. Never throws, never calls the API.
 */
export function checkBillingConfigArgs(args: unknown): BillingConfigArgsFailure[] {
  if (args === null || typeof args !== "object" || Array.isArray(args)) return checkInputs(args).failures;
  return checkInputs(asCheckSees(args as Record<string, unknown>)).failures;
}

/** The one line `new BillingConfig` throws for refused arguments: the resource, then each `property: reason`. */
export function argsFailureMessage(name: string, failures: readonly BillingConfigArgsFailure[]): string {
  return `BillingConfig "${name}": ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`;
}
