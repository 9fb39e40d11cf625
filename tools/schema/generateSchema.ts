/**
 * The plugin's `schema.json`, generated from the field table (provider/billing/fields.ts) and the
 * documentation the TypeScript types already carry: descriptions are the JSDoc of
 * `BillingConfigArgs` / `BillingConfigOutputs` / `ReferenceArgs` / `ReferenceOutput`
 * (provider/resource/billingConfig.ts), of `BillingConfigState` (provider/billing/mapping.ts, the
 * internal outputs), of `BillingOriginalsArgs` / `BillingOriginalsOutputs`
 * (provider/resource/billingOriginals.ts, the record of originals), and of the plugin SDK
 * (provider/plugin/sdk.ts: `SettingValues`, the provider's settings; `BillingConfigArgs.originals`;
 * the resources' own descriptions), read with the TypeScript compiler. One source: a changed comment changes the schema, and the unit
 * test `pluginSchema.test.ts` fails until `npm run schema` is run and its result committed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { FIELDS, FieldSpec } from "../../provider/billing/fields";
import { SETTINGS } from "../../provider/config/settings";
import { repoRoot } from "../repoRoot";

type Json = Record<string, unknown>;

/** `member name → documentation` of one interface, as markdown (the comment, then `@default`/`@example` tags). */
function interfaceDocs(file: string, name: string): Map<string, string> {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const docs = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    const collect = (members: ts.NodeArray<ts.TypeElement>) => {
      for (const member of members) {
        if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
        docs.set(member.name.text, docText(member));
      }
    };
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) collect(node.members);
    // `type Name = A & { ... }`: the documented members are those of its object literal parts.
    if (ts.isTypeAliasDeclaration(node) && node.name.text === name) {
      const parts = ts.isIntersectionTypeNode(node.type) ? node.type.types : [node.type];
      for (const part of parts) if (ts.isTypeLiteralNode(part)) collect(part.members);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (docs.size === 0) throw new Error(`no documented interface ${name} in ${file}`);
  return docs;
}

function commentText(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string {
  if (comment === undefined) return "";
  return typeof comment === "string" ? comment : comment.map((part) => part.text).join("");
}

function docText(node: ts.Node): string {
  const parts: string[] = [];
  for (const doc of ts.getJSDocCommentsAndTags(node)) {
    if (!ts.isJSDoc(doc)) continue;
    const text = commentText(doc.comment).trim();
    if (text !== "") parts.push(text.replace(/\s*\n\s*/g, " "));
    for (const tag of doc.tags ?? []) {
      const value = commentText(tag.comment)
        .trim()
        .replace(/\s*\n\s*/g, " ");
      if (tag.tagName.text === "default") parts.push(`Default: ${value}.`);
    }
  }
  return parts.join("\n\n");
}

function describe(docs: Map<string, string>, name: string, where: string): string {
  const text = docs.get(name);
  if (text === undefined || text === "") throw new Error(`${where}.${name} has no documentation to put in the schema`);
  return text;
}

const REFERENCE = "emnify:index:Reference";
/** The object type of a record of originals: every managed field. */
export const ORIGINAL_VALUES = "emnify:index:OriginalValues";
export const BILLING_CONFIG = "emnify:index:BillingConfig";
export const BILLING_ORIGINALS = "emnify:index:BillingOriginals";
const ANY_OBJECT = { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" } };

function fieldType(field: FieldSpec): Json {
  switch (field.kind) {
    case "string":
    case "nullableString":
      return { type: "string" };
    case "reference":
      return { $ref: `#/types/${REFERENCE}` };
    case "object":
      return ANY_OBJECT;
  }
}

export function generateSchema(root = repoRoot()): Json {
  const resourceFile = path.join(root, "provider/resource/billingConfig.ts");
  const args = interfaceDocs(resourceFile, "BillingConfigArgs");
  const outputs = interfaceDocs(resourceFile, "BillingConfigOutputs");
  const refArgs = interfaceDocs(resourceFile, "ReferenceArgs");
  const refOutputs = interfaceDocs(resourceFile, "ReferenceOutput");
  const state = interfaceDocs(path.join(root, "provider/billing/mapping.ts"), "BillingConfigState");
  const sdkFile = path.join(root, "provider/plugin/sdk.ts");
  const settings = interfaceDocs(sdkFile, "SettingValues");
  const pluginArgs = interfaceDocs(sdkFile, "BillingConfigArgs");
  const originalsFile = path.join(root, "provider/resource/billingOriginals.ts");
  const recordArgs = interfaceDocs(originalsFile, "BillingOriginalsArgs");
  const recordOutputs = interfaceDocs(originalsFile, "BillingOriginalsOutputs");
  const classDoc = (file: string, name: string) => {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    let text = "";
    source.forEachChild((node) => {
      // The comment sits on the class, or on the interface merged into it (which comes first).
      if ((ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) && node.name?.text === name && text === "") text = docText(node);
    });
    if (text === "") throw new Error(`class ${name} in ${file} has no documentation to put in the schema`);
    return text.split("\n\n")[0];
  };
  const resourceDoc = classDoc(sdkFile, "BillingConfig");
  const recordDoc = classDoc(sdkFile, "BillingOriginals");

  const secret = (spec: FieldSpec) => (spec.secret === true ? { secret: true } : {});
  const inputProperties: Json = {
    orgId: { type: "integer", description: describe(args, "orgId", "BillingConfigArgs") },
  };
  const properties: Json = {
    orgId: { type: "integer", description: describe(outputs, "orgId", "BillingConfigOutputs") },
    billingConfigId: { type: "integer", description: describe(outputs, "billingConfigId", "BillingConfigOutputs") },
  };
  for (const field of FIELDS as readonly FieldSpec[]) {
    inputProperties[field.name] = { ...fieldType(field), description: describe(args, field.name, "BillingConfigArgs"), ...secret(field) };
    properties[field.name] = { ...fieldType(field), description: describe(outputs, field.name, "BillingConfigOutputs"), ...secret(field) };
  }
  inputProperties.restoreOnDelete = {
    type: "boolean",
    default: false,
    description: describe(args, "restoreOnDelete", "BillingConfigArgs"),
  };
  inputProperties.originals = {
    $ref: `#/types/${ORIGINAL_VALUES}`,
    secret: true,
    description: describe(pluginArgs, "originals", "BillingConfigArgs (provider/plugin/sdk.ts)"),
  };
  properties.restoreOnDelete = { type: "boolean", description: describe(outputs, "restoreOnDelete", "BillingConfigOutputs") };
  properties.managedFields = {
    type: "array",
    items: { type: "string" },
    description: describe(state, "managedFields", "BillingConfigState"),
  };
  properties.adoptedOriginal = { ...ANY_OBJECT, secret: true, description: describe(state, "adoptedOriginal", "BillingConfigState") };
  properties.adoptionId = { type: "string", description: describe(state, "adoptionId", "BillingConfigState") };

  const originalValues: Json = {};
  for (const field of FIELDS as readonly FieldSpec[]) {
    originalValues[field.name] = {
      ...fieldType(field),
      description: describe(outputs, field.name, "BillingConfigOutputs"),
      ...secret(field),
    };
  }

  const settingType: Record<keyof typeof SETTINGS, Json> = {
    applicationToken: { type: "string", secret: true },
    endpoint: { type: "string", default: "https://cdn.emnify.net" },
    timeoutSeconds: { type: "number" },
    rateLimit: { type: "string" },
    maxAttempts: { type: "integer" },
  };
  const variables: Json = {};
  for (const [name, setting] of Object.entries(SETTINGS) as [keyof typeof SETTINGS, (typeof SETTINGS)[keyof typeof SETTINGS]][]) {
    variables[name] = {
      ...settingType[name],
      description: describe(settings, name, "SettingValues"),
      defaultInfo: { environment: [setting.env] },
    };
  }

  return {
    name: "emnify",
    displayName: "emnify",
    description: "emnify organisation billing settings (pulumi-emnify).",
    keywords: ["pulumi", "emnify", "category/utility", "kind/native"],
    license: "Apache-2.0",
    config: { variables },
    provider: {
      description: "The emnify provider: one emnify account (application token) and its API settings.",
      inputProperties: variables,
      properties: Object.fromEntries(Object.entries(variables).filter(([, spec]) => (spec as Json).type === "string")),
    },
    types: {
      [REFERENCE]: {
        type: "object",
        description: "A reference to an emnify catalogue entry (charging model, payment term, VAT rate), by id.",
        properties: {
          id: { type: "integer", description: describe(refArgs, "id", "ReferenceArgs") },
          description: { type: "string", description: describe(refOutputs, "description", "ReferenceOutput") },
        },
        required: ["id"],
      },
      [ORIGINAL_VALUES]: {
        type: "object",
        description: describe(recordOutputs, "originals", "BillingOriginalsOutputs"),
        properties: originalValues,
      },
    },
    resources: {
      [BILLING_CONFIG]: {
        description: resourceDoc,
        inputProperties,
        requiredInputs: ["orgId"],
        properties,
        required: ["orgId", "restoreOnDelete", "managedFields"],
      },
      [BILLING_ORIGINALS]: {
        description: recordDoc,
        inputProperties: { orgId: { type: "integer", description: describe(recordArgs, "orgId", "BillingOriginalsArgs") } },
        requiredInputs: ["orgId"],
        properties: {
          orgId: { type: "integer", description: describe(recordOutputs, "orgId", "BillingOriginalsOutputs") },
          originals: {
            $ref: `#/types/${ORIGINAL_VALUES}`,
            secret: true,
            description: describe(recordOutputs, "originals", "BillingOriginalsOutputs"),
          },
        },
        required: ["orgId", "originals"],
      },
    },
  };
}

/** The committed file's text for a schema. */
export function schemaFileText(schema: Json): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export const SCHEMA_FILE = "schema.json";
