/**
 * Command-line options of `npm run bench`, and the rate limit they stand for.
 *
 * The limit: emnify allows 2,000 requests per source IP per rolling 300 s (6.67/s). `--rate-scale F`
 * multiplies that RATE by F so that a run fits in minutes, and `--window-seconds W` sets the length
 * of the sliding window that enforces it: W × 6.67 × F requests per W seconds. With the defaults
 * (F = 10, W = 3) that is "200/3", 66.7 requests per second.
 *
 * Why not simply "2,000 per 300/F s" (emnify's window compressed F times)? That window holds 2,000
 * requests, more than every phase but create needs at 1,000 organisations, so those phases would
 * burst through unpaced and the limit would bind on one phase only. A short window keeps the limit
 * binding on every phase that makes calls. The price: the pacer holds a request's slot until it
 * has finished (see provider/client/pacer.ts), which costs latency ÷ window of throughput, 1.7% at
 * 50 ms ÷ 3 s against 0.02% at emnify's 300 s; the report states it.
 */

/** The rate-limit scenarios (./limitScenarios.ts). */
export const LIMIT_SCENARIOS = ["undisclosed-40", "path-8", "tightening", "two-processes"] as const;
export type LimitScenarioName = (typeof LIMIT_SCENARIOS)[number];

export interface BenchOptions {
  orgs: number;
  latencyMs: number;
  rateScale: number;
  windowSeconds: number;
  /** Provider calls in flight at once, like `pulumi up --parallel`; undefined = unbounded (Pulumi's default). */
  parallel?: number;
  /** Where the table goes; undefined with --no-write. */
  out?: string;
  /** Rate-limit scenarios to run instead of the five phases (see ./limitScenarios.ts). */
  scenarios?: LimitScenarioName[];
}

/** emnify's documented limits. */
export const EMNIFY_LIMIT = { requests: 2000, windowSeconds: 300 } as const;
export const EMNIFY_AUTH_LIMIT = { requests: 100, windowSeconds: 300 } as const;

export const DEFAULTS = { orgs: 1000, latencyMs: 50, rateScale: 10, windowSeconds: 3 } as const;

export const USAGE = `Usage: npm run bench -- [options]

Drives N organisations through Pulumi's dynamic-provider host against the bundled emnify
emulator (create, unchanged run, update 10%, refresh, delete) and writes the table to BENCHMARKS.md.

Options:
  --orgs N              organisations (default ${DEFAULTS.orgs})
  --latency-ms MS       latency the emulator adds to every answer (default ${DEFAULTS.latencyMs})
  --rate-scale F        allowed rate = F × emnify's 2,000 per 300 s (default ${DEFAULTS.rateScale})
  --window-seconds W    sliding window that enforces it (default ${DEFAULTS.windowSeconds})
  --parallel N          at most N provider calls at once, like \`pulumi up --parallel N\`
                        (default: unbounded, as Pulumi's)
  --scenario NAME       instead of the five phases, a rate-limit scenario: ${LIMIT_SCENARIOS.join(", ")},
                        or "limits" for all four (repeatable; 30 ms latency, own settings)
  --out FILE            where to write the table (default BENCHMARKS.md in the repository)
  --no-write            print only
  -h, --help            this text
`;

export class UsageError extends Error {
  override name = "UsageError";
}

function positive(flag: string, raw: string | undefined, integer: boolean, allowZero = false): number {
  const value = Number(raw);
  if (raw === undefined || raw.trim() === "" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} needs a ${allowZero ? "non-negative" : "positive"} ${integer ? "whole " : ""}number, got ${JSON.stringify(raw ?? "")}`);
  }
  return value;
}

/** Parses argv (without node and the script); returns "help" for -h/--help. */
export function parseBenchArgs(argv: string[], defaultOut: string): BenchOptions | "help" {
  const options: BenchOptions = { ...DEFAULTS, out: defaultOut };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "-h":
      case "--help":
        return "help";
      case "--orgs":
        options.orgs = positive(flag, value(), true);
        break;
      case "--latency-ms":
        options.latencyMs = positive(flag, value(), false, true);
        break;
      case "--rate-scale":
        options.rateScale = positive(flag, value(), false);
        break;
      case "--window-seconds":
        options.windowSeconds = positive(flag, value(), false);
        break;
      case "--parallel":
        options.parallel = positive(flag, value(), true);
        break;
      case "--out":
        options.out = value();
        if (!options.out) throw new UsageError("--out needs a file name");
        break;
      case "--scenario": {
        const name = value();
        const names = name === "limits" ? [...LIMIT_SCENARIOS] : [name as LimitScenarioName];
        if (!names.every((n) => (LIMIT_SCENARIOS as readonly string[]).includes(n))) {
          throw new UsageError(`--scenario must be one of ${LIMIT_SCENARIOS.join(", ")} or limits, got ${JSON.stringify(name ?? "")}`);
        }
        options.scenarios = [...(options.scenarios ?? []), ...names];
        break;
      }
      case "--no-write":
        options.out = undefined;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return options;
}

/** The scaled limit: requests per window, for the emulator and for `emnify:rateLimit`. */
export function scaledLimit(
  limit: { requests: number; windowSeconds: number },
  options: Pick<BenchOptions, "rateScale" | "windowSeconds">,
): { requests: number; windowSeconds: number; perSecond: number; setting: string } {
  const perSecond = (limit.requests / limit.windowSeconds) * options.rateScale;
  const requests = Math.max(1, Math.round(perSecond * options.windowSeconds));
  return {
    requests,
    windowSeconds: options.windowSeconds,
    perSecond: requests / options.windowSeconds,
    setting: `${requests}/${options.windowSeconds}`,
  };
}
