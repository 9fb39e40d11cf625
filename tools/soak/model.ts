/**
 * The soak's independent view of a billing config, and the invariant every lifecycle operation must
 * keep. Nothing here uses the provider's own mapping: the state is compared with what the emulator
 * holds (`emu.billingConfig(id)`, a read that does not go through HTTP or the client) by this file's
 * own reading of both shapes, so a mapping bug cannot hide itself.
 *
 * The invariant, per operation (one resource's step in one engine command):
 *   applied  — no error; the state's outputs equal what the API holds, field by field, and (create,
 *              update) every declared value is what the API holds. A delete with restoreOnDelete has
 *              put back the adopted originals; a plain delete left the API untouched.
 *   failed   — an error that is permanent (the client gave up) and readable: one line, no stack
 *              frame, names the organisation, what was being done, and the HTTP status or that no
 *              answer came. The state is exactly what it was before the operation.
 *   partial  — an error with init-failure reasons, and a state recorded for the next run to finish.
 *   For failed and partial, the state must agree with or conservatively predate the API: for every
 *   field, the state holds what the API holds now, or (a declared field) a value the API really
 *   held earlier that differs from the declared one, so that the next `pulumi up` sends the
 *   declared value again. A state claiming a value the API never held, or claiming the declared
 *   value while the API holds another, is a violation.
 *
 * Which fields there are, their API names and kinds come from the provider's field table (so a
 * new field is in every view at once); how a value of each kind is read and compared is this
 * file's own.
 */
import { FIELDS as FIELD_TABLE, type FieldName, fieldSpec } from "../../provider/billing/fields";
import type { ApiBillingConfig } from "../../provider/emulator";

export const FIELDS: readonly FieldName[] = FIELD_TABLE.map((f) => f.name);
export type Field = FieldName;

/** A billing config as comparable text per field; "∅" for nothing. */
export type View = Record<Field, string> & { billingConfigId: string };

const NOTHING = "∅";

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function text(value: unknown): string {
  return value === null || value === undefined ? NOTHING : canonical(value);
}

function referenceId(value: unknown): string {
  if (value === null || value === undefined) return NOTHING;
  const id = (value as { id?: unknown }).id;
  return typeof id === "number" || typeof id === "string" ? String(id) : NOTHING;
}

/** One value of a field, in either shape, as comparable text: a reference by its id. */
export function fieldText(field: Field, value: unknown): string {
  return fieldSpec(field).kind === "reference" ? referenceId(value) : text(value);
}

function view(valueOf: (field: (typeof FIELD_TABLE)[number]) => unknown, billingConfigId: unknown): View {
  const fields = Object.fromEntries(FIELD_TABLE.map((f) => [f.name, fieldText(f.name, valueOf(f))])) as Record<Field, string>;
  return { ...fields, billingConfigId: text(billingConfigId) };
}

/** What the API holds (snake_case, nested references). */
export function apiView(api: ApiBillingConfig): View {
  const body: Record<string, unknown> = { ...api };
  return view((f) => body[f.apiName], api.id);
}

/** What a resource's state outputs say (camelCase, references with a description). */
export function stateView(outputs: Record<string, unknown>): View {
  return view((f) => outputs[f.name], outputs.billingConfigId);
}

/** The declared values, for the fields the declaration names. */
export function declaredView(args: Record<string, unknown>): Partial<Record<Field, string>> {
  const declared: Partial<Record<Field, string>> = {};
  for (const field of FIELDS) if (args[field] !== undefined) declared[field] = fieldText(field, args[field]);
  return declared;
}

export function isNothing(value: string): boolean {
  return value === NOTHING;
}

/** The fields where two views differ ("billingConfigId" included). */
export function differences(a: View, b: View): string[] {
  return [...FIELDS, "billingConfigId" as const].filter((f) => a[f] !== b[f]);
}

/**
 * Why an error message is not a permanent, readable one-line error about this organisation, or
 * undefined when it is.
 */
export function unreadable(message: string | undefined, orgId: number): string | undefined {
  if (message === undefined || message.trim() === "") return "no message";
  if (/[\r\n]/.test(message)) return "more than one line";
  if (/\bat\s+(?:\S+\s+)?\(?(?:file:|node:|\/)[^\s)]*:\d+:\d+\)?/.test(message)) return "a stack frame";
  if (/\[object Object\]|\bundefined\b/.test(message)) return "an unprinted value";
  if (!message.includes(`organisation ${orgId}`)) return `does not name organisation ${orgId}`;
  if (!/\b(creating|updating|refreshing|reading|restoring|authenticating|adopt)/.test(message)) return "does not say what was being done";
  if (!/answered \d{3}|got no answer|unexpected body/.test(message)) return "gives no HTTP status and does not say that no answer came";
  return undefined;
}

/** Per organisation and field, every value the API was seen to hold during the soak. */
export class ApiHistory {
  private readonly seen = new Map<number, Map<Field, Set<string>>>();

  remember(orgId: number, view: View): void {
    let fields = this.seen.get(orgId);
    if (!fields) this.seen.set(orgId, (fields = new Map<Field, Set<string>>()));
    for (const field of FIELDS) {
      let values = fields.get(field);
      if (!values) fields.set(field, (values = new Set()));
      values.add(view[field]);
    }
  }

  held(orgId: number, field: Field, value: string): boolean {
    return this.seen.get(orgId)?.get(field)?.has(value) ?? false;
  }
}

/**
 * The "agrees with or conservatively predates" rule for a state left by a failed or partial
 * operation. Returns the problems (empty when the state is acceptable).
 */
export function agreesOrPredates(
  orgId: number,
  state: View,
  api: View | undefined,
  declared: Partial<Record<Field, string>>,
  history: ApiHistory,
): string[] {
  if (api === undefined) return []; // the organisation is gone: nothing to agree with
  const problems: string[] = [];
  for (const field of FIELDS) {
    if (state[field] === api[field]) continue;
    const want = declared[field];
    if (want === undefined) {
      problems.push(`${field}: state ${state[field]} but the API holds ${api[field]}, and the field is not declared (no run would fix it)`);
    } else if (state[field] === want) {
      problems.push(`${field}: state claims the declared ${want} but the API holds ${api[field]}`);
    } else if (!history.held(orgId, field, state[field])) {
      problems.push(`${field}: state ${state[field]} is a value the API never held (API holds ${api[field]})`);
    }
  }
  return problems;
}
