/** What the client's HTTP tests share: a client that waits for nothing but the emulator. */
import assert from "node:assert/strict";
import { EmnifyClient, type EmnifyClientOptions } from "../../provider/client/emnifyClient";
import { RequestPacer } from "../../provider/client/pacer";
import { DEMO_APPLICATION_TOKEN } from "../../provider/emulator";

export const BILLING_101 = "/api/v1/organisation/101/billing_config";
export const read101 = { method: "GET", path: BILLING_101, operation: "reading billing config", orgId: 101 } as const;

/** A client with its own generous pacer and short backoffs, so that tests wait for nothing else. */
export function clientFor(target: { url: string } | string, options: Partial<EmnifyClientOptions> = {}): EmnifyClient {
  return new EmnifyClient({
    endpoint: typeof target === "string" ? target : target.url,
    applicationToken: DEMO_APPLICATION_TOKEN,
    pacer: new RequestPacer({ requests: 10_000, windowMs: 1000, maxConcurrency: 8 }),
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    ...options,
  });
}

/** The error a request fails with: of class `type`, saying exactly `message`. */
export async function failure<E extends Error>(request: Promise<unknown>, type: new (...args: never[]) => E, message: string): Promise<E> {
  const error: unknown = await request.then(
    () => assert.fail("the request succeeded"),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof type, `failed with ${String(error)}`);
  assert.equal(error.message, message);
  return error;
}
