/**
 * The comment at the top of an exported file: what it is, the command that rewrites it, and what
 * it deliberately leaves out. No date and no host: the same organisations give the same file, so
 * a re-export only diffs where a setting changed.
 */
import * as path from "node:path";
import { ExportOptions, PROGRAM, formatFromFileName } from "./args";
import { ExportDocument } from "./document";

/** The command that writes this file again, from the options that decide its content. */
export function reproducingCommand(options: ExportOptions): string {
  const parts = [PROGRAM, "export"];
  parts.push(options.selection.kind === "children" ? "--children" : `--org ${options.selection.orgIds.join(",")}`);
  if (options.includePaymentData) parts.push("--include-payment-data");
  if (options.out !== undefined) {
    // An absolute path names one machine's directories; the file name is what matters.
    parts.push(`--out ${path.isAbsolute(options.out) ? path.basename(options.out) : options.out}`);
  }
  const implied = options.out === undefined ? "yaml" : (formatFromFileName(options.out) ?? "yaml");
  if (options.format !== implied) parts.push(`--format ${options.format}`);
  return parts.join(" ");
}

/** "1 organisation", "2 organisations". */
export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The header's lines, without comment markers. */
export function headerLines(doc: ExportDocument, command: string, failedOrgIds: readonly number[], kind: "file" | "program"): string[] {
  const lines = [
    `Billing settings of ${plural(doc.orgs.length, "emnify organisation", "emnify organisations")} as the API held them, written by:`,
    `  ${command}`,
    kind === "file"
      ? "Read by the multi-org example: each organisation is adopted on the first `pulumi up` without"
      : "A Pulumi program: each organisation is adopted on the first `pulumi up` without any change;",
    kind === "file"
      ? "any change; edit a value here and the next `pulumi up` applies it. Fields not listed are never changed."
      : "edit a value here and the next `pulumi up` applies it. Fields not listed are never changed.",
  ];
  if (Object.keys(doc.defaults).length > 0) {
    lines.push(
      kind === "file"
        ? "Values held by more than half of the organisations are under 'defaults'; an entry overrides them."
        : "Values held by more than half of the organisations are in 'defaults'; an organisation overrides them.",
    );
  }
  if (doc.includesPaymentData) {
    lines.push("This file contains payment details in plain text: do not commit it unencrypted.");
  } else if (doc.paymentDataLeftOut > 0) {
    lines.push(
      `Payment data (held by ${plural(doc.paymentDataLeftOut, "organisation", "organisations")}) is not written, so it stays as it is;`,
      "export with --include-payment-data to write it.",
    );
  }
  if (failedOrgIds.length > 0) {
    lines.push(
      `INCOMPLETE: ${plural(failedOrgIds.length, "organisation", "organisations")} could not be exported: ${failedOrgIds.join(", ")}.`,
    );
  }
  return lines;
}
