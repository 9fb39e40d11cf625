/**
 * The moving parts of one demo run and their clean-up: the emulator (in this process) and the
 * example stack (a program run and Pulumi's dynamic-provider host, a child process). Whatever
 * happens, success, failure or Ctrl+C, everything started here is stopped before the process ends.
 */
import type { EmnifyEmulator } from "pulumi-emnify/emulator";
import type { ExampleStack } from "../tools/examples/exampleStack";

export class DemoSession {
  emulator?: EmnifyEmulator;
  stack?: ExampleStack;
  private closing?: Promise<void>;

  /** Stops the host, then the emulator; safe to call more than once and from a signal handler. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.stack?.stop().catch(() => undefined);
      await this.emulator?.stop().catch(() => undefined);
    })();
    return this.closing;
  }

  /**
   * On Ctrl+C or SIGTERM: clean up, then exit with the conventional status. Without this, Node's
   * default handler would exit at once and leave the host process running.
   */
  exitOnSignals(onSignal: (signal: NodeJS.Signals) => void): void {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        onSignal(signal);
        void this.close().then(() => process.exit(signal === "SIGINT" ? 130 : 143));
      });
    }
  }
}
