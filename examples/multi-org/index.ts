/**
 * The GitOps case: orgs.yaml, kept in Git, lists the child organisations of an emnify reseller
 * account and their billing settings; this program declares one BillingConfig per entry.
 *
 * The whole file is validated before any resource is declared, so a typo stops the run before
 * any API call, naming the file, the entry and the field:
 *   orgs.yaml: orgs[3] (id 4711): vatRate.id must be a number, got the string "1"
 *
 * The emnify token and endpoint are provider settings (`emnify:applicationToken`,
 * `emnify:endpoint`): the program never reads them, so they never become resource inputs.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { BillingConfig, OrganisationEntry, OrganisationsFileError, loadOrganisationsFile } from "pulumi-emnify";
import { OrgSummary, summarise } from "./summary";

// An explicit namespace, so the key is `multi-org:orgsFile` whichever project runs this program
// (the repository root's or this directory's).
const config = new pulumi.Config("multi-org");

// Found from this file, not from the working directory: `pulumi up` in the repository root runs
// this program with the root as working directory. A configured path is taken relative to the
// project directory, like every path a user types next to Pulumi.yaml.
const orgsFile = path.resolve(config.get("orgsFile") ?? path.join(__dirname, "orgs.yaml"));

function loadEntries(file: string): OrganisationEntry[] {
  try {
    return loadOrganisationsFile(file);
  } catch (error) {
    // A RunError makes the CLI print just the message (every problem, one per line) instead of a
    // stack trace into this program.
    if (error instanceof OrganisationsFileError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const entries = loadEntries(orgsFile);

const billingConfigs = entries.map(({ name, args }) => new BillingConfig(name, args));

/** Per organisation (by resource name): the live settings after `pulumi up`, never payment data. */
export const summary: pulumi.Output<Record<string, OrgSummary>> = pulumi.output(
  Object.fromEntries(
    billingConfigs.map((billing, index) => [
      entries[index].name,
      pulumi
        .output({
          orgId: billing.orgId,
          billingConfigId: billing.billingConfigId,
          vatin: billing.vatin,
          invoiceIssuerInfo: billing.invoiceIssuerInfo,
          chargingModel: billing.chargingModel,
          paymentTerm: billing.paymentTerm,
          vatRate: billing.vatRate,
          restoreOnDelete: billing.restoreOnDelete,
        })
        .apply(summarise),
    ]),
  ),
);

export const organisationCount = entries.length;
