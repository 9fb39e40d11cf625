import { ChildProcess, spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { secretLedger } from "../secretLedger";
import { childEnv } from "./env";
import { RpcSecret, SECRET_SIG, SIG_KEY } from "./secrets";
import { JsonObject } from "./types";
import { ResourceInitFailure, decodeInitFailure, fromStruct, parseUrn, toStruct } from "./wire";
import { killOnExit } from "./childProcesses";

export type DiffChanges = "none" | "some" | "unknown";

export interface CheckResult {
  inputs: JsonObject;
  failures: { property: string; reason: string }[];
}
export interface DiffResult {
  changes: DiffChanges;
  replaces: string[];
  deleteBeforeReplace: boolean;
}
export interface CreateResult {
  id: string;
  properties: JsonObject;
}
export interface ReadResult {
  /** "" when the provider reports the resource gone. */
  id: string;
  properties: JsonObject;
  /** Only when the provider's read returned inputs (SDK >= 3.216). */
  inputs?: JsonObject;
}
export interface UpdateResult {
  properties: JsonObject;
}

/** The calls the engine makes on a resource provider, with plain JS values. */
export interface ProviderHost {
  readonly cwd: string;
  readonly pid: number;
  readonly port: number;
  /**
   * Whole stack config, namespaced keys. Keys listed in secretKeys are sent wrapped as secrets,
   * which the host unwraps; plain strings are what it ends up with either way.
   */
  configure(config: Record<string, string>, secretKeys?: string[]): Promise<void>;
  check(urn: string, olds: JsonObject, news: JsonObject): Promise<CheckResult>;
  diff(id: string, urn: string, olds: JsonObject, news: JsonObject, oldInputs?: JsonObject): Promise<DiffResult>;
  create(urn: string, properties: JsonObject, options?: { preview?: boolean }): Promise<CreateResult>;
  read(id: string, urn: string, properties: JsonObject, inputs?: JsonObject): Promise<ReadResult>;
  update(id: string, urn: string, olds: JsonObject, news: JsonObject, oldInputs?: JsonObject): Promise<UpdateResult>;
  delete(id: string, urn: string, properties: JsonObject, oldInputs?: JsonObject): Promise<void>;
  /** Everything the host printed on stdout and stderr so far, interleaved as received. */
  output(): string;
  /** Closes the channel and kills the host process; resolves once it has exited and its output is read. */
  stop(): Promise<void>;
}

export interface StartProviderHostOptions {
  /** The host's working directory: must be the program's project directory, as with the engine. */
  cwd: string;
  /** Extra environment for the host process (see childEnv for what is inherited). */
  env?: Record<string, string>;
  /** Sets PULUMI_NODEJS_PROJECT, which the host uses to namespace unqualified config keys. */
  project?: string;
  stack?: string;
}

/** A failed provider call. `message` is the provider's own error message, as the CLI shows it. */
export class ProviderOperationError extends Error {
  constructor(
    readonly operation: string,
    message: string,
    readonly code: grpc.status,
    /** Present when a create/update failed after the object came to exist (partial state). */
    readonly initFailure?: ResourceInitFailure,
  ) {
    super(message);
    this.name = "ProviderOperationError";
  }
}

/**
 * Starts Pulumi's own dynamic-provider host (what the `pulumi-resource-pulumi-nodejs` plugin
 * runs) and connects to it as the engine does. The script is resolved from `cwd`, as the plugin's
 * shell wrapper does, so a project uses its own installed @pulumi/pulumi.
 */
export async function startProviderHost(opts: StartProviderHostOptions): Promise<ProviderHost> {
  const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [opts.cwd] });
  const child = spawn(
    process.execPath,
    // The argument is the engine's address. The host insists on getting one but never dials it.
    [script, "127.0.0.1:1"],
    {
      cwd: opts.cwd,
      env: childEnv({
        PULUMI_NODEJS_PROJECT: opts.project ?? "project",
        PULUMI_NODEJS_STACK: opts.stack ?? "stack",
        ...opts.env,
      }),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  killOnExit(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // For the suite-wide secret scan (test/secrets); a no-op outside the test suite.
  secretLedger.token(opts.env?.EMNIFY_APPLICATION_TOKEN, "a provider host's environment");
  secretLedger.recordLive("host-output", () => output, `output of the dynamic-provider host (pid ${child.pid})`);

  // The host's first line on stdout is the port it listens on.
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (): void => {
      const newline = output.indexOf("\n");
      if (newline < 0) {
        return;
      }
      const port = Number(output.slice(0, newline).trim());
      cleanup();
      if (Number.isInteger(port) && port > 0) {
        resolve(port);
      } else {
        child.kill("SIGKILL");
        reject(new Error(`dynamic-provider host printed no port:\n${output}`));
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`dynamic-provider host exited with ${code} before printing its port:\n${output}`));
    };
    const cleanup = (): void => {
      child.stdout.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout.on("data", onData);
    child.once("exit", onExit);
  });

  return new DynamicProviderHost(opts.cwd, child, port, () => output);
}

/** Sends one unary request, handing its answer to `callback`. */
type Send<Res> = (callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown;

/** A request addressed to the resource `urn`: its URN, type and name set. */
function addressed<R extends { setUrn(urn: string): R; setType(type: string): R; setName(name: string): R }>(request: R, urn: string): R {
  const { type, name } = parseUrn(urn);
  return request.setUrn(urn).setType(type).setName(name);
}

class DynamicProviderHost implements ProviderHost {
  private readonly client: provrpc.ResourceProviderClient;
  private readonly exited: Promise<void>;

  constructor(
    readonly cwd: string,
    private readonly child: ChildProcess,
    readonly port: number,
    readonly output: () => string,
  ) {
    this.client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    // "close", not "exit": it comes once the output pipes are drained, so output() is complete.
    this.exited = new Promise((resolve) => {
      if ((child.exitCode !== null || child.signalCode !== null) && child.stdout?.readableEnded !== false) {
        resolve();
      } else {
        child.once("close", () => resolve());
      }
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  private call<Res>(operation: string, send: Send<Res>): Promise<Res> {
    return new Promise((resolve, reject) => {
      send((error, response) => {
        if (error) {
          const failure = new ProviderOperationError(operation, error.details || error.message, error.code, decodeInitFailure(error));
          secretLedger.recordError(failure, `${operation} failed in the provider host`);
          reject(failure);
        } else {
          resolve(response);
        }
      });
    });
  }

  async configure(config: Record<string, string>, secretKeys: string[] = []): Promise<void> {
    secretLedger.token(config["emnify:applicationToken"], "the stack config sent to a provider host");
    const args: JsonObject = {};
    for (const [key, value] of Object.entries(config)) {
      const wrapped: RpcSecret = { [SIG_KEY]: SECRET_SIG, value };
      args[key] = secretKeys.includes(key) ? (wrapped as unknown as JsonObject) : value;
    }
    const request = new provproto.ConfigureRequest();
    request.setArgs(toStruct(args));
    // What the engine offers every provider; the dynamic host answers acceptSecrets=false.
    request.setAcceptsecrets(true);
    request.setAcceptresources(true);
    await this.call<provproto.ConfigureResponse>("configure", (done) => this.client.configure(request, done));
  }

  async check(urn: string, olds: JsonObject, news: JsonObject): Promise<CheckResult> {
    const request = addressed(new provproto.CheckRequest(), urn).setOlds(toStruct(olds)).setNews(toStruct(news));
    const response = await this.call<provproto.CheckResponse>("check", (done) => this.client.check(request, done));
    return {
      inputs: fromStruct(response.getInputs()),
      failures: response.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(id: string, urn: string, olds: JsonObject, news: JsonObject, oldInputs?: JsonObject): Promise<DiffResult> {
    const request = addressed(new provproto.DiffRequest(), urn).setId(id).setOlds(toStruct(olds)).setNews(toStruct(news));
    if (oldInputs) request.setOldInputs(toStruct(oldInputs));
    const response = await this.call<provproto.DiffResponse>("diff", (done) => this.client.diff(request, done));
    const changes = response.getChanges();
    return {
      changes:
        changes === provproto.DiffResponse.DiffChanges.DIFF_SOME
          ? "some"
          : changes === provproto.DiffResponse.DiffChanges.DIFF_NONE
            ? "none"
            : "unknown",
      replaces: response.getReplacesList(),
      deleteBeforeReplace: response.getDeletebeforereplace(),
    };
  }

  async create(urn: string, properties: JsonObject, options: { preview?: boolean } = {}): Promise<CreateResult> {
    const request = addressed(new provproto.CreateRequest(), urn)
      .setProperties(toStruct(properties))
      .setPreview(options.preview ?? false);
    const response = await this.call<provproto.CreateResponse>("create", (done) => this.client.create(request, done));
    return { id: response.getId(), properties: fromStruct(response.getProperties()) };
  }

  async read(id: string, urn: string, properties: JsonObject, inputs?: JsonObject): Promise<ReadResult> {
    const request = addressed(new provproto.ReadRequest(), urn).setId(id).setProperties(toStruct(properties));
    if (inputs) request.setInputs(toStruct(inputs));
    const response = await this.call<provproto.ReadResponse>("read", (done) => this.client.read(request, done));
    const returnedInputs = response.getInputs();
    return {
      id: response.getId(),
      properties: fromStruct(response.getProperties()),
      ...(returnedInputs ? { inputs: fromStruct(returnedInputs) } : {}),
    };
  }

  async update(id: string, urn: string, olds: JsonObject, news: JsonObject, oldInputs?: JsonObject): Promise<UpdateResult> {
    const request = addressed(new provproto.UpdateRequest(), urn).setId(id).setOlds(toStruct(olds)).setNews(toStruct(news));
    if (oldInputs) request.setOldInputs(toStruct(oldInputs));
    const response = await this.call<provproto.UpdateResponse>("update", (done) => this.client.update(request, done));
    return { properties: fromStruct(response.getProperties()) };
  }

  async delete(id: string, urn: string, properties: JsonObject, oldInputs?: JsonObject): Promise<void> {
    const request = addressed(new provproto.DeleteRequest(), urn).setId(id).setProperties(toStruct(properties));
    if (oldInputs) request.setOldInputs(toStruct(oldInputs));
    await this.call<unknown>("delete", (done) => this.client.delete(request, done));
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
    }
    await this.exited;
  }
}
