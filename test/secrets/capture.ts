/**
 * Process-wide capture for the secret ledger, installed once by the mocha root hooks
 * (test/hooks.ts) before any test file is loaded, so that no other test file has to call anything:
 *
 * - every error this package constructs in the test process (its error classes are wrapped where
 *   they are exported, so `new errors_1.EmnifyApiError(...)` anywhere is seen), with its cause chain;
 * - everything written to stderr (the provider's logger writes there, as it does in the host);
 * - the output of every child process started with spawn/fork (CLI runs, the demo, program runs,
 *   provider hosts), read at scan time;
 * - the results of the provider's create/update/read and the lines it logs through a custom logger;
 * - every application token handed to a client, an emulator account, a child's environment or a
 *   program's stack config.
 *
 * Wrapping changes no behaviour: each wrapper calls the original with the same arguments and
 * returns what it returns; classes are wrapped in a Proxy, so `instanceof`, statics and subclassing
 * work as before.
 */
import childProcess from "node:child_process";
import type { Readable } from "node:stream";
import { type SecretLedger, secretLedger } from "../../tools/secretLedger";

let installed = false;

type AnyClass = abstract new (...args: never[]) => object;

/** Replaces `exports[name]` (a class) with a Proxy that reports each new instance. */
function wrapClassExport(
  exports: Record<string, unknown>,
  name: string,
  onConstruct: (instance: object, args: unknown[]) => unknown[] | void,
): void {
  const original = exports[name] as AnyClass | undefined;
  if (typeof original !== "function") return;
  exports[name] = new Proxy(original, {
    construct(target, args, newTarget) {
      const rewritten = onConstruct(undefined as unknown as object, args) ?? args;
      const instance = Reflect.construct(target, rewritten, newTarget) as object;
      onConstruct(instance, rewritten);
      return instance;
    },
  });
}

const recordedErrors = new WeakSet<object>();

function recordErrorOnce(ledger: SecretLedger, error: object, detail: string): void {
  if (recordedErrors.has(error)) return;
  recordedErrors.add(error);
  ledger.recordError(error, detail);
}

function captureErrors(ledger: SecretLedger): void {
  const errors = require("../../provider/client/errors") as Record<string, unknown>;
  for (const name of [
    "EmnifyError",
    "EmnifyApiError",
    "EmnifyAuthenticationError",
    "EmnifyNetworkError",
    "EmnifyResponseError",
    "EmnifyConfigurationError",
  ]) {
    wrapClassExport(errors, name, (instance) => {
      if (instance) recordErrorOnce(ledger, instance, `an error constructed in the test process (new ${name})`);
    });
  }
}

function captureClientsAndEmulators(ledger: SecretLedger): void {
  const client = require("../../provider/client/emnifyClient") as Record<string, unknown>;
  wrapClassExport(client, "EmnifyClient", (instance, args) => {
    if (!instance) ledger.token((args[0] as { applicationToken?: unknown } | undefined)?.applicationToken, "an EmnifyClient");
  });

  const emulator = require("../../provider/emulator/server") as {
    EmnifyEmulator: { start: (options?: { accounts?: { applicationToken?: unknown }[] }) => Promise<unknown> };
    startEmulator: unknown;
  };

  const defaults = require("../../provider/emulator/defaults") as { DEMO_APPLICATION_TOKEN: string };
  ledger.token(defaults.DEMO_APPLICATION_TOKEN, "the emulator's demo account");
  const start = emulator.EmnifyEmulator.start;
  const wrapped = function (this: unknown, options?: { accounts?: { applicationToken?: unknown }[] }) {
    for (const account of options?.accounts ?? []) ledger.token(account.applicationToken, "an emulator account");
    return start.call(this ?? emulator.EmnifyEmulator, options);
  };
  emulator.EmnifyEmulator.start = wrapped;
  emulator.startEmulator = wrapped;
}

function captureProvider(ledger: SecretLedger): void {
  const provider = require("../../provider/resource/billingConfigProvider") as Record<string, unknown>;
  wrapClassExport(provider, "BillingConfigPartialFailure", (instance) => {
    if (instance) recordErrorOnce(ledger, instance, "BillingConfigPartialFailure constructed in the test process");
  });
  // A custom logger (the provider tests collect lines in an array) is wrapped so its lines are seen.
  wrapClassExport(provider, "BillingConfigProvider", (instance, args) => {
    if (instance || typeof args[1] !== "function") return;
    const log = args[1] as (line: string) => void;
    const copy = [...args];
    copy[1] = (line: string) => {
      ledger.record("log", line, "a line logged by BillingConfigProvider");
      log(line);
    };
    return copy;
  });
  const proto = (provider.BillingConfigProvider as { prototype: Record<string, unknown> }).prototype;
  for (const method of ["create", "update", "read"]) {
    const original = proto[method] as (...args: unknown[]) => Promise<unknown>;
    proto[method] = async function (this: unknown, ...args: unknown[]) {
      const result = await original.apply(this, args);
      ledger.record("provider-result", result, `BillingConfigProvider.${method} in the test process`);
      return result;
    };
  }
}

function captureStderr(ledger: SecretLedger): void {
  const original = process.stderr.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    try {
      ledger.record(
        "log",
        typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk),
        "written to stderr",
      );
    } catch {
      // never let the capture break a write
    }
    return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  };
}

/** Sees every 'data' chunk a stream emits, without reading it or changing its mode. */
function tap(stream: Readable | null | undefined, sink: string[]): void {
  if (!stream) return;
  const emit = stream.emit;
  stream.emit = function (this: Readable, event: string | symbol, ...args: unknown[]) {
    if (event === "data") {
      const chunk = args[0];
      sink.push(typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk));
    }
    return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof stream.emit;
}

function tokensInEnvironment(ledger: SecretLedger, env: NodeJS.ProcessEnv | undefined, what: string): void {
  if (!env) return;
  ledger.token(env.EMNIFY_APPLICATION_TOKEN, `${what}'s EMNIFY_APPLICATION_TOKEN`);
  if (env.PULUMI_CONFIG) {
    try {
      const config = JSON.parse(env.PULUMI_CONFIG) as Record<string, unknown>;
      ledger.token(config["emnify:applicationToken"], `${what}'s stack config`);
    } catch {
      // not JSON: nothing to learn
    }
  }
}

function captureChildren(ledger: SecretLedger, demoToken: string): void {
  const mutable = childProcess as unknown as Record<string, (...args: unknown[]) => childProcess.ChildProcess>;
  for (const name of ["spawn", "fork"] as const) {
    const original = mutable[name];
    mutable[name] = function (this: unknown, ...args: unknown[]) {
      const child = original.apply(this, args);
      try {
        const file = String(args[0]);
        const list = Array.isArray(args[1]) ? (args[1] as unknown[]).map(String) : [];
        const options = (Array.isArray(args[1]) ? args[2] : args[1]) as { env?: NodeJS.ProcessEnv } | undefined;
        const command = [file, ...list].join(" ").replace(/\s+/g, " ").slice(0, 200);
        tokensInEnvironment(ledger, options?.env, `a child process (${command})`);
        // The engine harness records the provider host's output itself (tools/engine/providerHost.ts).
        if (/cmd[\\/]dynamic-provider/.test(command)) return child;
        const output: string[] = [];
        tap(child.stdout, output);
        tap(child.stderr, output);
        // The emulator's CLI prints its demo token on purpose: that is how `npm run emulator` tells
        // a newcomer what to configure. Nothing else may.
        const isEmulatorCli = /emulator[\\/]cli\.js/.test(command);
        ledger.recordLive(
          "child-output",
          () => output.join(""),
          `output of ${name}(${command})`,
          isEmulatorCli ? { tokens: [demoToken], reason: "the emulator CLI prints its demo token by design" } : undefined,
        );
      } catch {
        // never let the capture break a spawn
      }
      return child;
    };
  }
}

/** Installs every capture once and enables the ledger. */
export function installSuiteCapture(ledger: SecretLedger = secretLedger): void {
  if (installed) return;
  installed = true;
  ledger.enable();

  const { DEMO_APPLICATION_TOKEN } = require("../../provider/emulator/defaults") as { DEMO_APPLICATION_TOKEN: string };
  captureErrors(ledger);
  captureClientsAndEmulators(ledger);
  captureProvider(ledger);
  captureStderr(ledger);
  captureChildren(ledger, DEMO_APPLICATION_TOKEN);
}
