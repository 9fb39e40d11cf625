/**
 * A loopback proxy in front of the emulator that can stop the world at a chosen request, so that a
 * test kills `pulumi` at an exact moment ("after the 16th PATCH was applied") rather than at a time
 * that depends on the machine's load.
 *
 * `armAfter(n, match)`: the n-th request that `match` accepts is forwarded and answered; from the
 * moment it was forwarded, every later request is parked (neither forwarded nor answered). `reached`
 * resolves once the n-th request's answer came back from the emulator, i.e. once it was applied.
 * `release()` forwards the parked requests and lets everything through again (a graceful cancel
 * needs its in-flight requests answered); `drop()` closes the parked connections unanswered (their
 * processes were killed) and lets everything through again.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

interface Parked {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  body: Buffer;
}

export type RequestMatch = (method: string, path: string) => boolean;

/** A billing-config PATCH: the request that changes an organisation. */
export const isBillingPatch: RequestMatch = (method, path) => method === "PATCH" && /\/billing_config$/.test(path);
export const anyRequest: RequestMatch = () => true;

export class RequestGate {
  private server?: http.Server;
  private holding = false;
  private parked: Parked[] = [];
  private arm?: { remaining: number; match: RequestMatch; resolve: () => void };
  /** Requests forwarded to the emulator since the gate started. */
  forwarded = 0;
  /** Requests parked since the gate started. */
  parkedTotal = 0;

  private constructor(private readonly target: URL) {}

  static async start(targetUrl: string): Promise<RequestGate> {
    const gate = new RequestGate(new URL(targetUrl));
    gate.server = http.createServer((req, res) => gate.handle(req, res));
    gate.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => gate.server!.listen(0, "127.0.0.1", resolve));
    return gate;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Resolves once the n-th matching request (from now) was answered by the emulator; later ones are parked. */
  armAfter(n: number, match: RequestMatch): Promise<void> {
    if (n < 1) throw new RangeError(`armAfter needs n >= 1, got ${n}`);
    return new Promise((resolve) => (this.arm = { remaining: n, match, resolve }));
  }

  /** Forwards what is parked and lets everything through. */
  release(): void {
    this.holding = false;
    this.arm = undefined;
    const parked = this.parked;
    this.parked = [];
    for (const p of parked) this.forward(p);
  }

  /** Closes the parked connections unanswered and lets everything through. */
  drop(): void {
    this.holding = false;
    this.arm = undefined;
    for (const p of this.parked) p.req.socket.destroy();
    this.parked = [];
  }

  async stop(): Promise<void> {
    this.drop();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const parked: Parked = { req, res, body: Buffer.concat(chunks) };
      if (this.holding) {
        this.parked.push(parked);
        this.parkedTotal += 1;
        return;
      }
      const path = (req.url ?? "/").split("?")[0];
      let onAnswered: (() => void) | undefined;
      if (this.arm && this.arm.match(req.method ?? "GET", path)) {
        this.arm.remaining -= 1;
        if (this.arm.remaining === 0) {
          // From now on nothing else reaches the emulator.
          this.holding = true;
          onAnswered = this.arm.resolve;
          this.arm = undefined;
        }
      }
      this.forward(parked, onAnswered);
    });
    req.on("error", () => undefined);
  }

  private forward({ req, res, body }: Parked, onAnswered?: () => void): void {
    this.forwarded += 1;
    const upstream = http.request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.target.host },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          onAnswered?.();
          if (res.destroyed) return;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
        answer.on("error", () => {
          onAnswered?.();
          req.socket.destroy();
        });
      },
    );
    upstream.on("error", () => {
      // The emulator reset the connection (an injected fault): pass the reset on.
      onAnswered?.();
      req.socket.destroy();
    });
    upstream.end(body);
  }
}
