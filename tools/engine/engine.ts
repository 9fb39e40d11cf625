import * as os from "node:os";
import { secretLedger } from "../secretLedger";
import { applyIgnoreChanges } from "./ignoreChanges";
import { Limiter } from "./limiter";
import { ProviderHost, ProviderOperationError } from "./providerHost";
import { changedDeclaredKeys, changedKeys, declaredKeys, legacyInputsDiffer } from "./propertyDiff";
import { unwrapRpcSecrets } from "./secrets";
import { PlainResource, StateFile, StateResource, reveal, sealInputs, sealOutputs } from "./stateFile";
import { JsonObject, RegisteredResource } from "./types";

export type StepOp = "create" | "update" | "same" | "replace" | "delete" | "refresh";

/** What happened to one resource in one operation. */
export interface StepResult {
  urn: string;
  op: StepOp;
  /** Property names that change (display diff; see propertyDiff.ts), sorted. */
  changed: string[];
  /** Properties the provider said force a replacement. */
  replaces?: string[];
  /** The error the CLI would print for this resource; absent on success. */
  error?: string;
  /** Reasons from a half-applied create/update, as stored in the state. */
  initErrors?: string[];
  /** Refresh only: the provider reported the object gone, so it left the state. */
  gone?: true;
}

/** A step `preview` would take; nothing was changed. */
export type PlanStep = StepResult;

export interface OperationResult {
  steps: StepResult[];
  /** The steps that carry an error (empty when the operation succeeded). */
  failed: StepResult[];
}
export type UpResult = OperationResult;
export type RefreshResult = OperationResult;
export type DestroyResult = OperationResult;

export interface EngineSimulatorOptions {
  stack: string;
  project: string;
  /** Start from an existing state (e.g. one saved from an earlier simulator). */
  state?: StateFile;
  /**
   * How many steps (Create, Update, Delete, Read) run at once, like `pulumi up --parallel`.
   * Default: `PULUMI_PARALLEL`, else 4 × the number of CPUs, as the CLI does.
   */
  parallel?: number;
}

/** The CLI's default for `--parallel`. */
export function defaultParallelism(): number {
  const fromEnv = Number(process.env.PULUMI_PARALLEL);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 4 * Math.max(1, os.cpus().length);
}

/**
 * Property values a provider returned, with RPC secret markers removed, and the names of the
 * properties that carried one: the engine decodes such a marker as a secret even from a host that
 * refuses secrets.
 */
function plainWithSecretKeys(props: JsonObject): { plain: JsonObject; secretKeys: Set<string> } {
  const plain: JsonObject = {};
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries(props)) {
    const unwrapped = unwrapRpcSecrets(value);
    plain[key] = unwrapped.plain;
    if (unwrapped.hadSecret) {
      secretKeys.add(key);
    }
  }
  return { plain, secretKeys };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function result(steps: StepResult[]): OperationResult {
  // Step errors and init-failure reasons are what the CLI prints: part of the suite-wide secret scan.
  for (const step of steps) {
    if (step.error !== undefined || step.initErrors !== undefined) {
      secretLedger.record("step-error", { error: step.error, initErrors: step.initErrors }, `${step.op} of ${step.urn}`);
    }
  }
  return { steps, failed: steps.filter((s) => s.error !== undefined) };
}

/** A check that returned failures stops the resource with "property: reason" messages. */
class CheckFailed extends Error {}

/**
 * A small simulation of the Pulumi engine's resource lifecycle for dynamic resources, driving a
 * real dynamic-provider host. It implements the step decisions of `pulumi up`, `preview`,
 * `refresh` and `destroy` for dynamic resources (in `up`, a resource waits for those it depends
 * on and takes their outputs it lacks as inputs; no component resources, deletes in no order),
 * with the state kept in memory in the shape of `pulumi stack export`.
 *
 * Resources without dependencies between them are processed concurrently, as the engine does:
 * Check and Diff one at a time (the step generator), at most `parallel` steps (Create, Update,
 * Delete, Read) at once (`--parallel`); the host serves those calls concurrently in one process.
 * What it models and what it does not: README.md in this folder.
 *
 * Secrets: see secrets.ts. Properties named in additionalSecretOutputs, or whose input was
 * secret, are sealed in the state; the host receives plain values (it declares acceptSecrets=false).
 */
export class EngineSimulator {
  private readonly live = new Map<string, StateResource>();
  /** Objects replaced (create-before-delete) whose delete failed; retried first on the next up. */
  private pendingDeletes: StateResource[] = [];
  private readonly stack: string;
  private readonly project: string;
  /** Step workers: `--parallel`. */
  private readonly steps: Limiter;
  /** The step generator: Check and Diff one at a time (the engine's default, without PULUMI_PARALLEL_DIFF). */
  private readonly generator = new Limiter(1);
  /** Old objects of create-before-delete replacements made in the current `up`, deleted at its end. */
  private replacedInThisRun: StateResource[] = [];

  constructor(
    private readonly host: ProviderHost,
    opts: EngineSimulatorOptions,
  ) {
    this.stack = opts.stack;
    this.project = opts.project;
    this.steps = new Limiter(opts.parallel ?? defaultParallelism());
    for (const resource of opts.state?.resources ?? []) {
      if (resource.delete) {
        this.pendingDeletes.push(structuredClone(resource));
      } else {
        this.live.set(resource.urn, structuredClone(resource));
      }
    }
  }

  /** A deep copy of the current state; safe to JSON.stringify, mutate, or pass to a new simulator. */
  state(): StateFile {
    return structuredClone({
      version: 3,
      project: this.project,
      stack: this.stack,
      resources: [...this.live.values(), ...this.pendingDeletes],
    });
  }

  /**
   * `pulumi up`: pending deletes first, then every registered resource (create / update /
   * replace / same), then, once all of them finished, the deletes: the old objects of
   * create-before-delete replacements and the resources no longer in the program, each with the
   * `__provider` stored in its outputs. Like the engine, a failed step stops the deployment
   * before those deletes; replaced objects then stay in the state as pending deletes.
   */
  async up(resources: RegisteredResource[]): Promise<UpResult> {
    validate(resources);
    const pending = await this.retryPendingDeletes();
    if (pending.some((s) => s.error !== undefined)) {
      return result(pending);
    }
    this.replacedInThisRun = [];
    // A resource waits for the resources it depends on, as the program waits for their outputs.
    const started = new Map<string, Promise<StepResult>>();
    for (const r of resources) {
      const dependencies = (r.options.dependencies ?? []).flatMap((urn) => started.get(urn) ?? []);
      started.set(r.urn, this.afterDependencies(r, dependencies));
    }
    const steps = await Promise.all(resources.map((r) => started.get(r.urn) as Promise<StepResult>));
    const replaced = this.replacedInThisRun;
    this.replacedInThisRun = [];
    if (steps.some((s) => s.error !== undefined)) {
      return result([...pending, ...steps]);
    }
    const wanted = new Set(resources.map((r) => r.urn));
    const orphans = [...this.live.values()].filter((r) => !wanted.has(r.urn));
    const deletes = await Promise.all([
      ...replaced.map((old) => this.deleteReplaced(old, steps)),
      ...orphans.map((r) => this.deleteLive(r)),
    ]);
    this.reorder(resources);
    return result([...pending, ...steps, ...deletes.filter((d): d is StepResult => d !== undefined)]);
  }

  /** `pulumi preview`: Check and Diff only; nothing is created, updated or deleted. */
  async preview(resources: RegisteredResource[]): Promise<PlanStep[]> {
    validate(resources);
    const steps = await Promise.all(resources.map((r) => this.plan(r)));
    const wanted = new Set(resources.map((r) => r.urn));
    for (const resource of [...this.pendingDeletes, ...this.live.values()]) {
      if (resource.delete || !wanted.has(resource.urn)) {
        steps.push({ urn: resource.urn, op: "delete", changed: [] });
      }
    }
    return steps;
  }

  /**
   * `pulumi refresh`: Read every resource with its stored outputs and take what it returns; the
   * step is a change only if the provider's Diff, called in reverse (olds = the refreshed
   * outputs, news = the inputs stored before), says so.
   */
  async refresh(): Promise<RefreshResult> {
    return result(await Promise.all([...this.live.values()].map((r) => this.refreshOne(r))));
  }

  /** `pulumi destroy`: Delete every resource (stored outputs, stored provider text). */
  async destroy(): Promise<DestroyResult> {
    const pending = await this.retryPendingDeletes();
    const deletes = await Promise.all([...this.live.values()].map((r) => this.deleteLive(r)));
    return result([...pending, ...deletes]);
  }

  // ---- per-resource steps ----

  /**
   * Runs a resource's step once the steps of the resources it depends on finished. Under mocks an
   * output of another resource that is not among its inputs reaches the program as undefined, so
   * the program could not send it: an input missing here is taken from the output of the same name
   * of a resource it depends on (secret if that output is), as the real program would have sent it.
   */
  private async afterDependencies(r: RegisteredResource, dependencies: Promise<StepResult>[]): Promise<StepResult> {
    const done = await Promise.all(dependencies);
    const failed = done.find((step) => step.error !== undefined);
    if (failed) {
      return {
        urn: r.urn,
        op: this.live.has(r.urn) ? "update" : "create",
        changed: [],
        error: `${failed.urn}, which it depends on, failed`,
      };
    }
    const inputs = { ...r.inputs };
    const secretInputKeys = new Set(r.secretInputKeys ?? []);
    for (const urn of r.options.dependencies ?? []) {
      const dependency = this.live.get(urn);
      if (!dependency) continue;
      const plain = reveal(dependency);
      for (const [key, value] of Object.entries(plain.outputs)) {
        if (key === "__provider" || key in inputs) continue;
        inputs[key] = value;
        if (plain.secretOutputKeys.has(key)) secretInputKeys.add(key);
      }
    }
    return this.apply({ ...r, inputs, ...(secretInputKeys.size > 0 ? { secretInputKeys: [...secretInputKeys] } : {}) });
  }

  private async plan(r: RegisteredResource): Promise<PlanStep> {
    const old = this.live.get(r.urn);
    try {
      if (!old) {
        const checked = await this.check(r.urn, {}, r.inputs);
        return { urn: r.urn, op: "create", changed: declaredKeys(checked) };
      }
      const plain = reveal(old);
      const news = applyIgnoreChanges(r.inputs, plain.inputs, r.options.ignoreChanges, plain.secretInputKeys).inputs;
      const checked = await this.check(r.urn, plain.inputs, news);
      const decision = await this.decide(old, plain, checked, r);
      return {
        urn: r.urn,
        op: decision.op,
        changed: decision.changed,
        ...(decision.replaces.length > 0 ? { replaces: decision.replaces } : {}),
      };
    } catch (error) {
      return { urn: r.urn, op: old ? "update" : "create", changed: [], error: messageOf(error) };
    }
  }

  private async apply(r: RegisteredResource): Promise<StepResult> {
    const old = this.live.get(r.urn);
    if (!old) {
      return this.create(r, {}, "create", undefined);
    }
    const plain = reveal(old);
    // ignoreChanges: the old inputs replace the program's before Check, as processIgnoreChanges does.
    const ignored = applyIgnoreChanges(r.inputs, plain.inputs, r.options.ignoreChanges, plain.secretInputKeys);
    if (ignored.secretKeys.size > 0) {
      r = { ...r, secretInputKeys: [...new Set([...(r.secretInputKeys ?? []), ...ignored.secretKeys])] };
    }
    let checked: JsonObject;
    let decision: Decision;
    try {
      checked = await this.check(r.urn, plain.inputs, ignored.inputs);
      decision = await this.decide(old, plain, checked, r);
    } catch (error) {
      return { urn: r.urn, op: "update", changed: [], error: messageOf(error) };
    }
    switch (decision.op) {
      case "same":
        // The engine's SameStep records the new inputs but keeps the old outputs, including
        // the old `__provider` text that later reads and deletes will run.
        this.store(r, old.id, checked, plain.outputs, old.initErrors, plain.secretOutputKeys);
        return { urn: r.urn, op: "same", changed: [] };
      case "update":
        return this.update(r, old, plain, checked, decision.changed);
      case "replace":
        return this.replace(r, old, decision);
      default:
        throw new Error(`unexpected decision ${(decision as { op: string }).op}`);
    }
  }

  private async decide(old: StateResource, plain: PlainResource, checked: JsonObject, r: RegisteredResource): Promise<Decision> {
    const diff = await this.generator.run(() => this.host.diff(old.id, r.urn, plain.outputs, checked, plain.inputs));
    const hasChanges = diff.changes === "unknown" ? legacyInputsDiffer(plain.inputs, checked) : diff.changes === "some";
    const changed = changedDeclaredKeys(plain.outputs, checked, plain.inputs);
    if (hasChanges && diff.replaces.length > 0) {
      return {
        op: "replace",
        changed,
        replaces: diff.replaces,
        deleteBeforeReplace: diff.deleteBeforeReplace || r.options.deleteBeforeReplace === true,
      };
    }
    // A resource left half-initialised by an earlier run is always updated again.
    if (hasChanges || (old.initErrors?.length ?? 0) > 0) {
      return { op: "update", changed, replaces: [], deleteBeforeReplace: false };
    }
    return { op: "same", changed: [], replaces: [], deleteBeforeReplace: false };
  }

  private async check(urn: string, olds: JsonObject, news: JsonObject): Promise<JsonObject> {
    const checked = await this.generator.run(() => this.host.check(urn, olds, news));
    if (checked.failures.length > 0) {
      throw new CheckFailed(checked.failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; "));
    }
    return checked.inputs;
  }

  private async create(
    r: RegisteredResource,
    olds: JsonObject,
    op: "create" | "replace",
    decision: Decision | undefined,
  ): Promise<StepResult> {
    const base = decision
      ? { urn: r.urn, op, changed: decision.changed, replaces: decision.replaces }
      : { urn: r.urn, op, changed: [] as string[] };
    let checked: JsonObject;
    try {
      // A replacement is checked again without old inputs, as the engine does, so the
      // provider treats it as a brand-new object.
      checked = await this.check(r.urn, olds, r.inputs);
    } catch (error) {
      return { ...base, error: messageOf(error) };
    }
    if (!decision) {
      base.changed = declaredKeys(checked);
    }
    try {
      const created = await this.steps.run(() => this.host.create(r.urn, checked));
      this.store(r, created.id, checked, created.properties, undefined);
      return base;
    } catch (error) {
      return { ...base, ...this.recordInitFailure(r, checked, error) };
    }
  }

  private async update(
    r: RegisteredResource,
    old: StateResource,
    plain: PlainResource,
    checked: JsonObject,
    changed: string[],
  ): Promise<StepResult> {
    const step: StepResult = { urn: r.urn, op: "update", changed };
    try {
      const updated = await this.steps.run(() => this.host.update(old.id, r.urn, plain.outputs, checked, plain.inputs));
      this.store(r, old.id, checked, updated.properties, undefined, plain.secretOutputKeys);
      return step;
    } catch (error) {
      // Without init-failure details the engine keeps the old state untouched.
      return { ...step, ...this.recordInitFailure(r, checked, error, plain.secretOutputKeys) };
    }
  }

  private async replace(r: RegisteredResource, old: StateResource, decision: Decision): Promise<StepResult> {
    if (decision.deleteBeforeReplace) {
      const deleted = await this.deleteLive(old);
      if (deleted.error !== undefined) {
        return { urn: r.urn, op: "replace", changed: decision.changed, replaces: decision.replaces, error: deleted.error };
      }
      return this.create(r, {}, "replace", decision);
    }
    const created = await this.create(r, {}, "replace", decision);
    if (this.live.get(r.urn) === old) {
      // Nothing was created (not even half), so the old object simply stays live.
      return created;
    }
    // Once the replacement exists the engine marks the old object for deletion and deletes it
    // only after every registration finished (see up). If the create half-failed, or the
    // deployment stops first, it stays in the state as a pending delete that the next `up`
    // retries first.
    const pending: StateResource = { ...old, delete: true };
    this.pendingDeletes.push(pending);
    if (created.error === undefined) {
      this.replacedInThisRun.push(pending);
    }
    return created;
  }

  /** The delete half of a create-before-delete replacement; its failure is the replace step's error. */
  private async deleteReplaced(pending: StateResource, steps: StepResult[]): Promise<StepResult | undefined> {
    const plain = reveal(pending);
    try {
      await this.steps.run(() => this.host.delete(pending.id, pending.urn, plain.outputs, plain.inputs));
      this.pendingDeletes = this.pendingDeletes.filter((p) => p !== pending);
      return undefined;
    } catch (error) {
      const step = steps.find((s) => s.urn === pending.urn && s.op === "replace");
      if (step) {
        step.error = messageOf(error);
        return undefined;
      }
      return { urn: pending.urn, op: "delete", changed: [], error: messageOf(error) };
    }
  }

  private async deleteLive(resource: StateResource): Promise<StepResult> {
    const plain = reveal(resource);
    try {
      await this.steps.run(() => this.host.delete(resource.id, resource.urn, plain.outputs, plain.inputs));
      if (this.live.get(resource.urn) === resource) {
        this.live.delete(resource.urn);
      }
      return { urn: resource.urn, op: "delete", changed: [] };
    } catch (error) {
      return { urn: resource.urn, op: "delete", changed: [], error: messageOf(error) };
    }
  }

  private async retryPendingDeletes(): Promise<StepResult[]> {
    const pending = this.pendingDeletes;
    this.pendingDeletes = [];
    return Promise.all(
      pending.map(async (resource) => {
        const plain = reveal(resource);
        try {
          await this.steps.run(() => this.host.delete(resource.id, resource.urn, plain.outputs, plain.inputs));
          return { urn: resource.urn, op: "delete" as const, changed: [] };
        } catch (error) {
          this.pendingDeletes.push(resource);
          return { urn: resource.urn, op: "delete" as const, changed: [], error: messageOf(error) };
        }
      }),
    );
  }

  private async refreshOne(resource: StateResource): Promise<StepResult> {
    // Read and the reverse Diff run together in one step, as RefreshStep.Apply does.
    return this.steps.run(() => this.refreshStep(resource));
  }

  private async refreshStep(resource: StateResource): Promise<StepResult> {
    const plain = reveal(resource);
    const step: StepResult = { urn: resource.urn, op: "refresh", changed: [] };
    try {
      const read = await this.host.read(resource.id, resource.urn, plain.outputs, plain.inputs);
      if (read.id === "") {
        this.live.delete(resource.urn);
        return { ...step, gone: true };
      }
      const outputs = plainWithSecretKeys(read.properties);
      // Inputs returned by Read replace the stored ones. The host cannot mark secrets: the
      // engine copies the mark from the old inputs of the same name (annotateSecrets), and
      // keeps any explicit secret marker the provider returned.
      const inputs = read.inputs ? plainWithSecretKeys(read.inputs) : { plain: plain.inputs, secretKeys: new Set<string>() };
      const secretInputKeys = new Set([...inputs.secretKeys, ...[...plain.secretInputKeys].filter((key) => key in inputs.plain)]);
      this.live.set(resource.urn, {
        ...resource,
        id: read.id,
        inputs: sealInputs(inputs.plain, secretInputKeys),
        outputs: sealOutputs(
          outputs.plain,
          resource.additionalSecretOutputs ?? [],
          secretInputKeys,
          plain.secretOutputKeys,
          outputs.secretKeys,
        ),
      });
      secretLedger.record("state", this.live.get(resource.urn), `state of ${resource.urn} after refresh`);
      // The reverse Diff: what an `up` of an unchanged program would do after this refresh,
      // framed from the provider's side (step.go, RefreshStep.Apply).
      const diff = await this.host.diff(read.id, resource.urn, outputs.plain, plain.inputs, inputs.plain);
      const changes = diff.changes === "unknown" ? legacyInputsDiffer(inputs.plain, plain.inputs) : diff.changes === "some";
      if (!changes) {
        return step;
      }
      const keys = [...new Set([...changedKeys(plain.outputs, outputs.plain), ...changedKeys(plain.inputs, inputs.plain)])].sort();
      return { ...step, changed: keys.length > 0 ? keys : declaredKeys(plain.inputs) };
    } catch (error) {
      return { ...step, error: messageOf(error) };
    }
  }

  // ---- state bookkeeping ----

  /**
   * Records a failed create/update. When the host attached ErrorResourceInitFailed (the object
   * exists but is not fully configured), the engine stores its id and properties with the
   * reasons as initErrors, so the next `up` finishes the job instead of creating a duplicate.
   */
  private recordInitFailure(
    r: RegisteredResource,
    checked: JsonObject,
    error: unknown,
    previousSecrets: Iterable<string> = [],
  ): Pick<StepResult, "error" | "initErrors"> {
    const init = error instanceof ProviderOperationError ? error.initFailure : undefined;
    if (!init) {
      return { error: messageOf(error) };
    }
    this.store(r, init.id, checked, init.properties, init.reasons, previousSecrets);
    return { error: messageOf(error), initErrors: init.reasons };
  }

  private store(
    r: RegisteredResource,
    id: string,
    inputs: JsonObject,
    outputs: JsonObject,
    initErrors: string[] | undefined,
    previousSecrets: Iterable<string> = [],
  ): void {
    const secretInputs = r.secretInputKeys ?? [];
    const returned = plainWithSecretKeys(outputs);
    const resource: StateResource = {
      urn: r.urn,
      type: r.type,
      id,
      custom: true,
      inputs: sealInputs(inputs, secretInputs),
      outputs: sealOutputs(returned.plain, r.additionalSecretOutputs ?? [], secretInputs, previousSecrets, returned.secretKeys),
      ...(r.additionalSecretOutputs ? { additionalSecretOutputs: [...r.additionalSecretOutputs] } : {}),
      ...(initErrors && initErrors.length > 0 ? { initErrors: [...initErrors] } : {}),
    };
    this.live.set(r.urn, resource);
    secretLedger.record("state", resource, `state of ${r.urn}`);
  }

  /** Keeps the state in program order, as the engine writes resources in registration order. */
  private reorder(resources: RegisteredResource[]): void {
    const ordered = new Map<string, StateResource>();
    for (const r of resources) {
      const resource = this.live.get(r.urn);
      if (resource) {
        ordered.set(r.urn, resource);
      }
    }
    for (const [urn, resource] of this.live) {
      if (!ordered.has(urn)) {
        ordered.set(urn, resource);
      }
    }
    this.live.clear();
    ordered.forEach((resource, urn) => this.live.set(urn, resource));
  }
}

interface Decision {
  op: "same" | "update" | "replace";
  changed: string[];
  replaces: string[];
  deleteBeforeReplace: boolean;
}

function validate(resources: RegisteredResource[]): void {
  const seen = new Set<string>();
  for (const r of resources) {
    if (!r.custom || !r.type.startsWith("pulumi-nodejs:dynamic")) {
      throw new Error(`${r.urn}: the simulator only drives dynamic resources (type pulumi-nodejs:dynamic...)`);
    }
    if (seen.has(r.urn)) {
      throw new Error(`duplicate resource URN ${r.urn}`);
    }
    seen.add(r.urn);
  }
}
