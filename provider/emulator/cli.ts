#!/usr/bin/env node
/**
 * Runs the emulator from a shell: `npm run emulator -- --port 8080`. Prints the URL, the demo
 * application token and the environment lines that point pulumi-emnify at it.
 */
import { parseArgs } from "node:util";
import { EmnifyEmulator } from "./server";
import {
  DEFAULT_JWT_LIFETIME_SECONDS,
  DEFAULT_MONTHLY_QUOTA,
  DEFAULT_ORGANISATION_PAGE_SIZE,
  DEFAULT_RATE_LIMIT,
  DEFAULT_RULE_VIOLATION_STATUS,
  DEMO_APPLICATION_TOKEN,
  DEMO_ORGANISATION_ID,
} from "./defaults";
import type { RateLimit } from "./types";

/** The command line's own defaults; the emulator's come from ./defaults. */
const DEFAULT_PORT = 0;
const DEFAULT_ORGS = 3;
const DEFAULT_LATENCY_MS = 0;

const USAGE = `Usage: node dist/provider/emulator/cli.js [options]

Starts an emnify API emulator on 127.0.0.1 until Ctrl+C (SIGINT) or SIGTERM.

Options:
  --port N                   port to listen on (default ${DEFAULT_PORT}: a free port)
  --orgs N                   child organisations of the demo organisation ${DEMO_ORGANISATION_ID}, ids ${DEMO_ORGANISATION_ID + 1}..N+${DEMO_ORGANISATION_ID} (default ${DEFAULT_ORGS})
  --rate-limit R/S | off     at most R requests per S seconds per client (default ${DEFAULT_RATE_LIMIT.requests}/${DEFAULT_RATE_LIMIT.windowSeconds})
  --latency-ms N             delay added to every response (default ${DEFAULT_LATENCY_MS})
  --jwt-lifetime-seconds N   lifetime of issued auth tokens (default ${DEFAULT_JWT_LIFETIME_SECONDS})
  --page-size D/M            organisation list: default and maximum page size (default ${DEFAULT_ORGANISATION_PAGE_SIZE.default}/${DEFAULT_ORGANISATION_PAGE_SIZE.maximum})
  --monthly-quota N | off    requests per organisation per month (default ${DEFAULT_MONTHLY_QUOTA})
  --rule-violation-status S  409 or 422 for a PATCH a rule refuses (default ${DEFAULT_RULE_VIOLATION_STATUS})
  --help                     show this help`;

interface CliOptions {
  port: number;
  orgs: number;
  rateLimit?: RateLimit | false;
  latencyMs: number;
  jwtLifetimeSeconds?: number;
  pageSize?: { default: number; maximum: number };
  monthlyQuota?: number | false;
  ruleViolationStatus?: 409 | 422;
}

class UsageError extends Error {}

/** An option that takes a value (parsed and checked in readCommandLine). */
const VALUE = { type: "string" } as const;

const OPTIONS = {
  port: VALUE,
  orgs: VALUE,
  "rate-limit": VALUE,
  "latency-ms": VALUE,
  "jwt-lifetime-seconds": VALUE,
  "page-size": VALUE,
  "monthly-quota": VALUE,
  "rule-violation-status": VALUE,
  help: { type: "boolean", short: "h" },
} as const;

/** Reads the command line; an option left out is left to the emulator's default (./defaults). */
function readCommandLine(argv: string[]): CliOptions | "help" {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>["values"];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }));
  } catch (error) {
    // node's own words: "Unknown option '--x'", "Option '--port <value>' argument missing".
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const flag = (name: keyof typeof OPTIONS) => `--${name}`;
  return {
    port: values.port === undefined ? DEFAULT_PORT : integer(flag("port"), values.port, 0, 65_535),
    orgs: values.orgs === undefined ? DEFAULT_ORGS : integer(flag("orgs"), values.orgs, 0, 10_000),
    rateLimit: values["rate-limit"] === undefined ? undefined : rateLimit(values["rate-limit"]),
    latencyMs: values["latency-ms"] === undefined ? DEFAULT_LATENCY_MS : integer(flag("latency-ms"), values["latency-ms"], 0, 600_000),
    jwtLifetimeSeconds:
      values["jwt-lifetime-seconds"] === undefined
        ? undefined
        : integer(flag("jwt-lifetime-seconds"), values["jwt-lifetime-seconds"], 1, 10 * 365 * 86_400),
    pageSize: values["page-size"] === undefined ? undefined : pageSize(values["page-size"]),
    monthlyQuota:
      values["monthly-quota"] === undefined
        ? undefined
        : values["monthly-quota"] === "off"
          ? false
          : integer(flag("monthly-quota"), values["monthly-quota"], 0, Number.MAX_SAFE_INTEGER),
    ruleViolationStatus: values["rule-violation-status"] === undefined ? undefined : ruleViolationStatus(values["rule-violation-status"]),
  };
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function rateLimit(value: string): RateLimit | false {
  if (value === "off") return false;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match || Number(match[2]) === 0) {
    throw new UsageError(`--rate-limit must look like 2000/300 or be "off", got "${value}"`);
  }
  return { requests: Number(match[1]), windowSeconds: Number(match[2]) };
}

function pageSize(value: string): { default: number; maximum: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < Number(match[1])) {
    throw new UsageError(`--page-size must look like 10/25 (default/maximum, 1 <= default <= maximum), got "${value}"`);
  }
  return { default: Number(match[1]), maximum: Number(match[2]) };
}

function ruleViolationStatus(value: string): 409 | 422 {
  if (value !== "409" && value !== "422") throw new UsageError(`--rule-violation-status must be 409 or 422, got "${value}"`);
  return Number(value) as 409 | 422;
}

async function main(): Promise<void> {
  let options: CliOptions | "help";
  try {
    options = readCommandLine(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  const childIds = Array.from({ length: options.orgs }, (_, i) => DEMO_ORGANISATION_ID + 1 + i);
  const emulator = await EmnifyEmulator.start({
    port: options.port,
    rateLimit: options.rateLimit,
    latencyMs: options.latencyMs,
    jwtLifetimeSeconds: options.jwtLifetimeSeconds,
    organisations: childIds.map((id) => ({ id })),
    organisationPageSize: options.pageSize,
    monthlyQuota: options.monthlyQuota,
    ruleViolationStatus: options.ruleViolationStatus,
  });

  process.stdout.write(
    [
      `emnify emulator listening on ${emulator.url}`,
      `demo application token: ${DEMO_APPLICATION_TOKEN} (organisation ${DEMO_ORGANISATION_ID})`,
      `child organisations: ${childIds.length > 0 ? childIds.join(", ") : "none"}`,
      "",
      "to point pulumi-emnify at it, run in another shell:",
      `export EMNIFY_API_URL=${emulator.url}`,
      `export EMNIFY_APPLICATION_TOKEN=${DEMO_APPLICATION_TOKEN}`,
      "",
    ].join("\n"),
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void emulator.stop().then(() => {
      process.stdout.write(`emnify emulator stopped (${signal})\n`);
      process.exit(0);
    });
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`emnify emulator failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
