/**
 * One organisation's billing settings, every value from stack config:
 *
 *   pulumi config set basic:orgId 2
 *   pulumi config set basic:vatin DE811234567
 *   pulumi config set basic:chargingModelId 1
 *   pulumi config set --secret basic:paymentData '{"iban":"DE02120300000000202051"}'
 *   pulumi config set --secret emnify:applicationToken <token>
 *
 * Only what is set is declared, and only what is declared is managed: a setting left unset here
 * keeps whatever value emnify holds, and `pulumi up` never sends it.
 */
import * as pulumi from "@pulumi/pulumi";
import { BillingConfig, ReferenceArgs } from "pulumi-emnify";

// An explicit namespace, so the keys are `basic:*` whichever project runs this program.
const config = new pulumi.Config("basic");

/** A catalogue reference from a numeric config key, or undeclared when the key is not set. */
function reference(key: string): ReferenceArgs | undefined {
  const id = config.getNumber(key);
  return id === undefined ? undefined : { id };
}

const billing = new BillingConfig("billing", {
  orgId: config.requireNumber("orgId"),
  vatin: config.get("vatin"),
  invoiceIssuerInfo: config.get("invoiceIssuerInfo"),
  chargingModel: reference("chargingModelId"),
  paymentTerm: reference("paymentTermId"),
  vatRate: reference("vatRateId"),
  // Payment data belongs in secret config: it is stored encrypted and shown as [secret].
  paymentData: config.getSecretObject<Record<string, unknown>>("paymentData"),
  restoreOnDelete: config.getBoolean("restoreOnDelete"),
});

// The live values emnify holds after `pulumi up` (including settings this program leaves alone).
export const orgId = billing.orgId;
export const billingConfigId = billing.billingConfigId;
export const vatin = billing.vatin;
export const invoiceIssuerInfo = billing.invoiceIssuerInfo;
export const chargingModel = billing.chargingModel;
export const paymentTerm = billing.paymentTerm;
export const vatRate = billing.vatRate;
/** A secret output: `pulumi stack output` shows [secret] unless asked with --show-secrets. */
export const paymentData = billing.paymentData;
