/**
 * One HTTP exchange with the emnify API, and nothing else: no retries, no auth decisions.
 *
 * The answer comes back as data (status, headers, raw text) whatever the status, and a failure to
 * get an answer comes back as a scrubbed description. Nothing axios creates leaves this file: its
 * error objects carry the request config, headers included, and so the bearer token.
 */

import http from "node:http";
import https from "node:https";
import axios from "axios";
import { scrubCause } from "./errors";

/**
 * Shared by every client of the process: keep-alive saves a TCP and TLS handshake per request,
 * which matters when a hundred resources talk to the same host. Idle pooled sockets are unref'd by
 * Node, so they never keep the process alive.
 */
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

export interface Exchange {
  method: "GET" | "PATCH" | "POST" | "DELETE";
  url: string;
  body?: unknown;
  /** The value of the Authorization header, if any. */
  authorization?: string;
  userAgent: string;
  timeoutMs: number;
}

export type ExchangeOutcome =
  | {
      kind: "answer";
      status: number;
      retryAfter?: string;
      body: string;
      /** Response headers with string values, names in lower case (paging reads X-Total-Pages etc.). */
      headers: Record<string, string>;
    }
  | { kind: "no-answer"; code?: string; reason: string; timedOut: boolean; cause?: Error };

/** "https://h/" + "/api/v1/x" => "https://h/api/v1/x": exactly one slash at the join. */
export function joinUrl(endpoint: string, path: string): string {
  return `${endpoint.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

export async function exchange(req: Exchange): Promise<ExchangeOutcome> {
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": req.userAgent };
  if (req.authorization !== undefined) headers.Authorization = req.authorization;
  let data: string | undefined;
  if (req.body !== undefined) {
    data = JSON.stringify(req.body);
    headers["Content-Type"] = "application/json";
  }
  // axios's `timeout` is a socket inactivity timer: a server that trickles a byte now and then
  // never trips it. This deadline bounds the whole attempt, body included.
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, req.timeoutMs);
  try {
    const response = await axios.request<string>({
      method: req.method,
      url: req.url,
      data,
      headers,
      timeout: req.timeoutMs,
      signal: deadline.signal,
      // Every status is an answer to classify, not an exception to unpick.
      validateStatus: () => true,
      // Keep the raw text: JSON is parsed by the caller, which must notice a malformed body.
      responseType: "text",
      transformResponse: [(raw: unknown) => raw],
      // The API does not redirect; following one would send the body (and, to the same host, the
      // credentials) somewhere nobody configured.
      maxRedirects: 0,
      httpAgent,
      httpsAgent,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
    });
    const retryAfter: unknown = response.headers["retry-after"];
    const answerHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers as Record<string, unknown>)) {
      if (typeof value === "string") answerHeaders[name.toLowerCase()] = value;
    }
    return {
      kind: "answer",
      status: response.status,
      retryAfter: typeof retryAfter === "string" ? retryAfter : undefined,
      body: typeof response.data === "string" ? response.data : "",
      headers: answerHeaders,
    };
  } catch (error) {
    const source = error as { code?: unknown; message?: unknown };
    const code = typeof source.code === "string" ? source.code : undefined;
    // Node 20 reports a refused connection to a name with several addresses as an AggregateError
    // with an empty message: fall back to the code.
    const message = (typeof source.message === "string" && source.message) || code || "the connection failed";
    if (timedOut || code === "ETIMEDOUT" || /timeout of \d+ms exceeded/.test(message)) {
      return {
        kind: "no-answer",
        code: "ETIMEDOUT",
        reason: `no complete answer within ${req.timeoutMs} ms`,
        timedOut: true,
        cause: scrubCause(error),
      };
    }
    return { kind: "no-answer", code, reason: message, timedOut: false, cause: scrubCause(error) };
  } finally {
    clearTimeout(timer);
  }
}
