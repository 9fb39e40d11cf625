/**
 * Writes an export in the chosen format. YAML and JSON are the organisations file (the same
 * document; JSON is YAML to its parser); TypeScript is a program. JSON cannot hold comments, so
 * what a YAML header would say is left to the command's messages.
 */
import { OutputFormat } from "./args";
import { ExportDocument, toOrganisationsFile } from "./document";
import { renderTs } from "./tsRenderer";
import { renderYaml } from "./yamlRenderer";

/**
 * Indented JSON, with each reference on one line (`{ "id": 1 }`) as in the YAML. The rewrite is
 * safe: a JSON string cannot hold a raw line break, so the pattern only matches real objects.
 */
export function renderJson(doc: ExportDocument): string {
  const text = JSON.stringify(toOrganisationsFile(doc), null, 2).replace(/\{\n\s*"id": (\d+)\n\s*\}/g, '{ "id": $1 }');
  return `${text}\n`;
}

export function render(format: OutputFormat, doc: ExportDocument, header: readonly string[]): string {
  switch (format) {
    case "yaml":
      return renderYaml(doc, header);
    case "json":
      return renderJson(doc);
    case "ts":
      return renderTs(doc, header);
  }
}
