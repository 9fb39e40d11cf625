import assert from "node:assert/strict";
import { resourceNames, slugify } from "../../provider/cli/names";
import { RESOURCE_NAME_PATTERN } from "../../provider/billing/organisationsFile";

/** The names in order, as "id=name" pairs. */
const listed = (names: Map<number, string>) => [...names].map(([id, name]) => `${id}=${name}`).join(" ");

describe("export: resource names from organisation names", () => {
  const slugs: Array<[string, string]> = [
    ["Acme", "acme"],
    ["Müller & Söhne GmbH", "muller-sohne-gmbh"],
    ["  ACME   Corp.  ", "acme-corp"],
    ["acme.io", "acme.io"],
    ["a_b-c", "a_b-c"],
    ["--Fleet--42--", "fleet-42"],
    ["Ærø Tryk", "aero-tryk"],
    ["Großhandel Łódź", "grosshandel-lodz"],
    ["株式会社", ""],
    ["", ""],
    ["x".repeat(80), "x".repeat(60)],
  ];
  for (const [name, slug] of slugs) {
    it(`slugifies ${JSON.stringify(name)} to ${JSON.stringify(slug)}`, () => {
      assert.equal(slugify(name), slug);
    });
  }

  it("gives the lower id the plain slug and a later duplicate its id as suffix, whatever order they come in", () => {
    const names = resourceNames([
      { id: 205, name: "Acme" },
      { id: 101, name: "ACME" },
      { id: 150, name: "acme!" },
    ]);
    assert.equal(listed(names), "101=acme 150=acme-150 205=acme-205");
  });

  it("falls back to org-<id> for an organisation without a usable name", () => {
    const names = resourceNames([{ id: 7 }, { id: 8, name: "株式会社" }, { id: 9, name: "" }]);
    assert.equal(listed(names), "7=org-7 8=org-8 9=org-9");
  });

  it("keeps names unique even when a name is literally another organisation's fallback or suffixed name", () => {
    const names = resourceNames([
      { id: 1, name: "org-3" },
      { id: 2, name: "Acme 4" },
      { id: 3 },
      { id: 4, name: "Acme" },
      { id: 5, name: "acme" },
      { id: 6, name: "ACME-5" },
    ]);
    assert.equal(listed(names), "1=org-3 2=acme-4 3=org-3-2 4=acme 5=acme-5 6=acme-5-6");
  });

  it("only makes names the organisations file accepts", () => {
    const names = resourceNames(["Ä", "a", "Z.z", "-x-", "1st", "__", "é", "…", "ǅ"].map((name, index) => ({ id: index + 1, name })));
    for (const name of names.values()) assert.match(name, RESOURCE_NAME_PATTERN);
    assert.equal(new Set(names.values()).size, names.size);
  });

  it("does not change an organisation's name when other organisations are added or removed", () => {
    const before = resourceNames([
      { id: 10, name: "Fleet" },
      { id: 20, name: "Fleet" },
    ]);
    const after = resourceNames([
      { id: 5, name: "Other" },
      { id: 10, name: "Fleet" },
      { id: 20, name: "Fleet" },
      { id: 30, name: "Fleet" },
    ]);
    assert.equal(after.get(10), before.get(10));
    assert.equal(after.get(20), before.get(20));
  });
});
