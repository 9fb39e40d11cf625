/** Shared helpers for the emulator tests: plain HTTP calls with Node's global fetch. */
import assert from "node:assert/strict";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator, type EmulatorOptions } from "pulumi-emnify/emulator";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: unknown;
}

export interface CallOptions {
  jwt?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, for malformed bodies. */
  rawBody?: string;
  signal?: AbortSignal;
}

export async function call(emulator: EmnifyEmulator, method: string, path: string, options: CallOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (options.jwt !== undefined) headers.authorization = `Bearer ${options.jwt}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${emulator.url}${path}`, { method, headers, body, signal: options.signal });
  const text = await response.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** An answer is the API's error: its status and the documented body (`error_code`, `error_token`, `message`). */
export function assertApiError(answer: HttpAnswer, status: number, code: number, token: string, message: string): void {
  assert.equal(answer.status, status);
  assert.deepEqual(answer.json, { error_code: code, error_token: token, message });
}

export async function authenticate(emulator: EmnifyEmulator, token = DEMO_APPLICATION_TOKEN): Promise<string> {
  const answer = await call(emulator, "POST", "/api/v1/authenticate", { body: { application_token: token } });
  if (answer.status !== 200) throw new Error(`authenticate answered ${answer.status}: ${answer.text}`);
  return (answer.json as { auth_token: string }).auth_token;
}

export function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts an emulator for one test and stops it afterwards, even when the test fails. */
export function useEmulator(options: EmulatorOptions & { seed?: number } = {}): { readonly emulator: EmnifyEmulator } {
  const holder: { emulator?: EmnifyEmulator } = {};
  beforeEach(async () => {
    holder.emulator = await EmnifyEmulator.start(options);
  });
  afterEach(async () => {
    await holder.emulator?.stop();
  });
  return {
    get emulator() {
      if (!holder.emulator) throw new Error("the emulator is only available inside a test");
      return holder.emulator;
    },
  };
}

export const BILLING_CONFIG = (orgId: number) => `/api/v1/organisation/${orgId}/billing_config`;
