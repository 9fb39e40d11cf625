/**
 * The environment for a child process the harness starts (program or provider host): this
 * process's environment without any PULUMI_* or EMNIFY_* variable, plus the given extras.
 *
 * Those two prefixes are removed because they change behaviour: a developer's shell with
 * EMNIFY_APPLICATION_TOKEN exported would otherwise make the "no token configured" case pass or
 * fail depending on who runs it, and stray PULUMI_* variables change how the SDK behaves.
 * Everything else (PATH, HOME, proxies) is kept, as the Pulumi CLI passes its environment on.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(PULUMI_|EMNIFY_)/i.test(key)) {
      env[key] = value;
    }
  }
  return { ...env, ...extra };
}
