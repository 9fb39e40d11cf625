/**
 * The lifecycle of a BillingConfig: what each of Pulumi's calls means for a singleton that always
 * exists. Create adopts, update changes, read refreshes, delete releases (or restores). All HTTP
 * goes through {@link BillingConfigApi}; all field logic is in ./mapping.
 *
 * API calls per operation: create 1 (already matches) or 3 (GET, PATCH, GET); update 0 or 2
 * (PATCH, GET); read 1; delete 0 (release) or 1 (restore); check and diff 0. With
 * `restoreOnDelete`, the organisation's BillingOriginals (./billingOriginalsProvider) adds one GET
 * when it is first recorded, and its values are the ones adopted (DECISIONS D36).
 */
import { randomUUID } from "node:crypto";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { BillingConfigApi } from "../billing/billingConfigApi";
import { EmnifyApiError, EmnifyAuthenticationError, EmnifyError } from "../client/errors";
import { FIELD_NAMES, FieldName, FieldValues, SECRET_FIELDS, asDeclared, containsUnknown } from "../billing/fields";
import type { TokenSource } from "../config/settings";
import {
  BillingConfigState,
  LiveBillingConfig,
  buildState,
  declaredFields,
  fieldsToPatch,
  isComparablePaymentData,
  jsonTypeOf,
  liveFromState,
  patchBody,
  pickDeclared,
  pickValues,
  readStoredState,
  restoreBody,
  sameValue,
} from "../billing/mapping";
import { CheckedInputs, ORIGINALS_INPUT, checkInputs } from "../billing/inputChecks";
import type { BillingConfigResourceProvider, ProviderInputs, StoredOutputs } from "./providerTypes";
import { recordedValues } from "./billingOriginalsProvider";
import { asRpcSecret } from "./secretValue";

/**
 * A create or update that changed something but could not finish. The dynamic-provider host turns
 * `id` + `properties` into Pulumi's "resource initialization failed", so the state records what
 * the API holds (or was sent) and the next `pulumi up` finishes the job.
 */
export class BillingConfigPartialFailure extends EmnifyError {
  override name = "BillingConfigPartialFailure";
  readonly id: string;
  /** The state to record, including `__provider`: the host stores these as the outputs as they are. */
  readonly properties: BillingConfigState & { __provider?: unknown };
  readonly reasons: string[];
  constructor(message: string, id: string, properties: BillingConfigState & { __provider?: unknown }, options?: { cause?: unknown }) {
    super(message, options);
    this.id = id;
    this.properties = properties;
    this.reasons = [message];
  }
}

export type Logger = (line: string) => void;

/** A PATCH whose outcome is unknown: some attempt may have been applied (judged by the client). */
function outcomeUnknown(error: unknown): boolean {
  return error instanceof EmnifyError && error.mayHaveBeenApplied;
}

function isNotFound(error: unknown): boolean {
  return error instanceof EmnifyApiError && error.status === 404;
}

function resourceId(orgId: number): string {
  return String(orgId);
}

/** Describes values that the API still disagrees with after a PATCH. */
function describeMismatch(fields: FieldName[], inputs: Partial<CheckedInputs>, live: FieldValues): string {
  return fields
    .map((name) => {
      const shown = (value: unknown) => JSON.stringify(SECRET_FIELDS.includes(name) ? "[secret]" : value);
      return `${name} is ${shown(live[name])} instead of ${shown(inputs[name])}`;
    })
    .join(", ");
}

/** The options a provider needs besides the API. */
export interface ProviderOptions {
  log?: Logger;
  /** Where the token that the API uses comes from, for the hint on a rejected token. */
  tokenSource?: () => TokenSource | undefined;
}

/**
 * A rejected application token, met by `pulumi refresh` or `pulumi destroy`: those commands
 * configure the provider with the stack config saved by the last `pulumi up`, so a token rotated
 * since is not the one sent. The message says what to run.
 */
export class EmnifyStoredTokenRejectedError extends EmnifyAuthenticationError {
  override name = "EmnifyAuthenticationError";
  constructor(original: EmnifyAuthenticationError, command: "refresh" | "destroy") {
    super(original.status, original.apiMessage, { cause: original });
    this.message =
      `${original.message} Note: 'pulumi ${command}' signs in with the stack config saved by the last 'pulumi up', ` +
      `not the current one; if emnify:applicationToken was changed since, run 'pulumi ${command} --run-program' ` +
      `(or 'pulumi up' first).`;
  }
}

/** Marks an organisation claimed by a resource whose state predates adoption ids. */
const UNNAMED_ADOPTION = "(a resource without an adoption id)";

/** Who manages an organisation in this process, and (when it adopted it here) from which originals. */
interface Claim {
  adoptionId: string;
  adoptedOriginal?: Partial<FieldValues>;
}

/**
 * The original of each managed field: the resource's own when it has one (first wins: states of
 * earlier versions hold them), else the organisation's record, else the given fallback.
 */
function originalsFor(
  managedFields: FieldName[],
  own: Partial<FieldValues>,
  recorded: Partial<FieldValues> | undefined,
  fallback: Partial<FieldValues>,
): Partial<FieldValues> {
  const originals: Partial<FieldValues> = {};
  const has = (values: object | undefined, name: string) => values !== undefined && Object.prototype.hasOwnProperty.call(values, name);
  for (const name of managedFields) {
    const source = has(own, name) ? own : has(recorded, name) ? recorded : fallback;
    (originals as Record<string, unknown>)[name] = (source as Record<string, unknown>)[name] ?? null;
  }
  return originals;
}

export class BillingConfigProvider implements BillingConfigResourceProvider {
  /**
   * Which adoption manages each organisation, as seen by this process. In a `pulumi up` the engine
   * calls Diff (or Create) for every resource still in the program, in this one process, before it
   * deletes the resources removed from the program. A delete whose organisation is claimed here by
   * another adoption is the old half of a rename or move (possibly across two runs), and restoring
   * would undo what the other resource manages.
   */
  private readonly claims = new Map<number, Claim>();
  private readonly log: Logger;
  private readonly tokenSource: () => TokenSource | undefined;

  /**
   * @param api  the emnify calls; a function so that settings (and a missing token) are only
   *             looked at when an operation really needs the API (check and diff never do).
   */
  constructor(
    private readonly api: () => BillingConfigApi,
    options: Logger | ProviderOptions = {},
  ) {
    const opts = typeof options === "function" ? { log: options } : options;
    this.log = opts.log ?? (() => undefined);
    this.tokenSource = opts.tokenSource ?? (() => undefined);
  }

  /** Adds the stored-config hint to a rejected token, when the token came from the stack config. */
  private explainRejectedToken(error: unknown, command: "refresh" | "destroy"): unknown {
    if (
      error instanceof EmnifyAuthenticationError &&
      !(error instanceof EmnifyStoredTokenRejectedError) &&
      this.tokenSource() === "stack config"
    ) {
      return new EmnifyStoredTokenRejectedError(error, command);
    }
    return error;
  }

  async check(_olds: unknown, news: unknown): Promise<{ inputs: ProviderInputs; failures: dynamic.CheckFailure[] }> {
    const { inputs, failures } = checkInputs(news);
    return { inputs, failures };
  }

  async diff(_id: string, olds: StoredOutputs, news: ProviderInputs): Promise<dynamic.DiffResult> {
    const declared = news;
    if (containsUnknown(news.orgId) || declared.orgId !== olds.orgId) {
      return { changes: true, replaces: ["orgId"], deleteBeforeReplace: false };
    }
    const live = liveFromState(olds).values;
    const stored = readStoredState(olds);
    // This resource keeps managing the organisation: claim it for its adoption.
    if (typeof declared.orgId === "number") this.claims.set(declared.orgId, { adoptionId: stored.adoptionId ?? UNNAMED_ADOPTION });
    const declaredNow = declaredFields(declared);
    const changedValues = fieldsToPatch(declared, live);
    const managedSetChanged =
      declaredNow.length !== stored.managedFields.length || declaredNow.some((f) => !stored.managedFields.includes(f));
    const restoreChanged = (declared.restoreOnDelete ?? false) !== stored.restoreOnDelete;
    return { changes: changedValues.length > 0 || managedSetChanged || restoreChanged };
  }

  /**
   * @param options.missingOriginals  called instead of the log line when a `restoreOnDelete`
   *        resource is created with no recorded originals (the plugin warns with its own words).
   */
  async create(
    inputs: ProviderInputs,
    options: { missingOriginals?: (orgId: number) => Promise<void> } = {},
  ): Promise<{ id: string; outs: BillingConfigState }> {
    const declared = inputs;
    if (containsUnknown(declared)) throw new EmnifyError("cannot create a billing config from values that are still unknown");
    const orgId = declared.orgId;
    const managedFields = declaredFields(declared);
    const original = await this.api().get(orgId, "reading billing config to adopt it");
    const adoptionId = randomUUID();
    // The originals are those recorded before this stack's first PATCH to the organisation (its
    // BillingOriginals), not what emnify holds now: a run stopped after a PATCH, or the other half
    // of a rename, may already have changed them.
    const recorded = recordedValues(inputs[ORIGINALS_INPUT]);
    const adoptedOriginal = originalsFor(managedFields, {}, recorded, original.values);
    if (recorded === undefined && declared.restoreOnDelete) {
      if (options.missingOriginals) await options.missingOriginals(orgId);
      else this.log(`organisation ${orgId}: no recorded originals given; adopting what emnify holds now as the values to restore`);
    }
    const differing = managedFields.filter(
      (name) => recorded !== undefined && !sameValue(name, adoptedOriginal[name], original.values[name]),
    );
    if (differing.length > 0) {
      this.log(
        `organisation ${orgId}: adopting the originals recorded before this stack first changed it; ${differing.join(", ")} ` +
          `already differ from them (an earlier run that stopped after changing them, or a change made outside this stack)`,
      );
    }
    this.claims.set(orgId, { adoptionId, adoptedOriginal });
    const state = await this.apply(declared, original, { managedFields, adoptedOriginal, adoptionId }, "creating", inputs.__provider);
    return { id: resourceId(orgId), outs: state };
  }

  async update(id: string, olds: StoredOutputs, news: ProviderInputs): Promise<{ outs: BillingConfigState }> {
    const declared = news;
    if (containsUnknown(declared)) throw new EmnifyError("cannot update a billing config from values that are still unknown");
    const last = liveFromState(olds);
    const stored = readStoredState(olds);
    const managedFields = declaredFields(declared);
    // A field still managed keeps its original (first wins). A field managed for the first time
    // takes the organisation's recorded original, else its last known live value. A field no
    // longer declared is released: it keeps its value and is forgotten.
    const own = pickOwn(stored.adoptedOriginal, stored.managedFields);
    const adoptedOriginal = originalsFor(managedFields, own, recordedValues(news[ORIGINALS_INPUT]), last.values);
    for (const released of stored.managedFields.filter((f) => !managedFields.includes(f))) {
      this.log(`organisation ${declared.orgId}: ${released} is no longer declared; released at its current value`);
    }
    this.claims.set(declared.orgId, { adoptionId: stored.adoptionId ?? UNNAMED_ADOPTION });
    const state = await this.apply(
      declared,
      last,
      { managedFields, adoptedOriginal, adoptionId: stored.adoptionId },
      "updating",
      news.__provider,
      id,
    );
    return { outs: state };
  }

  async read(id: string, props: StoredOutputs = {}): Promise<dynamic.ReadResult<StoredOutputs>> {
    const orgId = Number(id);
    const stored = readStoredState(props);
    let live: LiveBillingConfig;
    try {
      live = await this.api().get(orgId, "refreshing billing config");
    } catch (error) {
      if (isNotFound(error)) {
        this.log(`organisation ${orgId} no longer exists; removing its billing config from the state`);
        return {};
      }
      throw this.explainRejectedToken(error, "refresh");
    }
    const state = buildState({ orgId, live, ...stored });
    return { id, props: state, inputs: inputsFromLive(orgId, stored.restoreOnDelete, stored.managedFields, live.values) };
  }

  /**
   * `pulumi import` (or the `import` resource option) through the provider plugin: the organisation
   * is taken over as it is. Every field emnify holds a value for becomes managed, with that value
   * as its original (nothing was changed yet), and the inputs returned are that declaration, so the
   * import's own check passes and `preview --expect-no-changes` after it does too. One GET; an
   * organisation that does not exist is reported as gone (`{}`).
   */
  async importExisting(id: string): Promise<dynamic.ReadResult> {
    const orgId = Number(id);
    if (!Number.isSafeInteger(orgId) || orgId < 1 || String(orgId) !== id.trim()) {
      throw new EmnifyError(`cannot import ${JSON.stringify(id)}: the id of a BillingConfig is the organisation's numeric id, such as 101`);
    }
    let live: LiveBillingConfig;
    try {
      live = await this.api().get(orgId, "reading billing config to import it");
    } catch (error) {
      if (isNotFound(error)) return {};
      throw error;
    }
    const managedFields = FIELD_NAMES.filter(
      (name) => live.values[name] !== null && (name !== "paymentData" || isComparablePaymentData(live.values.paymentData)),
    );
    const adoptionId = randomUUID();
    this.claims.set(orgId, { adoptionId, adoptedOriginal: pickValues(live.values, managedFields) });
    const state = buildState({
      orgId,
      live,
      restoreOnDelete: false,
      managedFields,
      adoptedOriginal: pickValues(live.values, managedFields),
      adoptionId,
    });
    return { id: resourceId(orgId), props: state, inputs: inputsFromLive(orgId, false, managedFields, live.values) };
  }

  async delete(id: string, props: StoredOutputs): Promise<void> {
    const orgId = Number(id);
    const stored = readStoredState(props);
    if (!stored.restoreOnDelete || stored.managedFields.length === 0) {
      this.log(`organisation ${orgId}: billing config released unchanged (restoreOnDelete is false); emnify keeps its current settings`);
      return;
    }
    const claimedBy = this.claims.get(orgId);
    if (claimedBy !== undefined && claimedBy.adoptionId !== stored.adoptionId) {
      this.log(
        `organisation ${orgId}: billing config released unchanged, not restored: another resource of this stack manages it (a rename or move)`,
      );
      const theirs = claimedBy.adoptedOriginal;
      const lost =
        theirs === undefined
          ? []
          : stored.managedFields.filter((name) => name in theirs && !sameValue(name, stored.adoptedOriginal[name], theirs[name]));
      if (lost.length > 0) {
        this.log(
          `warning: organisation ${orgId}: the resource that now manages it will restore ${lost.join(", ")} to different values than this one ` +
            `held (its originals were recorded after this stack had changed them, as after an upgrade from a version without ` +
            `BillingOriginals); see "When a run dies" in pulumi-emnify's README to put the older ones back`,
        );
      }
      return;
    }
    const { body, skipped } = restoreBody(stored.managedFields, stored.adoptedOriginal);
    if (skipped.length > 0) {
      this.log(`organisation ${orgId}: ${skipped.join(", ")} had no value before it was managed and cannot be emptied; left as is`);
    }
    if (Object.keys(body).length === 0) return;
    const restored = stored.managedFields.filter((name) => !skipped.includes(name));
    try {
      await this.api().patch(orgId, body, "restoring the original billing config");
    } catch (error) {
      if (error instanceof EmnifyAuthenticationError) throw this.explainRejectedToken(error, "destroy");
      if (isNotFound(error)) {
        this.log(`organisation ${orgId} no longer exists; nothing to restore`);
        return;
      }
      // A delete cannot change the state: if the restore may have landed, find out, or the state
      // would keep claiming the declared values while emnify holds the originals.
      if (!outcomeUnknown(error) || !(await this.restoreLanded(orgId, restored, stored.adoptedOriginal, error))) throw error;
    }
    this.log(`organisation ${orgId}: restored ${restored.join(", ")} to the values it had before it was managed`);
  }

  /**
   * After a restore PATCH with an unknown outcome: true if a read shows it applied, false if it
   * shows it was not (the failure stands and the state is still right). Throws when it cannot tell.
   */
  private async restoreLanded(orgId: number, fields: FieldName[], original: Partial<FieldValues>, failure: unknown): Promise<boolean> {
    let live: LiveBillingConfig;
    try {
      live = await this.api().get(orgId, "checking whether the restore was applied");
    } catch (readError) {
      throw new EmnifyError(
        `${(failure as Error).message}; it may have been applied, and reading back failed too (${(readError as Error).message}): ` +
          `run 'pulumi refresh' before the next 'pulumi up' so the state shows what emnify holds`,
        { cause: failure },
      );
    }
    return fields.every((name) => sameValue(name, original[name], live.values[name]));
  }

  /**
   * PATCHes the declared fields that differ from `current`, reads back, and returns the new state.
   * Anything that leaves the API changed but the outcome unconfirmed becomes a partial failure
   * that carries the state to record.
   */
  private async apply(
    declared: CheckedInputs,
    current: LiveBillingConfig,
    kept: Pick<BillingConfigState, "managedFields" | "adoptedOriginal" | "adoptionId">,
    verb: "creating" | "updating",
    providerText: unknown,
    existingId?: string,
  ): Promise<BillingConfigState> {
    const orgId = declared.orgId;
    const id = existingId ?? resourceId(orgId);
    const restoreOnDelete = declared.restoreOnDelete ?? false;
    const stateOf = (live: LiveBillingConfig) => buildState({ orgId, live, restoreOnDelete, ...kept });
    // The host adds `__provider` to successful results only; a partial state without it would
    // leave refresh and destroy unable to load the provider from the stored outputs.
    const partial = (message: string, live: LiveBillingConfig, cause?: unknown) =>
      new BillingConfigPartialFailure(
        message,
        id,
        { ...stateOf(live), __provider: providerText },
        cause === undefined ? undefined : { cause },
      );
    if (declared.paymentData !== undefined && !isComparablePaymentData(current.values.paymentData)) {
      // Its value stays out of the message: payment data is secret, whatever its shape.
      throw new EmnifyError(
        `${verb} billing config for organisation ${orgId}: paymentData is declared, but emnify holds payment_data as ` +
          `${jsonTypeOf(current.values.paymentData)}, not an object, so the resource cannot compare it with the declared ` +
          `value (it would send it on every run). Leave paymentData out of this organisation's declaration to keep what emnify holds.`,
      );
    }
    const toPatch = fieldsToPatch(declared, current.values);
    if (toPatch.length === 0) return stateOf(current);

    try {
      await this.api().patch(orgId, patchBody(pickDeclared(declared, toPatch)), `${verb} billing config`);
    } catch (error) {
      if (!outcomeUnknown(error)) throw error;
      // It may have been applied. Record what is known: the values from before the PATCH, so the
      // next run compares against them and sends the PATCH again (it is idempotent).
      throw partial(
        `${(error as Error).message}; it may or may not have been applied, so the state keeps the values from before and the next 'pulumi up' sends it again`,
        current,
        error,
      );
    }

    let after: LiveBillingConfig;
    try {
      after = await this.api().get(orgId, `reading back billing config after ${verb} it`);
    } catch (error) {
      const assumed: LiveBillingConfig = { ...current, values: { ...current.values, ...pickDeclared(declared, toPatch) } };
      throw partial(
        `the change to organisation ${orgId} was applied, but reading it back failed: ${(error as Error).message}; the state records the values sent — run 'pulumi refresh' to confirm`,
        assumed,
        error,
      );
    }
    const stillDifferent = toPatch.filter((name) => !sameValue(name, declared[name], after.values[name]));
    if (stillDifferent.length > 0) {
      throw partial(
        `emnify accepted the change to organisation ${orgId} but reports ${describeMismatch(stillDifferent, declared, after.values)}; the state records what emnify holds`,
        after,
      );
    }
    return stateOf(after);
  }
}

/**
 * The inputs a refresh stores: the resource exactly as a program declaring today's live values
 * would declare it. Every managed field is there, so the engine's reverse Diff after the next
 * refresh (olds = refreshed outputs, news = these inputs) sees the same managed set, and
 * `ignoreChanges` (which copies these inputs over the program's) keeps every field managed.
 * References go in as declared (`{ id }`): a description is an output detail, not an input.
 * Payment data goes in as an explicit secret: the host cannot mark secrets, and the engine would
 * otherwise only copy the mark from stored inputs that hold payment data.
 */
export function inputsFromLive(
  orgId: number,
  restoreOnDelete: boolean,
  managedFields: FieldName[],
  live: FieldValues,
): Record<string, unknown> {
  const inputs: Record<string, unknown> = { orgId, restoreOnDelete };
  for (const name of managedFields) {
    const value = live[name];
    if (SECRET_FIELDS.includes(name)) inputs[name] = asRpcSecret(value ?? null);
    else inputs[name] = asDeclared(name, value);
  }
  return inputs;
}

/** The stored originals of the fields that were managed (what {@link readStoredState} kept). */
function pickOwn(adoptedOriginal: Partial<FieldValues>, managedFields: FieldName[]): Partial<FieldValues> {
  const own: Partial<FieldValues> = {};
  for (const name of managedFields) (own as Record<string, unknown>)[name] = adoptedOriginal[name] ?? null;
  return own;
}
