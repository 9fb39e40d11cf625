/**
 * Turns zod validation issues into one line of plain words: "charging_model.id: expected number,
 * received string; vatin: required".
 *
 * Only paths and zod's reasons are used, never the values: a response body can be large, and
 * dumping it into an error message would bury the point (and could carry data nobody asked to log).
 */

import type { z } from "zod";

const MAX_LISTED = 5;

export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, MAX_LISTED).map((issue) => `${formatPath(issue.path)}: ${reason(issue)}`);
  const more = error.issues.length - MAX_LISTED;
  if (more > 0) parts.push(`and ${more} more problem${more === 1 ? "" : "s"}`);
  return parts.join("; ");
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(whole body)";
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function reason(issue: z.core.$ZodIssue): string {
  // zod says "Invalid input: expected number, received undefined" for a missing field.
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) return "missing";
  return issue.message.replace(/^Invalid input: /, "");
}
