/**
 * The three catalogue references of a billing config by id, for test data:
 * `{ orgId: 1, ...references(1, 0, 2) }` declares charging model 1, payment term 0 and VAT rate 2;
 * `apiReferences` says the same in the API's words (snake_case), for emulator seeds and API bodies.
 */
export const references = (chargingModel: number, paymentTerm: number, vatRate: number) => ({
  chargingModel: { id: chargingModel },
  paymentTerm: { id: paymentTerm },
  vatRate: { id: vatRate },
});

export const apiReferences = (chargingModel: number, paymentTerm: number, vatRate: number) => ({
  charging_model: { id: chargingModel },
  payment_term: { id: paymentTerm },
  vat_rate: { id: vatRate },
});

/** The references as the emulator answers them, with its default descriptions ("Charging model 1"). */
export const describedReferences = (chargingModel: number, paymentTerm: number, vatRate: number) => ({
  chargingModel: { id: chargingModel, description: `Charging model ${chargingModel}` },
  paymentTerm: { id: paymentTerm, description: `Payment term ${paymentTerm}` },
  vatRate: { id: vatRate, description: `VAT rate ${vatRate}` },
});

/** The same in the API's words. */
export const apiDescribedReferences = (chargingModel: number, paymentTerm: number, vatRate: number) => ({
  charging_model: { id: chargingModel, description: `Charging model ${chargingModel}` },
  payment_term: { id: paymentTerm, description: `Payment term ${paymentTerm}` },
  vat_rate: { id: vatRate, description: `VAT rate ${vatRate}` },
});
