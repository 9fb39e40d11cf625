/**
 * Writes an export in the chosen format. YAML and JSON are the organisations file (the same
 * document; JSON is YAML to its parser); TypeScript is a program; `import` is Pulumi's bulk import file. JSON cannot hold comments, so
 * what a YAML header would say is left to the command's messages.
 */
import { PLUGIN_BILLING_CONFIG } from "../resource/typeTokens";
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

/** The resource type of the provider plugin's `BillingConfig` (the dynamic resource cannot be imported). */
export { PLUGIN_BILLING_CONFIG as PLUGIN_BILLING_CONFIG_TYPE };

/**
 * Pulumi's bulk import file (`pulumi import --file <file>`): one `emnify:index:BillingConfig` per
 * organisation, named as in the other formats, with the organisation id as the resource id. Values
 * are not written: the import reads them (see the provider plugin in the README).
 */
export function renderImportFile(doc: ExportDocument): string {
  const resources = doc.orgs.map((entry) => ({ type: PLUGIN_BILLING_CONFIG, name: entry.resourceName, id: String(entry.id) }));
  return `${JSON.stringify({ resources }, null, 2)}\n`;
}

export function render(format: OutputFormat, doc: ExportDocument, header: readonly string[]): string {
  switch (format) {
    case "yaml":
      return renderYaml(doc, header);
    case "json":
      return renderJson(doc);
    case "ts":
      return renderTs(doc, header);
    case "import":
      return renderImportFile(doc);
  }
}
