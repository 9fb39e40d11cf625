/**
 * Provider log lines. The dynamic-provider host passes a plugin's stderr to the Pulumi CLI, so a
 * line here is what the user sees during `pulumi up`. Callers never pass credentials.
 */
export function logToHost(line: string): void {
  process.stderr.write(`emnify: ${line}\n`);
}
