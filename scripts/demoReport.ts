/**
 * What the demo prints about resources, in the shape of Pulumi's own output: one row per resource
 * with its symbol (+ ~ and blank for unchanged), then `field: old => new` lines.
 *
 * Field differences are computed here with the provider's own comparison (references by id,
 * objects by content) rather than taken from the harness, whose display diff compares outputs
 * with inputs and so counts a reference's `description` as a change.
 */
import type { RequestLogEntry } from "pulumi-emnify/emulator";
import { FIELD_NAMES, FieldName, FieldValues, SECRET_FIELDS, fieldSpec } from "../provider/billing/fields";
import { liveFromState, sameValue } from "../provider/billing/mapping";
import { pad, style } from "./demoTerminal";

export interface FieldChange {
  field: FieldName;
  from: unknown;
  to: unknown;
}

/** The declared fields whose `after` value differs from `before`, in the provider's field order. */
export function fieldChanges(
  before: Partial<FieldValues>,
  after: Partial<FieldValues>,
  fields: readonly FieldName[] = FIELD_NAMES,
): FieldChange[] {
  return fields
    .filter((field) => !sameValue(field, after[field] ?? null, before[field] ?? null))
    .map((field) => ({ field, from: before[field] ?? null, to: after[field] ?? null }));
}

/** The fields a program declares, from a resource's inputs. */
export function declaredFieldNames(inputs: Record<string, unknown>): FieldName[] {
  return FIELD_NAMES.filter((field) => inputs[field] !== undefined && inputs[field] !== null);
}

/** The billing values held in a resource's (plain) state outputs. */
export function liveValues(outputs: Record<string, unknown>): FieldValues {
  return liveFromState(outputs).values;
}

function show(field: FieldName, value: unknown): string {
  if (SECRET_FIELDS.includes(field)) return "[secret]";
  if (value === null || value === undefined) return "(none)";
  if (typeof value === "object" && "id" in value) return String(value.id);
  return JSON.stringify(value);
}

/** `~ vatin: "DE1" => "DE2"`, `~ chargingModel.id: 0 => 1`. */
export function describeChange(change: FieldChange): string {
  const name = fieldSpec(change.field).kind === "reference" ? `${change.field}.id` : change.field;
  return `${style.yellow("~")} ${name}: ${show(change.field, change.from)} => ${show(change.field, change.to)}`;
}

/** Pulumi's `[diff: ~a,b]` annotation. */
export function diffTag(changes: FieldChange[]): string {
  return changes.length === 0 ? "" : style.dim(`[diff: ~${changes.map((c) => c.field).join(",")}]`);
}

export type RowSymbol = "+" | "~" | " ";

const TYPE_LABEL = "emnify:BillingConfig";

/** One resource row: ` +   emnify:BillingConfig  acme-logistics    create   …`. */
export function resourceRow(symbol: RowSymbol, name: string, nameWidth: number, status: string, info = ""): string {
  const paint = symbol === "+" ? style.green : symbol === "~" ? style.yellow : (text: string) => text;
  const columns = `${pad(TYPE_LABEL, 22)}${pad(name, nameWidth + 2)}${pad(status, 10)}`;
  return ` ${paint(symbol)}   ${symbol === " " ? columns : paint(columns)}${info}`.trimEnd();
}

export function tableHeader(nameWidth: number, statusTitle: string, infoTitle = ""): string {
  return style.dim(`     ${pad("Type", 22)}${pad("Name", nameWidth + 2)}${pad(statusTitle, 10)}${infoTitle}`.trimEnd());
}

/** The indented lines under a row. */
export function detailLines(changes: FieldChange[]): string[] {
  return changes.map((change) => `         ${describeChange(change)}`);
}

/** `3: GET PATCH GET` for the requests of one organisation. */
export function describeCalls(calls: RequestLogEntry[]): string {
  return calls.length === 0 ? "0" : `${calls.length}: ${calls.map((c) => c.method).join(" ")}`;
}

/** `20 (authenticate 1, GET 16, PATCH 3)`. */
export function callTotals(calls: RequestLogEntry[]): string {
  if (calls.length === 0) return "0";
  const counts = new Map<string, number>();
  for (const call of calls) {
    const kind = call.path === "/api/v1/authenticate" ? "authenticate" : call.method;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return `${calls.length} (${[...counts].map(([kind, n]) => `${kind} ${n}`).join(", ")})`;
}

/** Pulumi's closing `Resources:` block. */
export function resourceCounts(counts: Array<[symbol: RowSymbol, count: number, words: string]>): string[] {
  const lines = ["Resources:"];
  for (const [symbol, count, words] of counts) {
    if (count === 0) continue;
    const paint = symbol === "+" ? style.green : symbol === "~" ? style.yellow : (text: string) => text;
    lines.push(`    ${symbol === " " ? "" : `${paint(symbol)} `}${count} ${words}`);
  }
  return lines;
}
