/**
 * The help texts, in the shape of well-known CLIs (git, npm, kubectl): a usage line, what the
 * command does, options, environment, examples. Defaults come from the settings module, so the
 * text cannot drift from what the tool does.
 */
import { DEFAULT_RETRY_POLICY } from "../client/retry";
import { DEFAULT_ENDPOINT, DEFAULT_RATE_LIMIT, DEFAULT_TIMEOUT_SECONDS, SETTINGS } from "../config/settings";
import { PROGRAM } from "./args";

const ENVIRONMENT = [
  "Environment:",
  `  ${SETTINGS.applicationToken.env.padEnd(26)}the emnify application token (required)`,
  `  ${SETTINGS.endpoint.env.padEnd(26)}the API endpoint (default ${DEFAULT_ENDPOINT})`,
  `  ${SETTINGS.timeoutSeconds.env.padEnd(26)}limit for each request, in seconds (default ${DEFAULT_TIMEOUT_SECONDS})`,
  `  ${SETTINGS.rateLimit.env.padEnd(26)}requests allowed per window, <requests>/<seconds> (default ${DEFAULT_RATE_LIMIT})`,
  `  ${SETTINGS.maxAttempts.env.padEnd(26)}attempts per request when the API fails transiently (default ${DEFAULT_RETRY_POLICY.maxAttempts})`,
];

export function mainHelp(): string {
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    "",
    "Tools for the pulumi-emnify package: emnify organisation billing settings as Pulumi resources.",
    "",
    "Commands:",
    "  export             write the live billing settings of organisations as an organisations file",
    "  shards             show which shard (stack) declares each organisation of a file, or which change shard",
    "  migrate-to-plugin  rewrite a stack's exported state from the dynamic BillingConfig to the plugin",
    "  help               show the help of a command",
    "",
    "Options:",
    "  -h, --help         show this help",
    "  --version          show the version",
    "",
    ...ENVIRONMENT,
    "",
    "Examples:",
    `  ${PROGRAM} export --children --out orgs.yaml`,
    `  ${PROGRAM} export --help`,
    `  ${PROGRAM} shards --file orgs.yaml --count 3 --to-count 4`,
    "",
    `Run '${PROGRAM} <command> --help' for the options of a command.`,
    "",
  ].join("\n");
}

export function exportHelp(): string {
  return [
    `Usage: ${PROGRAM} export (--org <id>... | --children) [options]`,
    "",
    "Write the live billing settings of emnify organisations as the organisations file that the",
    "multi-org example reads. A program declaring exactly these values adopts every organisation",
    "on its first `pulumi up` without changing anything.",
    "",
    "Organisations (one of):",
    "  --org <id>               an organisation id; repeat the option or separate ids with commas",
    "  --children               every organisation the token's organisation manages (its own left out)",
    "",
    "Options:",
    "  --out <file>             write to <file> instead of standard output",
    "  --format <format>        yaml, json, ts (a ready Pulumi program in TypeScript) or import",
    "                           (Pulumi's bulk import file for the provider plugin: pulumi import --file);",
    "                           default: from the extension of --out, otherwise yaml",
    "  --include-payment-data   also write payment details, in plain text (a warning says so)",
    "  -h, --help               show this help",
    "",
    "Values shared by more than half of the organisations are written once, under 'defaults';",
    "fields the API holds nothing for are left out, so adopting never touches them.",
    "",
    ...ENVIRONMENT,
    "",
    "Examples:",
    "  # Every child organisation, as the multi-org example's file",
    `  ${PROGRAM} export --children --out orgs.yaml`,
    "",
    "  # Two organisations, printed as JSON",
    `  ${PROGRAM} export --org 101 --org 102 --format json`,
    "",
    "  # A Pulumi program declaring every child organisation",
    `  ${PROGRAM} export --children --out index.ts`,
    "",
    "Exit status: 0 when every organisation was exported; 1 when the API or an organisation failed",
    "(those that succeeded are still written); 2 when the command line is wrong.",
    "",
  ].join("\n");
}

export function shardsHelp(): string {
  return [
    `Usage: ${PROGRAM} shards --file <orgs.yaml> --count <n> [--to-count <m>]`,
    `       ${PROGRAM} shards move --file <orgs.yaml> --org <id> --from <stack> --to <stack>`,
    "",
    "Show which shard declares each organisation when an organisations file is spread over <n>",
    "stacks (examples/sharded): the entry's own 'shard', else one picked from its id. With",
    "--to-count, list only the organisations whose shard changes when the count goes from <n> to",
    "<m>: before changing the count, pin each of them ('shard: <from>') or move its resources with",
    "`pulumi state move`. Reads only the file: no API call, no token needed.",
    "",
    "'shards move', run in the project's directory with the Pulumi CLI on PATH, moves one",
    "organisation to another shard: first its resources (its BillingConfig and its record of",
    "originals) with `pulumi state move --source <from> --dest <to>`, then 'shard: <n>' in its",
    "entry, <n> being the number the --to stack's name ends with. No API call: nothing is",
    "restored or adopted again. Run it while no shard is running.",
    "",
    "Options:",
    "  --file <file>            the organisations file",
    "  --count <n>              the shard count now",
    "  --to-count <m>           the shard count to compare with",
    "  --org <id>               (move) the organisation to move",
    "  --from, --to <stack>     (move) its shard's stack now, and the one to move it to",
    "  -h, --help               show this help",
    "",
    "Examples:",
    `  ${PROGRAM} shards --file orgs.yaml --count 3`,
    `  ${PROGRAM} shards --file orgs.yaml --count 3 --to-count 4`,
    `  ${PROGRAM} shards move --file orgs.yaml --org 42 --from shard-1 --to shard-2`,
    "",
    "Exit status: 0 when the file was read (and the move done); 1 when the file is wrong, pins an",
    "organisation to a shard the count does not have, or a step of the move failed; 2 when the",
    "command line is wrong.",
    "",
  ].join("\n");
}

export function migrateHelp(): string {
  return [
    `Usage: ${PROGRAM} migrate-to-plugin <export.json> [--out <file>]`,
    "",
    "Rewrite a stack's state, as `pulumi stack export` wrote it, so that its dynamic BillingConfigs",
    "(pulumi-nodejs:dynamic/emnify:BillingConfig) and records of originals become the provider",
    "plugin's (emnify:index:BillingConfig, emnify:index:BillingOriginals) under the default emnify",
    "provider. Nothing is replaced, restored or called: the organisations stay as they are. Secrets",
    "stay encrypted. A state it does not understand is refused and nothing is written.",
    "",
    "Options:",
    "  --out <file>   write to <file> (readable by the owner only) instead of standard output",
    "  -h, --help     show this help",
    "",
    "Example (README: Moving a stack from the dynamic resource to the plugin):",
    "  pulumi stack export --file old.json",
    `  ${PROGRAM} migrate-to-plugin old.json --out new.json`,
    "  pulumi stack import --file new.json",
    "  # switch the program to pulumi-emnify/plugin (or another language), then",
    "  pulumi preview --expect-no-changes",
    "",
    "Exit status: 0 when the new state was written; 1 when the state was refused or a file could",
    "not be read or written; 2 when the command line is wrong.",
    "",
  ].join("\n");
}
