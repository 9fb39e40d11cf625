/**
 * The benchmark's emulator, in a worker thread of its own: the engine stand-in in the main thread
 * is busy with gRPC while a thousand operations run, and an emulator sharing its event loop would
 * answer late, which would make the API look slower than the latency it was given. The main thread
 * talks to it through ./remoteEmulator.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { EmnifyEmulator, type EmulatorOptions } from "pulumi-emnify/emulator";
import type { EmulatorReply, EmulatorRequest } from "./remoteEmulator";

async function main(): Promise<void> {
  const port = parentPort!;
  const emulator = await EmnifyEmulator.start(workerData as EmulatorOptions);
  port.postMessage({ id: 0, url: emulator.url } satisfies EmulatorReply);
  port.on("message", (message: EmulatorRequest) => {
    void (async () => {
      let reply: EmulatorReply;
      switch (message.kind) {
        case "requests":
          reply = {
            id: message.id,
            requests: emulator.requests.slice(message.from).map(({ method, path, status, at }) => ({ method, path, status, at })),
          };
          break;
        case "count":
          reply = { id: message.id, count: emulator.requests.length };
          break;
        case "configs":
          reply = {
            id: message.id,
            configs: message.orgIds.map((orgId) => {
              try {
                return emulator.billingConfig(orgId);
              } catch {
                return null;
              }
            }),
          };
          break;
        case "tightenAfter": {
          const accepted = () =>
            emulator.requests.filter((r) => r.status >= 200 && r.status < 300 && r.path !== "/api/v1/authenticate").length;
          while (accepted() < message.accepted) await new Promise((resolve) => setTimeout(resolve, 5));
          const at = accepted();
          emulator.setPathRateLimits(message.limits);
          reply = { id: message.id, acceptedAtSwitch: at };
          break;
        }
        case "stop":
          await emulator.stop();
          reply = { id: message.id };
          break;
      }
      port.postMessage(reply);
    })();
  });
}

void main();
