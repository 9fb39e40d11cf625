/**
 * The export as a ready Pulumi program in TypeScript: one `new BillingConfig` per organisation, on
 * one line each (a changed setting is a one-line diff), typed against the package's own
 * `BillingConfigArgs`, the shared values in one `defaults` object.
 *
 * Payment details never appear here (the command line refuses it): a program is code that is
 * committed and shared.
 */
import { ExportDocument } from "./document";
import { HeldValues } from "./fold";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A JSON-like value as TypeScript source, on one line. */
export function tsLiteral(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "undefined";
  if (Array.isArray(value)) return `[${value.map(tsLiteral).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, inner]) => `${IDENTIFIER.test(key) ? key : JSON.stringify(key)}: ${tsLiteral(inner)}`,
  );
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}

function properties(values: HeldValues): string[] {
  return Object.entries(values).map(([key, value]) => `${key}: ${tsLiteral(value)}`);
}

export function renderTs(doc: ExportDocument, header: readonly string[]): string {
  const hasDefaults = Object.keys(doc.defaults).length > 0;
  const lines = [...header.map((line) => `// ${line}`.trimEnd()), ""];
  lines.push(`import { BillingConfig${hasDefaults ? ", type BillingConfigArgs" : ""} } from "pulumi-emnify";`, "");
  if (hasDefaults) {
    lines.push(
      "/** Values held by more than half of the organisations; an organisation overrides them. */",
      `const defaults: Omit<BillingConfigArgs, "orgId"> = {`,
      ...properties(doc.defaults).map((property) => `  ${property},`),
      "};",
      "",
    );
  }
  lines.push("const billingConfigs: BillingConfig[] = [");
  for (const org of doc.orgs) {
    const args = [...(hasDefaults ? ["...defaults"] : []), `orgId: ${org.id}`, ...properties(org.values)];
    lines.push(`  new BillingConfig(${JSON.stringify(org.resourceName)}, { ${args.join(", ")} }),`);
  }
  lines.push(
    "];",
    "",
    "/** Stack output: the organisations this program manages. */",
    "export const orgIds = billingConfigs.map((config) => config.orgId);",
    "",
  );
  return lines.join("\n");
}
