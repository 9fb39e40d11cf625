/**
 * Preloaded into the soak's provider host (`NODE_OPTIONS=--require <this file>`) to report every
 * unhandled rejection and uncaught exception with a marker line the soak looks for. It only adds
 * listeners: the host's own handlers (which print the error and set a failing exit code) still run
 * as they do without it. Only the name and first line of the message are printed.
 */
export const PROBE_MARKER = "SOAK-PROBE";

function describe(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message.split("\n")[0]}`;
  return String(reason).split("\n")[0].slice(0, 300);
}

process.on("unhandledRejection", (reason) => {
  process.stderr.write(`${PROBE_MARKER} unhandledRejection: ${describe(reason)}\n`);
});
process.on("uncaughtExceptionMonitor", (error, origin) => {
  process.stderr.write(`${PROBE_MARKER} ${origin}: ${describe(error)}\n`);
});
