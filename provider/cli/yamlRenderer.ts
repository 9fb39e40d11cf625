/**
 * The organisations file as YAML: a header comment, `defaults`, then one entry per organisation
 * with a blank line between entries, references as `{ id: 1 }` on one line.
 *
 * String values are always double-quoted: VAT ids are often all digits ("12345678901"), and words
 * such as `no` or `on` are booleans to YAML 1.1 tools; quoted, every reader sees the same string.
 * Lines are never folded, so a changed value is a one-line diff.
 */
import { Document, isMap, isScalar, isSeq, visit } from "yaml";
import { FIELDS } from "../billing/fields";
import { ExportDocument, toOrganisationsFile } from "./document";

const REFERENCE_FIELDS: ReadonlySet<string> = new Set(FIELDS.filter((f) => f.kind === "reference").map((f) => f.name));

export function renderYaml(doc: ExportDocument, header: readonly string[]): string {
  const yaml = new Document(toOrganisationsFile(doc));
  yaml.commentBefore = header.map((line) => ` ${line}`).join("\n");
  visit(yaml, {
    Pair(_, pair) {
      if (isScalar(pair.key) && REFERENCE_FIELDS.has(String(pair.key.value)) && isMap(pair.value)) pair.value.flow = true;
    },
  });
  const orgs = yaml.get("orgs", true);
  if (isSeq(orgs))
    orgs.items.forEach((item, index) => {
      if (index > 0 && isMap(item)) item.spaceBefore = true;
    });
  return yaml.toString({ lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" });
}
