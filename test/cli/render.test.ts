import assert from "node:assert/strict";
import { ExportDocument, FetchedOrganisation, buildDocument, heldValues } from "../../provider/cli/document";
import { headerLines } from "../../provider/cli/header";
import { renderImportFile, renderJson } from "../../provider/cli/render";
import { renderTs, tsLiteral } from "../../provider/cli/tsRenderer";
import { renderYaml } from "../../provider/cli/yamlRenderer";
import { FieldValues } from "../../provider/billing/fields";
import { parseOrganisationsFile } from "../../provider/billing/organisationsFile";
import { references } from "../references";

function live(values: Partial<FieldValues>): FieldValues {
  return { vatin: null, invoiceIssuerInfo: null, chargingModel: null, paymentTerm: null, vatRate: null, paymentData: null, ...values };
}

/** Three organisations, given out of order, with descriptions the API adds. */
const FETCHED: FetchedOrganisation[] = [
  {
    id: 103,
    name: "Acme",
    live: live({
      vatin: "0123456789",
      invoiceIssuerInfo: "Acme Invoicing\nMain Street 1",
      chargingModel: { id: 2, description: "Charging model 2" },
      paymentTerm: { id: 1 },
      vatRate: { id: 0 },
      paymentData: { iban: "DE02120300000000202051", holder: "Acme" },
    }),
  },
  {
    id: 101,
    name: "Acme",
    live: live({
      vatin: "DE111",
      chargingModel: { id: 1, description: "Charging model 1" },
      paymentTerm: { id: 1 },
      vatRate: { id: 0 },
      paymentData: {},
    }),
  },
  { id: 102, name: "Müller & Söhne", live: live({ chargingModel: { id: 1 }, paymentTerm: { id: 1 } }) },
];

function document(includePaymentData = false): ExportDocument {
  return buildDocument(FETCHED, includePaymentData);
}

const HEADER = ["first line", "  second line"];

/** How every generated TypeScript program ends: the list closed, and the stack output. */
const TS_PROGRAM_END = [
  "];",
  "",
  "/** Stack output: the organisations this program manages. */",
  "export const orgIds = billingConfigs.map((config) => config.orgId);",
  "",
];

describe("export: the document and its renderers", () => {
  it("--format import writes Pulumi's bulk import file: the plugin's type, each resource name, the organisation id, no values", () => {
    const file = JSON.parse(renderImportFile(document(true))) as { resources: { type: string; name: string; id: string }[] };
    assert.deepEqual(
      file.resources.map((r) => r.id),
      FETCHED.map((o) => String(o.id)).sort((a, b) => Number(a) - Number(b)),
    );
    for (const resource of file.resources) {
      assert.deepEqual(Object.keys(resource), ["type", "name", "id"]);
      assert.equal(resource.type, "emnify:index:BillingConfig");
      assert.equal(resource.name, document().orgs.find((o) => String(o.id) === resource.id)?.resourceName);
    }
    assert.ok(!renderImportFile(document(true)).includes("DE02120300000000202051"));
  });

  it("keeps what the API holds, references as { id } only, invoiceIssuerInfo even when null, and drops empty fields", () => {
    assert.deepEqual(heldValues(FETCHED[2].live, true), { invoiceIssuerInfo: null, chargingModel: { id: 1 }, paymentTerm: { id: 1 } });
    assert.deepEqual(heldValues(FETCHED[1].live, true), {
      vatin: "DE111",
      invoiceIssuerInfo: null,
      ...references(1, 1, 0),
    });
  });

  it("writes payment data only when asked to, and counts the organisations whose payment data it left out", () => {
    assert.equal(heldValues(FETCHED[0].live, false).paymentData, undefined);
    assert.deepEqual(heldValues(FETCHED[0].live, true).paymentData, { iban: "DE02120300000000202051", holder: "Acme" });
    assert.equal(document(false).paymentDataLeftOut, 1);
    assert.equal(document(true).paymentDataLeftOut, 0);
  });

  it("writes YAML with the header, folded defaults, entries by id and one line per reference", () => {
    assert.equal(
      renderYaml(document(), HEADER),
      [
        "# first line",
        "#   second line",
        "",
        "defaults:",
        "  invoiceIssuerInfo: null",
        "  chargingModel: { id: 1 }",
        "  paymentTerm: { id: 1 }",
        "orgs:",
        "  - id: 101",
        '    name: "acme"',
        '    vatin: "DE111"',
        "    vatRate: { id: 0 }",
        "",
        "  - id: 102",
        '    name: "muller-sohne"',
        "",
        "  - id: 103",
        '    name: "acme-103"',
        '    vatin: "0123456789"',
        '    invoiceIssuerInfo: "Acme Invoicing\\nMain Street 1"',
        "    chargingModel: { id: 2 }",
        "    vatRate: { id: 0 }",
        "",
      ].join("\n"),
    );
  });

  it("writes JSON indented, with each reference on one line", () => {
    const doc = buildDocument(
      [{ id: 7, live: live({ vatin: "X", chargingModel: { id: 1 }, paymentData: { card: { id: 5, brand: "visa" } } }) }],
      true,
    );
    assert.equal(
      renderJson(doc),
      [
        "{",
        '  "orgs": [',
        "    {",
        '      "id": 7,',
        '      "vatin": "X",',
        '      "invoiceIssuerInfo": null,',
        '      "chargingModel": { "id": 1 },',
        '      "paymentData": {',
        '        "card": {',
        '          "id": 5,',
        '          "brand": "visa"',
        "        }",
        "      }",
        "    }",
        "  ]",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("writes JSON holding the same document", () => {
    assert.deepEqual(JSON.parse(renderJson(document(true))), {
      defaults: { invoiceIssuerInfo: null, chargingModel: { id: 1 }, paymentTerm: { id: 1 } },
      orgs: [
        { id: 101, name: "acme", vatin: "DE111", vatRate: { id: 0 } },
        { id: 102, name: "muller-sohne" },
        {
          id: 103,
          name: "acme-103",
          vatin: "0123456789",
          invoiceIssuerInfo: "Acme Invoicing\nMain Street 1",
          chargingModel: { id: 2 },
          vatRate: { id: 0 },
          paymentData: { iban: "DE02120300000000202051", holder: "Acme" },
        },
      ],
    });
  });

  for (const [format, renderText] of [
    ["YAML", (doc: ExportDocument) => renderYaml(doc, HEADER)],
    ["JSON", (doc: ExportDocument) => renderJson(doc)],
  ] as const) {
    it(`reads back from ${format} with parseOrganisationsFile as exactly each organisation's live values`, () => {
      const entries = parseOrganisationsFile(renderText(document(true)), `orgs.${format.toLowerCase()}`);
      assert.deepEqual(entries, [
        {
          name: "acme",
          args: {
            orgId: 101,
            vatin: "DE111",
            invoiceIssuerInfo: null,
            ...references(1, 1, 0),
            restoreOnDelete: false,
          },
        },
        {
          name: "muller-sohne",
          args: { orgId: 102, invoiceIssuerInfo: null, chargingModel: { id: 1 }, paymentTerm: { id: 1 }, restoreOnDelete: false },
        },
        {
          name: "acme-103",
          args: {
            orgId: 103,
            vatin: "0123456789",
            invoiceIssuerInfo: "Acme Invoicing\nMain Street 1",
            ...references(2, 1, 0),
            paymentData: { iban: "DE02120300000000202051", holder: "Acme" },
            restoreOnDelete: false,
          },
        },
      ]);
    });
  }

  it("leaves out names that are the file's default and the defaults key when nothing is shared", () => {
    const doc = buildDocument([{ id: 7, live: live({ vatin: "X" }) }], false);
    assert.equal(renderYaml(doc, ["h"]), ["# h", "", "orgs:", "  - id: 7", '    vatin: "X"', "    invoiceIssuerInfo: null", ""].join("\n"));
  });

  it("reads back strings YAML would otherwise take for numbers, booleans or comments", () => {
    const tricky = [
      "12345678901",
      "no",
      "on",
      "null",
      "~",
      "# not a comment",
      "a: b",
      "- item",
      "'quoted'",
      '"double"',
      "tab\there",
      "ünïcödé",
      " padded ",
    ];
    const doc = buildDocument(
      tricky.map((vatin, index) => ({ id: index + 1, live: live({ vatin, invoiceIssuerInfo: vatin }) })),
      false,
    );
    const entries = parseOrganisationsFile(renderYaml(doc, ["h"]), "orgs.yaml");
    assert.deepEqual(
      entries.map((e) => [e.args.vatin, e.args.invoiceIssuerInfo]),
      tricky.map((s) => [s, s]),
    );
  });

  it("writes a TypeScript program with the header, one BillingConfig per organisation and the shared values once", () => {
    assert.equal(
      renderTs(document(), ["first line", "", "  indented"]),
      [
        "// first line",
        "//",
        "//   indented",
        "",
        'import { BillingConfig, type BillingConfigArgs } from "pulumi-emnify";',
        "",
        "/** Values held by more than half of the organisations; an organisation overrides them. */",
        'const defaults: Omit<BillingConfigArgs, "orgId"> = {',
        "  invoiceIssuerInfo: null,",
        "  chargingModel: { id: 1 },",
        "  paymentTerm: { id: 1 },",
        "};",
        "",
        "const billingConfigs: BillingConfig[] = [",
        '  new BillingConfig("acme", { ...defaults, orgId: 101, vatin: "DE111", vatRate: { id: 0 } }),',
        '  new BillingConfig("muller-sohne", { ...defaults, orgId: 102 }),',
        '  new BillingConfig("acme-103", { ...defaults, orgId: 103, vatin: "0123456789", invoiceIssuerInfo: "Acme Invoicing\\nMain Street 1", chargingModel: { id: 2 }, vatRate: { id: 0 } }),',
        ...TS_PROGRAM_END,
      ].join("\n"),
    );
  });

  it("writes a TypeScript program without a defaults object when nothing is shared", () => {
    const doc = buildDocument([{ id: 7, live: live({ vatin: "X" }) }], false);
    assert.equal(
      renderTs(doc, ["h"]),
      [
        "// h",
        "",
        'import { BillingConfig } from "pulumi-emnify";',
        "",
        "const billingConfigs: BillingConfig[] = [",
        '  new BillingConfig("org-7", { orgId: 7, vatin: "X", invoiceIssuerInfo: null }),',
        ...TS_PROGRAM_END,
      ].join("\n"),
    );
  });

  it("writes TypeScript literals that quote keys only when they are not identifiers", () => {
    assert.equal(tsLiteral({ id: 1, "two words": [true, null, 'x"y'] }), '{ id: 1, "two words": [true, null, "x\\"y"] }');
    assert.equal(tsLiteral({}), "{}");
  });

  it("says in the header what was left out and which organisations failed, without a date", () => {
    assert.deepEqual(headerLines(document(false), "pulumi-emnify export --children", [104, 105], "file"), [
      "Billing settings of 3 emnify organisations as the API held them, written by:",
      "  pulumi-emnify export --children",
      "Read by the multi-org example: each organisation is adopted on the first `pulumi up` without",
      "any change; edit a value here and the next `pulumi up` applies it. Fields not listed are never changed.",
      "Values held by more than half of the organisations are under 'defaults'; an entry overrides them.",
      "Payment data (held by 1 organisation) is not written, so it stays as it is;",
      "export with --include-payment-data to write it.",
      "INCOMPLETE: 2 organisations could not be exported: 104, 105.",
    ]);
    assert.deepEqual(headerLines(document(true), "pulumi-emnify export --children --include-payment-data", [], "file").slice(5), [
      "This file contains payment details in plain text: do not commit it unencrypted.",
    ]);
  });
});
