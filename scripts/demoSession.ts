/**
 * The moving parts of one demo run and their clean-up: the emulator (in this process), and either
 * the example stack (a program run and Pulumi's dynamic-provider host, a child process) or the real
 * CLI's stack file and file backend. Whatever
 * happens, success, failure or Ctrl+C, everything started here is stopped before the process ends.
 */
import type { EmnifyEmulator } from "pulumi-emnify/emulator";
import type { ExampleStack } from "../tools/examples/exampleStack";

export class DemoSession {
  emulator?: EmnifyEmulator;
  stack?: ExampleStack;
  private closing?: Promise<void>;
  private readonly cleanups: Array<() => Promise<void>> = [];

  /** Something else to undo on close (the real-CLI run's stack file and state), before the emulator stops. */
  onClose(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Stops the host, undoes what was registered, then stops the emulator; safe to call more than once and from a signal handler. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.stack?.stop().catch(() => undefined);
      for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => undefined);
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
