/**
 * Defensive reading of emnify error bodies.
 *
 * Seen in practice: the documented `{error_code, error_token, message, errors?}`, validation errors
 * whose `errors[]` entries vary, gateway answers that are only `{"message": "..."}`, empty bodies
 * (a rejected authenticate) and HTML or plain text from proxies. None of these may turn into a
 * parse failure that hides the HTTP status: whatever is readable is kept, the rest ignored.
 */

import { z } from "zod";
import type { ApiErrorDetail } from "./errors";
import { oneLine } from "./errors";

export interface ParsedErrorBody {
  errorCode?: number;
  errorToken?: string;
  message?: string;
  details: ApiErrorDetail[];
}

/** Longest excerpt of a non-JSON body that goes into a message. */
const MAX_TEXT_EXCERPT = 200;

/** A number, or a string holding one (some emnify bodies quote their ids and codes). */
const code = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const text = z.string();

/** Each field is read on its own, so one odd field does not discard the others. */
function pick<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

function readDetail(entry: unknown): ApiErrorDetail | undefined {
  if (typeof entry === "string") return entry.trim() ? { message: entry } : undefined;
  if (typeof entry !== "object" || entry === null) return undefined;
  const record = entry as Record<string, unknown>;
  const detail: ApiErrorDetail = {
    errorCode: pick(code, record.error_code),
    errorToken: pick(text, record.error_token),
    message: pick(text, record.message),
    // The field name is not documented; these are the spellings validation APIs commonly use.
    field: pick(text, record.field) ?? pick(text, record.property) ?? pick(text, record.path),
  };
  const present = Object.fromEntries(Object.entries(detail).filter(([, v]) => v !== undefined)) as ApiErrorDetail;
  return Object.keys(present).length > 0 ? present : undefined;
}

export function parseErrorBody(body: string): ParsedErrorBody {
  const trimmed = body.trim();
  if (trimmed === "") return { details: [] };
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { message: excerpt(trimmed), details: [] };
  }
  if (typeof json === "string") return { message: excerpt(json), details: [] };
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { details: [] };
  const record = json as Record<string, unknown>;
  const details = Array.isArray(record.errors) ? record.errors.map(readDetail).filter((d): d is ApiErrorDetail => d !== undefined) : [];
  const parsed: ParsedErrorBody = { details };
  const errorCode = pick(code, record.error_code);
  const errorToken = pick(text, record.error_token);
  // Gateways (AWS API Gateway in front of emnify) say "Message" or "message".
  const message = pick(text, record.message) ?? pick(text, record.Message);
  if (errorCode !== undefined) parsed.errorCode = errorCode;
  if (errorToken !== undefined && errorToken.trim() !== "") parsed.errorToken = errorToken.trim();
  if (message !== undefined && message.trim() !== "") parsed.message = message;
  return parsed;
}

/** One line of readable text from an HTML or plain-text body, shortened. */
function excerpt(raw: string): string | undefined {
  const readable = oneLine(raw.replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " "));
  if (readable === "") return undefined;
  return readable.length > MAX_TEXT_EXCERPT ? `${readable.slice(0, MAX_TEXT_EXCERPT - 1)}…` : readable;
}
