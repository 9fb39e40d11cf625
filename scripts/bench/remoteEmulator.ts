/** The main thread's handle on the emulator running in ./emulatorWorker.ts. */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { ApiBillingConfig, EmulatorOptions, PathRateLimit } from "pulumi-emnify/emulator";

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  at: number;
}

export type EmulatorRequest =
  | { id: number; kind: "requests"; from: number }
  | { id: number; kind: "count" }
  | { id: number; kind: "configs"; orgIds: number[] }
  | { id: number; kind: "stop" }
  | { id: number; kind: "tightenAfter"; accepted: number; limits: PathRateLimit[] };

export interface EmulatorReply {
  id: number;
  url?: string;
  requests?: LoggedRequest[];
  count?: number;
  /** For "tightenAfter": how many requests had been accepted when the limits changed. */
  acceptedAtSwitch?: number;
  configs?: (ApiBillingConfig | null)[];
}

export class RemoteEmulator {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: EmulatorReply) => void>();
  private stopped?: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    readonly url: string,
  ) {
    worker.on("message", (reply: EmulatorReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  /**
   * The benchmark's emulator: the scenario's organisations, the bench's latency and its scaled
   * request and authentication limits, no request bodies logged (they would fill memory).
   */
  static forBench(options: {
    organisations: EmulatorOptions["organisations"];
    latencyMs: number;
    limit: { requests: number; windowSeconds: number };
    authLimit: { requests: number; windowSeconds: number };
    accounts?: EmulatorOptions["accounts"];
  }): Promise<RemoteEmulator> {
    return RemoteEmulator.start({
      ...(options.accounts ? { accounts: options.accounts } : {}),
      organisations: options.organisations,
      latencyMs: options.latencyMs,
      rateLimit: { requests: options.limit.requests, windowSeconds: options.limit.windowSeconds },
      authRateLimit: { requests: options.authLimit.requests, windowSeconds: options.authLimit.windowSeconds },
      logRequestBodies: false,
    });
  }

  static start(options: EmulatorOptions): Promise<RemoteEmulator> {
    const worker = new Worker(path.join(__dirname, "emulatorWorker.js"), { workerData: options });
    return new Promise((resolve, reject) => {
      worker.once("error", reject);
      worker.once("message", (reply: EmulatorReply) => {
        worker.off("error", reject);
        resolve(new RemoteEmulator(worker, reply.url!));
      });
    });
  }

  private ask(request: Omit<EmulatorRequest, "id"> & { kind: EmulatorRequest["kind"] }): Promise<EmulatorReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ ...request, id });
    });
  }

  /** The request log from index `from` on (method, path, status, arrival time). */
  async requestsSince(from: number): Promise<LoggedRequest[]> {
    return (await this.ask({ kind: "requests", from } as EmulatorRequest)).requests!;
  }

  /**
   * Replaces the path limits once `accepted` requests other than authenticate have been answered
   * 2xx (checked in the emulator's own thread every few milliseconds). Resolves when it happened,
   * with the count at that moment.
   */
  async tightenAfter(accepted: number, limits: PathRateLimit[]): Promise<number> {
    return (await this.ask({ kind: "tightenAfter", accepted, limits } as EmulatorRequest)).acceptedAtSwitch!;
  }

  async requestCount(): Promise<number> {
    return (await this.ask({ kind: "count" })).count!;
  }

  /** What the emulator holds for each organisation (an independent read, no HTTP); null if absent. */
  async billingConfigs(orgIds: number[]): Promise<(ApiBillingConfig | null)[]> {
    return (await this.ask({ kind: "configs", orgIds } as EmulatorRequest)).configs!;
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await this.ask({ kind: "stop" });
      await this.worker.terminate();
    })();
    return this.stopped;
  }
}
