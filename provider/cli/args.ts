/**
 * The command line, read into a typed command or refused with a {@link UsageError}.
 *
 * node's `util.parseArgs` does the tokenizing; it runs non-strict so that every mistake can be
 * reported in this tool's own words (its strict messages suggest `-- "--foo"` for a typo), and the
 * checks below decide what is wrong.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";

export const PROGRAM = "pulumi-emnify";

export type OutputFormat = "yaml" | "json" | "ts" | "import";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["yaml", "json", "ts", "import"];

/** Which organisations to export. */
export type Selection = { kind: "orgs"; orgIds: number[] } | { kind: "children" };

export interface ExportOptions {
  selection: Selection;
  /** Absent: standard output. */
  out?: string;
  format: OutputFormat;
  /** Whether `--format` was given (the header's command repeats it only then). */
  formatGiven: boolean;
  includePaymentData: boolean;
}

export interface ShardsOptions {
  /** The organisations file. */
  file: string;
  /** The shard count the assignment is for. */
  count: number;
  /** With it: the organisations whose shard changes from `count` to `toCount`. */
  toCount?: number;
}

export interface ShardMoveCommandOptions {
  file: string;
  orgId: number;
  from: string;
  to: string;
}

export interface MigrateOptions {
  /** The `pulumi stack export` file; "-": standard input. */
  file: string;
  /** Absent: standard output. */
  out?: string;
}

export type HelpTopic = "main" | "export" | "shards" | "migrate-to-plugin";

export type Command =
  | { kind: "help"; topic: HelpTopic }
  | { kind: "version" }
  | { kind: "export"; options: ExportOptions }
  | { kind: "shards"; options: ShardsOptions }
  | { kind: "shard-move"; options: ShardMoveCommandOptions }
  | { kind: "migrate-to-plugin"; options: MigrateOptions };

/** A mistake on the command line: exit status 2, one line, and where to read the usage. */
export class UsageError extends Error {
  override name = "UsageError";
  /** The help command that explains the mistake, e.g. "pulumi-emnify export --help". */
  readonly helpCommand: string;
  constructor(message: string, topic: HelpTopic) {
    super(message);
    this.helpCommand = topic === "main" ? `${PROGRAM} --help` : `${PROGRAM} ${topic} --help`;
  }
}

const COMMANDS = ["export", "shards", "migrate-to-plugin", "help"];

// The options of each command, for node:util's parseArgs.
const TEXT = { type: "string" } as const;
const FLAG = { type: "boolean" } as const;
const HELP = { help: { type: "boolean", short: "h" } } as const;

const MIGRATE_OPTIONS = { out: TEXT, ...HELP } as const;
const EXPORT_OPTIONS = {
  org: { type: "string", multiple: true },
  children: FLAG,
  out: TEXT,
  format: TEXT,
  "include-payment-data": FLAG,
  ...HELP,
} as const;
const SHARDS_OPTIONS = { file: TEXT, count: TEXT, "to-count": TEXT, ...HELP } as const;
const SHARD_MOVE_OPTIONS = { file: TEXT, org: TEXT, from: TEXT, to: TEXT, ...HELP } as const;
const MAIN_OPTIONS = { ...HELP, version: FLAG } as const;

type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;

/** One option as given, with its value when it takes one. */
interface GivenOption {
  name: string;
  value?: string;
}

/**
 * Tokenizes `args` against `options` and refuses unknown options, missing or unexpected values and
 * stray positionals. Returns the options in the order given.
 */
function readOptions(args: string[], options: OptionSpec, topic: HelpTopic, positionals?: string[]): GivenOption[] {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const given: GivenOption[] = [];
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      if (positionals === undefined) throw new UsageError(`unexpected argument '${token.value}'`, topic);
      positionals.push(token.value);
      continue;
    }
    const spec = options[token.name];
    if (spec === undefined) throw new UsageError(`unknown option '${token.rawName}'`, topic);
    if (spec.type === "boolean") {
      if (token.value !== undefined) throw new UsageError(`option '${token.rawName}' takes no value`, topic);
      given.push({ name: token.name });
      continue;
    }
    // Non-strict parsing takes the next argument as the value even when it is another option
    // (`--org --children`); that is a missing value, not an organisation called "--children".
    if (token.value === undefined || token.value === "" || (!token.inlineValue && token.value.startsWith("--"))) {
      throw new UsageError(`option '${token.rawName}' needs a value`, topic);
    }
    given.push({ name: token.name, value: token.value });
  }
  return given;
}

/** The value of an option that may be given once, or undefined when it is not given. */
function singleValue(given: GivenOption[], name: string, topic: HelpTopic): string | undefined {
  const values = given.filter((o) => o.name === name);
  if (values.length > 1) throw new UsageError(`option '--${name}' is given ${values.length} times; give it once`, topic);
  return values[0]?.value;
}

/** Reads `--org` values: ids, repeated or comma-separated. */
function readOrgIds(values: string[]): number[] {
  const ids: number[] = [];
  for (const value of values) {
    for (const part of value.split(",")) {
      const text = part.trim();
      const id = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id <= 0) {
        throw new UsageError(`--org needs an organisation id (a positive whole number), got '${part}'`, "export");
      }
      // A repeated id is exported once: asking twice is not a mistake worth stopping for.
      if (!ids.includes(id)) ids.push(id);
    }
  }
  return ids.sort((a, b) => a - b);
}

/** The format `--out`'s extension implies, if it implies one. */
export function formatFromFileName(file: string): OutputFormat | undefined {
  switch (path.extname(file).toLowerCase()) {
    case ".yaml":
    case ".yml":
      return "yaml";
    case ".json":
      return "json";
    case ".ts":
      return "ts";
    default:
      return undefined;
  }
}

function readExport(args: string[]): Command {
  const given = readOptions(args, EXPORT_OPTIONS, "export");
  if (given.some((o) => o.name === "help")) return { kind: "help", topic: "export" };

  const single = (name: string) => singleValue(given, name, "export");
  const orgValues = given.filter((o) => o.name === "org").map((o) => o.value!);
  const children = given.some((o) => o.name === "children");
  if (orgValues.length > 0 && children) {
    throw new UsageError("--org and --children cannot be combined: export either the listed organisations or all children", "export");
  }
  if (orgValues.length === 0 && !children) {
    throw new UsageError("say which organisations to export: --org <id> (repeatable) or --children", "export");
  }
  const selection: Selection = children ? { kind: "children" } : { kind: "orgs", orgIds: readOrgIds(orgValues) };

  const rawOut = single("out");
  // "-" is the usual spelling of standard output.
  const out = rawOut === "-" ? undefined : rawOut;
  const rawFormat = single("format");
  let format: OutputFormat;
  if (rawFormat !== undefined) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(rawFormat)) {
      throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(", ")}, got '${rawFormat}'`, "export");
    }
    format = rawFormat as OutputFormat;
  } else {
    format = (out === undefined ? undefined : formatFromFileName(out)) ?? "yaml";
  }

  const includePaymentData = given.some((o) => o.name === "include-payment-data");
  if (includePaymentData && format === "import") {
    throw new UsageError(
      "--include-payment-data cannot be used with --format import: the import file holds resource names and ids only",
      "export",
    );
  }
  if (includePaymentData && format === "ts") {
    // A program is code that gets committed and shared; payment details do not belong in it.
    throw new UsageError(
      "--include-payment-data cannot be used with --format ts: a program must not hold payment details in plain text (export them as yaml or json)",
      "export",
    );
  }
  return { kind: "export", options: { selection, out, format, formatGiven: rawFormat !== undefined, includePaymentData } };
}

function readShardMove(args: string[]): Command {
  const given = readOptions(args, SHARD_MOVE_OPTIONS, "shards");
  if (given.some((o) => o.name === "help")) return { kind: "help", topic: "shards" };
  const required = (name: string, what: string): string => {
    const value = singleValue(given, name, "shards");
    if (value === undefined) throw new UsageError(`shards move needs --${name} <${what}>`, "shards");
    return value;
  };
  const file = required("file", "orgs.yaml");
  const orgText = required("org", "id");
  const orgId = Number(orgText);
  if (!/^\d+$/.test(orgText) || !Number.isSafeInteger(orgId) || orgId <= 0) {
    throw new UsageError(`--org needs an organisation id (a positive whole number), got '${orgText}'`, "shards");
  }
  return { kind: "shard-move", options: { file, orgId, from: required("from", "stack"), to: required("to", "stack") } };
}

function readShards(args: string[]): Command {
  if (args[0] === "move") return readShardMove(args.slice(1));
  const given = readOptions(args, SHARDS_OPTIONS, "shards");
  if (given.some((o) => o.name === "help")) return { kind: "help", topic: "shards" };
  const single = (name: string) => singleValue(given, name, "shards");
  const shardCount = (name: string, text: string): number => {
    const count = Number(text);
    if (!/^\d+$/.test(text) || count < 1 || count > 1000) {
      throw new UsageError(`--${name} needs a shard count (a whole number from 1 to 1000), got '${text}'`, "shards");
    }
    return count;
  };
  const file = single("file");
  if (file === undefined) throw new UsageError("say which organisations file: --file <orgs.yaml>", "shards");
  const countText = single("count");
  if (countText === undefined) throw new UsageError("say how many shards: --count <n>", "shards");
  const toCountText = single("to-count");
  return {
    kind: "shards",
    options: {
      file,
      count: shardCount("count", countText),
      ...(toCountText === undefined ? {} : { toCount: shardCount("to-count", toCountText) }),
    },
  };
}

function readMigrate(args: string[]): Command {
  const positionals: string[] = [];
  const given = readOptions(args, MIGRATE_OPTIONS, "migrate-to-plugin", positionals);
  if (given.some((o) => o.name === "help")) return { kind: "help", topic: "migrate-to-plugin" };
  if (positionals.length === 0) {
    throw new UsageError("say which state to migrate: the file `pulumi stack export --file <file>` wrote", "migrate-to-plugin");
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, "migrate-to-plugin");
  const rawOut = singleValue(given, "out", "migrate-to-plugin");
  const out = rawOut === "-" ? undefined : rawOut;
  if (out !== undefined && path.resolve(out) === path.resolve(positionals[0])) {
    // The old export is the backup: never write over it.
    throw new UsageError("--out must not be the input file: keep the old export as the backup", "migrate-to-plugin");
  }
  return { kind: "migrate-to-plugin", options: { file: positionals[0], out } };
}

/** Reads the whole command line (without `node` and the script). */
export function parseCommandLine(argv: string[]): Command {
  const commandIndex = argv.findIndex((arg) => !arg.startsWith("-"));
  const before = commandIndex < 0 ? argv : argv.slice(0, commandIndex);
  const global = readOptions(before, MAIN_OPTIONS, "main");
  if (global.some((o) => o.name === "help")) return { kind: "help", topic: "main" };
  if (global.some((o) => o.name === "version")) return { kind: "version" };
  if (commandIndex < 0) throw new UsageError(`missing command (available: ${COMMANDS.join(", ")})`, "main");

  const command = argv[commandIndex];
  const rest = argv.slice(commandIndex + 1);
  switch (command) {
    case "export":
      return readExport(rest);
    case "shards":
      return readShards(rest);
    case "migrate-to-plugin":
      return readMigrate(rest);
    case "help": {
      // `pulumi-emnify help export`, as git and npm allow.
      if (rest.length === 0) return { kind: "help", topic: "main" };
      if (rest.length === 1 && (rest[0] === "export" || rest[0] === "shards" || rest[0] === "migrate-to-plugin"))
        return { kind: "help", topic: rest[0] };
      throw new UsageError(`no help for '${rest.join(" ")}' (available: export, shards, migrate-to-plugin)`, "main");
    }
    default:
      throw new UsageError(`unknown command '${command}' (available: ${COMMANDS.join(", ")})`, "main");
  }
}
