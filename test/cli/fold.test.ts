import assert from "node:assert/strict";
import { HeldValues, foldDefaults } from "../../provider/cli/fold";

function fold(values: HeldValues[]) {
  const folded = foldDefaults(values.map((v, index) => ({ id: index + 1, values: v })));
  return { defaults: folded.defaults, orgs: folded.orgs.map((org) => org.values) };
}

describe("export: folding shared values into defaults", () => {
  it("moves a value every organisation holds into defaults and out of the entries", () => {
    assert.deepEqual(
      fold([
        { vatin: "A", chargingModel: { id: 1 } },
        { vatin: "B", chargingModel: { id: 1 } },
        { vatin: "C", chargingModel: { id: 1 } },
      ]),
      { defaults: { chargingModel: { id: 1 } }, orgs: [{ vatin: "A" }, { vatin: "B" }, { vatin: "C" }] },
    );
  });

  it("moves a value more than half hold into defaults and keeps the others as overrides", () => {
    assert.deepEqual(
      fold([
        { paymentTerm: { id: 1 } },
        { paymentTerm: { id: 2 } },
        { paymentTerm: { id: 1 } },
        { paymentTerm: { id: 1 } },
        { paymentTerm: { id: 3 } },
      ]),
      {
        defaults: { paymentTerm: { id: 1 } },
        orgs: [{}, { paymentTerm: { id: 2 } }, {}, {}, { paymentTerm: { id: 3 } }],
      },
    );
  });

  it("leaves a value held by exactly half in the entries", () => {
    assert.deepEqual(fold([{ vatRate: { id: 1 } }, { vatRate: { id: 2 } }, { vatRate: { id: 1 } }, { vatRate: { id: 2 } }]), {
      defaults: {},
      orgs: [{ vatRate: { id: 1 } }, { vatRate: { id: 2 } }, { vatRate: { id: 1 } }, { vatRate: { id: 2 } }],
    });
  });

  it("does not fold a field that some organisation holds nothing for, so that it never inherits a value", () => {
    assert.deepEqual(fold([{ vatin: "X" }, { vatin: "X" }, { vatin: "X" }, {}]), {
      defaults: {},
      orgs: [{ vatin: "X" }, { vatin: "X" }, { vatin: "X" }, {}],
    });
  });

  it("folds null as a value like any other", () => {
    assert.deepEqual(fold([{ invoiceIssuerInfo: null }, { invoiceIssuerInfo: null }, { invoiceIssuerInfo: "Issuer" }]), {
      defaults: { invoiceIssuerInfo: null },
      orgs: [{}, {}, { invoiceIssuerInfo: "Issuer" }],
    });
  });

  it("never folds payment data, even when every organisation holds the same", () => {
    const paymentData = { iban: "DE00" };
    assert.deepEqual(fold([{ paymentData }, { paymentData }]), { defaults: {}, orgs: [{ paymentData }, { paymentData }] });
  });

  it("does not fold anything for a single organisation", () => {
    assert.deepEqual(fold([{ vatin: "A", chargingModel: { id: 1 } }]), { defaults: {}, orgs: [{ vatin: "A", chargingModel: { id: 1 } }] });
  });

  it("gives back every organisation's own values when defaults and entry are merged", () => {
    const values: HeldValues[] = [];
    for (let i = 0; i < 40; i++) {
      values.push({
        ...(i % 7 === 0 ? {} : { vatin: i % 3 === 0 ? "SHARED" : `V${i}` }),
        invoiceIssuerInfo: i % 4 === 0 ? `Issuer ${i % 2}` : null,
        chargingModel: { id: i % 5 === 0 ? 2 : 1 },
        paymentTerm: { id: i % 2 },
        ...(i % 9 === 0 ? {} : { vatRate: { id: 3 } }),
      });
    }
    const folded = fold(values);
    assert.deepEqual(folded.defaults, { invoiceIssuerInfo: null, chargingModel: { id: 1 } });
    assert.deepEqual(
      folded.orgs.map((own) => ({ ...folded.defaults, ...own })),
      values,
    );
  });
});
