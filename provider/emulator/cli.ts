#!/usr/bin/env node
/**
 * Runs the emulator from a shell: `npm run emulator -- --port 8080`. Prints the URL, the demo
 * application token and the environment lines that point pulumi-emnify at it.
 */
import { EmnifyEmulator } from "./server";
import { DEMO_APPLICATION_TOKEN, DEMO_ORGANISATION_ID } from "./defaults";
import type { RateLimit } from "./types";

const USAGE = `Usage: node dist/provider/emulator/cli.js [options]

Starts an emnify API emulator on 127.0.0.1 until Ctrl+C (SIGINT) or SIGTERM.

Options:
  --port N                   port to listen on (default 0: a free port)
  --orgs N                   child organisations of the demo organisation 1, ids 2..N+1 (default 3)
  --rate-limit R/S | off     at most R requests per S seconds per client (default 2000/300)
  --latency-ms N             delay added to every response (default 0)
  --jwt-lifetime-seconds N   lifetime of issued auth tokens (default 14400)
  --page-size D/M            organisation list: default and maximum page size (default 10/25)
  --monthly-quota N | off    requests per organisation per month (default 10000000)
  --rule-violation-status S  409 or 422 for a PATCH a rule refuses (default 409)
  --help                     show this help`;

interface CliOptions {
  port: number;
  orgs: number;
  rateLimit: RateLimit | false;
  latencyMs: number;
  jwtLifetimeSeconds: number;
  pageSize?: { default: number; maximum: number };
  monthlyQuota?: number | false;
  ruleViolationStatus?: 409 | 422;
}

class UsageError extends Error {}

const VALUE_FLAGS = new Set(["--port", "--orgs", "--rate-limit", "--latency-ms", "--jwt-lifetime-seconds", "--page-size", "--monthly-quota", "--rule-violation-status"]);

function parseArgs(argv: string[]): CliOptions | "help" {
  const options: CliOptions = {
    port: 0,
    orgs: 3,
    rateLimit: { requests: 2000, windowSeconds: 300 },
    latencyMs: 0,
    jwtLifetimeSeconds: 14_400,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === "--help" || flag === "-h") return "help";
    if (!VALUE_FLAGS.has(flag)) throw new UsageError(`unknown option ${flag}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    switch (flag) {
      case "--port":
        options.port = integer(flag, value, 0, 65_535);
        break;
      case "--orgs":
        options.orgs = integer(flag, value, 0, 10_000);
        break;
      case "--rate-limit":
        options.rateLimit = rateLimit(value);
        break;
      case "--latency-ms":
        options.latencyMs = integer(flag, value, 0, 600_000);
        break;
      case "--jwt-lifetime-seconds":
        options.jwtLifetimeSeconds = integer(flag, value, 1, 10 * 365 * 86_400);
        break;
      case "--page-size": {
        const match = /^(\d+)\/(\d+)$/.exec(value);
        if (!match || Number(match[1]) < 1 || Number(match[2]) < Number(match[1])) {
          throw new UsageError(`--page-size must look like 10/25 (default/maximum, 1 <= default <= maximum), got "${value}"`);
        }
        options.pageSize = { default: Number(match[1]), maximum: Number(match[2]) };
        break;
      }
      case "--monthly-quota":
        options.monthlyQuota = value === "off" ? false : integer(flag, value, 0, Number.MAX_SAFE_INTEGER);
        break;
      case "--rule-violation-status":
        if (value !== "409" && value !== "422") throw new UsageError(`--rule-violation-status must be 409 or 422, got "${value}"`);
        options.ruleViolationStatus = Number(value) as 409 | 422;
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return options;
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

async function main(): Promise<void> {
  let options: CliOptions | "help";
  try {
    options = parseArgs(process.argv.slice(2));
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
