/**
 * `pulumi-emnify export`: read the billing config of every selected organisation and write them
 * as one document.
 *
 * Same client, settings and errors as the provider: the token and endpoint come from the
 * environment, every request goes through the process's shared pacer (so a large export stays
 * inside emnify's rate limits), and transient failures are retried by the client. All
 * organisations are requested at once; the pacer decides how many are in flight.
 *
 * Failures: a rejected token or bad settings stop everything (every organisation would fail the
 * same way; the client sends the token once, never again). One organisation failing does not:
 * the others are written, each failure is named on stderr, and the exit status is 1.
 */
import { BillingConfigApi, billingConfigApi } from "../billing/billingConfigApi";
import { EmnifyClient } from "../client/emnifyClient";
import { AUTHENTICATE_PATH } from "../client/auth";
import {
  EmnifyApiError,
  EmnifyAuthenticationError,
  EmnifyConfigurationError,
  EmnifyError,
  EmnifyNetworkError,
  EmnifyQuotaExceededError,
  EmnifyResponseError,
} from "../client/errors";
import { clientFromSettings } from "../config/clientFromSettings";
import { resolveSettings } from "../config/settings";
import { ExportOptions } from "./args";
import { FetchedOrganisation, buildDocument } from "./document";
import { headerLines, plural, reproducingCommand } from "./header";
import { ListedOrganisation, listChildOrganisations } from "./organisationList";
import { checkWritable, writeFileAtomically } from "./output";
import { Progress, ProgressStream } from "./progress";
import { render } from "./render";

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): boolean };
  stderr: ProgressStream;
  /** Milliseconds, for the summary's duration. */
  now?: () => number;
}

/** The operation every per-organisation error message starts with. */
export const EXPORT_OPERATION = "exporting billing config";

/**
 * The client the provider would build from the same settings, read from the environment only.
 * @param log  where the client's warnings go (the command's stderr).
 */
export function clientFromEnvironment(env: NodeJS.ProcessEnv, log: (line: string) => void): EmnifyClient {
  return clientFromSettings(resolveSettings(undefined, env), { log });
}

type Outcome = { ok: true; org: FetchedOrganisation } | { ok: false; orgId: number; error: unknown };

/**
 * Errors that every organisation shares: reported once, and nothing is written. Authentication is
 * one step shared by all requests, so its failure (rejected token, unreachable endpoint, lockout)
 * is everyone's; so are bad settings, the monthly quota (it refuses every request until the 1st),
 * and anything that is not an API error at all (a bug).
 */
function stopsEverything(error: unknown): boolean {
  if (error instanceof EmnifyAuthenticationError || error instanceof EmnifyConfigurationError) return true;
  if (error instanceof EmnifyQuotaExceededError) return true;
  if (error instanceof EmnifyApiError || error instanceof EmnifyNetworkError || error instanceof EmnifyResponseError) {
    return error.path === AUTHENTICATE_PATH;
  }
  return !(error instanceof EmnifyError);
}

async function fetchAll(api: BillingConfigApi, orgs: ListedOrganisation[], progress: Progress): Promise<Outcome[]> {
  let settled = 0;
  progress.update("Exporting", 0, orgs.length);
  return Promise.all(
    orgs.map(async (org): Promise<Outcome> => {
      try {
        const live = await api.get(org.id, EXPORT_OPERATION);
        return { ok: true, org: { ...org, live: live.values } };
      } catch (error) {
        return { ok: false, orgId: org.id, error };
      } finally {
        settled += 1;
        progress.update("Exporting", settled, orgs.length);
      }
    }),
  );
}

/** Runs the export; resolves to the exit status. Throws (exit 1) for failures that stop everything. */
export async function runExport(options: ExportOptions, io: CliIo): Promise<number> {
  const now = io.now ?? Date.now;
  const startedAt = now();
  const say = (line: string) => io.stderr.write(`${line}\n`);
  if (options.out !== undefined) checkWritable(options.out);
  const client = clientFromEnvironment(io.env, (line) => say(`emnify: ${line}`));
  const progress = new Progress(io.stderr);

  let orgs: ListedOrganisation[];
  if (options.selection.kind === "children") {
    progress.phase("Listing organisations…");
    try {
      const listed = await listChildOrganisations(client, (done, total) => progress.update("Listing organisations, page", done, total));
      orgs = listed.children;
      if (listed.leftOut !== undefined) {
        progress.clear();
        const { id, name } = listed.leftOut;
        say(
          `note: left out organisation ${id}${name === undefined ? "" : ` (${name})`}, which the list holds: ` +
            "it is the token's own organisation, and --children exports the organisations it manages",
        );
      }
    } finally {
      progress.clear();
    }
  } else {
    orgs = options.selection.orgIds.map((id) => ({ id }));
  }

  let outcomes: Outcome[];
  try {
    outcomes = await fetchAll(billingConfigApi(client), orgs, progress);
  } finally {
    progress.clear();
  }
  const fatal = outcomes.find((o): o is Extract<Outcome, { ok: false }> => !o.ok && stopsEverything(o.error));
  if (fatal !== undefined) throw fatal.error;
  const fetched = outcomes.flatMap((o) => (o.ok ? [o.org] : []));
  const failures = outcomes.flatMap((o) => (o.ok ? [] : [{ orgId: o.orgId, error: o.error as Error }]));
  const failedIds = failures.map((f) => f.orgId);

  const report = () => {
    for (const failure of failures) say(`error: ${failure.error.message}`);
  };
  if (fetched.length === 0 && failures.length > 0) {
    report();
    say(`error: none of the ${plural(orgs.length, "organisation", "organisations")} could be exported; nothing was written`);
    return 1;
  }

  const doc = buildDocument(fetched, options.includePaymentData);
  const header = headerLines(doc, reproducingCommand(options), failedIds, options.format === "ts" ? "program" : "file");
  const text = render(options.format, doc, header);
  const destination = options.out ?? "standard output";
  if (options.out !== undefined) writeFileAtomically(options.out, text, { private: options.includePaymentData });
  else io.stdout.write(text);

  if (options.selection.kind === "children" && orgs.length === 0) {
    say("warning: the token's organisation manages no organisations; the export lists none");
  }
  if (doc.includesPaymentData) {
    say(`warning: ${destination} contains payment details in plain text: do not commit it unencrypted`);
    if (doc.paymentDataLeftOut > 0) {
      // The API's GET shape of payment_data is undocumented; only an object can be declared back.
      say(
        `note: payment data held by ${plural(doc.paymentDataLeftOut, "organisation", "organisations")} is not a JSON object, ` +
          "so it is not written (a BillingConfig can declare only an object); it stays as emnify holds it",
      );
    }
  } else if (options.format === "json" && doc.paymentDataLeftOut > 0) {
    // JSON has no comments, so this is the only place that says it.
    say(
      `note: payment data (held by ${plural(doc.paymentDataLeftOut, "organisation", "organisations")}) is not written; ` +
        "export with --include-payment-data to write it",
    );
  }
  if (failures.length > 0) {
    report();
    say(
      `error: ${failures.length} of ${plural(orgs.length, "organisation", "organisations")} could not be exported (${failedIds.join(", ")}); ` +
        `the other ${fetched.length} ${fetched.length === 1 ? "was" : "were"} written to ${destination}`,
    );
    return 1;
  }
  if (progress.enabled) {
    const seconds = ((now() - startedAt) / 1000).toFixed(1);
    say(
      `Exported ${plural(fetched.length, "organisation", "organisations")} to ${destination} (${plural(client.stats.requests, "API call", "API calls")}, ${seconds} s)`,
    );
  }
  return 0;
}
