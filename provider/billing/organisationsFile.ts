/**
 * The declarative file that lists many organisations and their billing settings: read by the
 * multi-org example (one BillingConfig per entry) and written by `pulumi-emnify export`.
 *
 * ```yaml
 * defaults:                 # optional: applied to every organisation that does not set the field
 *   chargingModel: { id: 1 }
 *   restoreOnDelete: true
 * orgs:
 *   - id: 101
 *     name: acme            # optional: the Pulumi resource name (default "org-101")
 *     shard: 2              # optional: the stack that declares it when the file is sharded (./shards.ts)
 *     vatin: DE123456789
 * ```
 *
 * Every entry is validated with the same rules as the resource's `check`, so a bad file fails
 * before any API call, with the file, the entry and the field: `orgs.yaml: orgs[3] (id 4711):
 * vatRate.id must be a number, got the string "1"`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { FIELD_NAMES } from "./fields";
import { CheckedInputs, checkInputs } from "./inputChecks";

/** One organisation of the file, with the defaults applied and every value checked. */
export interface OrganisationEntry {
  /** The Pulumi resource name. */
  name: string;
  /** Checked BillingConfig arguments, ready for `new BillingConfig(name, args)`. */
  args: CheckedInputs;
  /** The shard the file pins this organisation to, when the file is spread over stacks (./shards.ts). */
  shard?: number;
}

/** The file's shape before validation, as written by `export`. */
export interface OrganisationsDocument {
  defaults?: Record<string, unknown>;
  orgs: Array<Record<string, unknown> & { id: number; name?: string; shard?: number }>;
}

export class OrganisationsFileError extends Error {
  override name = "OrganisationsFileError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

const DEFAULTABLE = [...FIELD_NAMES, "restoreOnDelete"];
/** What the file accepts as a resource name (the export makes names that match it). */
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Parses YAML or JSON text (JSON is YAML) into entries, or throws every problem at once. */
/** An entry's id as the file wrote it, for messages: a scalar as is, anything else as JSON. */
function idText(id: unknown): string {
  if (typeof id === "number" || typeof id === "string" || typeof id === "boolean") return String(id);
  return JSON.stringify(id) ?? typeof id;
}

export function parseOrganisationsFile(text: string, fileName: string): OrganisationEntry[] {
  const file = path.basename(fileName);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    throw new OrganisationsFileError(
      doc.errors.map((e) => {
        const at = lineCounter.linePos(e.pos[0]);
        return `${file}:${at.line}:${at.col}: ${e.message.split("\n")[0]}`;
      }),
    );
  }
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isRecord(root)) throw new OrganisationsFileError([`${file}: must be a mapping with an 'orgs' list`]);

  const problems: string[] = [];
  for (const key of Object.keys(root)) {
    if (key !== "defaults" && key !== "orgs") problems.push(`${file}: '${key}' is not expected (only 'defaults' and 'orgs')`);
  }
  const defaults = checkDefaults(root.defaults ?? {}, file, problems);
  if (!Array.isArray(root.orgs)) {
    problems.push(`${file}: orgs must be a list of organisations`);
    throw new OrganisationsFileError(problems);
  }

  const entries: OrganisationEntry[] = [];
  const seenIds = new Map<number, number>();
  const seenNames = new Map<string, number>();
  root.orgs.forEach((raw: unknown, index: number) => {
    const where = isRecord(raw) && raw.id !== undefined ? `orgs[${index}] (id ${idText(raw.id).slice(0, 20)})` : `orgs[${index}]`;
    if (!isRecord(raw)) {
      problems.push(`${file}: ${where}: must be a mapping with at least an id`);
      return;
    }
    const { id, name, shard, ...settings } = raw;
    if (shard !== undefined && (typeof shard !== "number" || !Number.isInteger(shard) || shard < 0 || shard > 999)) {
      problems.push(`${file}: ${where}: shard must be a whole number from 0 to 999, got ${JSON.stringify(shard)}`);
    }
    const merged = { ...defaults, ...settings, orgId: id };
    const { inputs, failures } = checkInputs(merged);
    for (const failure of failures) {
      // The file says `id` where the resource says `orgId`.
      const property = failure.property === "orgId" ? "id" : failure.property;
      problems.push(`${file}: ${where}: ${property} ${failure.reason}`);
    }
    const resourceName = name === undefined ? `org-${String(id)}` : name;
    if (typeof resourceName !== "string" || !RESOURCE_NAME_PATTERN.test(resourceName)) {
      problems.push(`${file}: ${where}: name must be letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
    }
    if (failures.length > 0) return;
    const orgId = inputs.orgId;
    const firstWithId = seenIds.get(orgId);
    if (firstWithId !== undefined) {
      problems.push(`${file}: ${where}: id ${orgId} is listed twice (also orgs[${firstWithId}])`);
      return;
    }
    seenIds.set(orgId, index);
    if (typeof resourceName === "string") {
      const firstWithName = seenNames.get(resourceName);
      if (firstWithName !== undefined) problems.push(`${file}: ${where}: name ${resourceName} is used twice (also orgs[${firstWithName}])`);
      else seenNames.set(resourceName, index);
    }
    entries.push({
      name: typeof resourceName === "string" ? resourceName : JSON.stringify(resourceName),
      args: inputs,
      ...(typeof shard === "number" ? { shard } : {}),
    });
  });
  if (problems.length > 0) throw new OrganisationsFileError(problems);
  return entries;
}

/** Checks the defaults once (not again for every organisation) and returns the valid ones. */
function checkDefaults(defaults: unknown, file: string, problems: string[]): Record<string, unknown> {
  if (!isRecord(defaults)) {
    problems.push(`${file}: defaults must be a mapping of billing settings`);
    return {};
  }
  const valid: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (!DEFAULTABLE.includes(key)) {
      problems.push(`${file}: defaults: '${key}' cannot have a default (allowed: ${DEFAULTABLE.join(", ")})`);
      continue;
    }
    const { failures } = checkInputs({ orgId: 1, [key]: value });
    if (failures.length === 0) valid[key] = value;
    for (const failure of failures) problems.push(`${file}: defaults: ${failure.property} ${failure.reason}`);
  }
  return valid;
}

/** Reads and parses a file; a missing file is one readable problem too. */
export function loadOrganisationsFile(filePath: string): OrganisationEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (error) {
    throw new OrganisationsFileError([`${filePath}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
  }
  return parseOrganisationsFile(text, filePath);
}
