import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { EmnifyEmulator, startEmulator } from "pulumi-emnify/emulator";
import { authenticate, call } from "./helpers";

function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.on("error", reject);
  });
}

describe("emulator lifecycle", () => {
  it("listens on a random loopback port and reports its URL", async () => {
    const emulator = await startEmulator();
    try {
      assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(emulator.url, "http://127.0.0.1:0");
      await authenticate(emulator);
    } finally {
      await emulator.stop();
    }
  });

  it("stops promptly with a half-sent request, an idle keep-alive and a delayed answer open", async () => {
    const emulator = await EmnifyEmulator.start({ latencyMs: 60_000 });
    const halfSent = await openSocket(emulator.url);
    halfSent.on("error", () => undefined);
    halfSent.write("PATCH /api/v1/organisation/2/billing_config HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
    const closed = new Promise<void>((resolve) => halfSent.on("close", () => resolve()));
    const delayed = call(emulator, "GET", "/api/v1/organisation/my").catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // The delayed answer is due in 60 s, past mocha's timeout: a stop() that waited for it, or for
    // the half-sent body, would fail the test. No elapsed-time bound.
    await emulator.stop();
    await closed;
    assert.equal(((await delayed) as Error).name, "TypeError");
    await emulator.stop(); // a second stop is harmless
  });

  it("refuses connections after stop()", async () => {
    const emulator = await EmnifyEmulator.start();
    await emulator.stop();
    await assert.rejects(fetch(`${emulator.url}/api/v1/organisation/my`), { name: "TypeError" });
  });

  it("throws on helpers that name an organisation it does not have", async () => {
    const emulator = await EmnifyEmulator.start();
    try {
      assert.throws(() => emulator.billingConfig(5), /the emulator has no organisation 5/);
      assert.throws(() => emulator.setBillingConfig(5, {}), /the emulator has no organisation 5/);
      assert.throws(() => emulator.setInclusiveVolumes(5, []), /the emulator has no organisation 5/);
      assert.throws(() => emulator.removeOrganisation(5), /the emulator has no organisation 5/);
    } finally {
      await emulator.stop();
    }
  });
});
