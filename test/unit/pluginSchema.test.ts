import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { FIELDS } from "../../provider/billing/fields";
import { SETTINGS } from "../../provider/config/settings";
import { repoRoot } from "../../tools/repoRoot";
import { SCHEMA_FILE, generateSchema, schemaFileText } from "../../tools/schema/generateSchema";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("the plugin's schema.json", () => {
  const generated: Json = generateSchema();

  it("is the committed file: regenerate with `npm run schema` after changing a field or its documentation", () => {
    const committed = fs.readFileSync(path.join(repoRoot(), SCHEMA_FILE), "utf8");
    assert.equal(committed, schemaFileText(generated));
  });

  it("declares every field of the table as an input and an output, secret where the table says so", () => {
    const resource = generated.resources["emnify:index:BillingConfig"] as Json;
    for (const field of FIELDS) {
      const secret = "secret" in field && field.secret === true;
      assert.equal(resource.inputProperties[field.name]?.secret === true, secret, `input ${field.name}`);
      assert.equal(resource.properties[field.name]?.secret === true, secret, `output ${field.name}`);
      assert.ok(resource.inputProperties[field.name].description.length > 20, `input ${field.name} has a description`);
    }
    assert.equal(resource.properties.adoptedOriginal.secret, true, "the originals hold payment data: secret");
    assert.deepEqual(resource.requiredInputs, ["orgId"]);
  });

  it("takes descriptions from the JSDoc of the resource's argument types", () => {
    const source = fs.readFileSync(path.join(repoRoot(), "provider/resource/billingConfig.ts"), "utf8");
    const vatin = generated.resources["emnify:index:BillingConfig"].inputProperties.vatin.description as string;
    assert.ok(source.replace(/\s*\n\s*\*\s*/g, " ").includes(vatin.split("\n\n")[0]), vatin);
  });

  it("configures the provider with every setting, the application token secret", () => {
    assert.deepEqual(Object.keys(generated.config.variables).sort(), Object.keys(SETTINGS).sort());
    assert.deepEqual(Object.keys(generated.provider.inputProperties).sort(), Object.keys(SETTINGS).sort());
    assert.equal(generated.config.variables.applicationToken.secret, true);
    assert.equal(generated.provider.inputProperties.applicationToken.secret, true);
  });
});

describe("the plugin's schema.json: the record of originals", () => {
  const generated: Json = generateSchema();

  it("declares emnify:index:BillingOriginals (input orgId; outputs orgId and the secret originals of every field) and the BillingConfig's secret originals input", () => {
    const record = generated.resources["emnify:index:BillingOriginals"] as Json;
    assert.deepEqual(Object.keys(record.inputProperties), ["orgId"]);
    assert.equal(record.inputProperties.orgId.type, "integer");
    assert.deepEqual(record.requiredInputs, ["orgId"]);
    assert.deepEqual(Object.keys(record.properties), ["orgId", "originals"]);
    assert.equal(record.properties.originals.secret, true);
    assert.match(record.description, /before the `BillingConfig`/);
    assert.match(record.description, /`org-<orgId>`/);
    const ref = record.properties.originals.$ref as string;
    const type = generated.types[ref.replace("#/types/", "")] as Json;
    assert.deepEqual(
      Object.keys(type.properties),
      FIELDS.map((f) => f.name),
    );
    assert.equal(type.properties.paymentData.secret, true);
    const input = generated.resources["emnify:index:BillingConfig"].inputProperties.originals as Json;
    assert.equal(input.$ref, ref);
    assert.equal(input.secret, true);
    assert.match(input.description, /pass `<record>\.originals`/);
    assert.ok(!generated.resources["emnify:index:BillingConfig"].requiredInputs.includes("originals"));
  });

  it("describes each recorded field with the JSDoc of the resource's outputs", () => {
    const source = fs.readFileSync(path.join(repoRoot(), "provider/resource/billingConfig.ts"), "utf8").replace(/\s*\n\s*\*\s*/g, " ");
    const type = generated.types["emnify:index:OriginalValues"] as Json;
    for (const field of FIELDS) assert.ok(source.includes(type.properties[field.name].description as string), field.name);
  });
});
