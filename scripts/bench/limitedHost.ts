/**
 * `pulumi up --parallel N` for the engine stand-in: a provider host through which at most N calls
 * are in flight at once (Pulumi bounds resource operations the same way; its default is unbounded,
 * which is also the benchmark's default).
 */
import type { ProviderHost } from "../../tools/engine";

export function limitParallelism(host: ProviderHost, parallel: number): ProviderHost {
  let running = 0;
  const waiting: (() => void)[] = [];
  const limited =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (running >= parallel) await new Promise<void>((resolve) => waiting.push(resolve));
      running += 1;
      try {
        return await call(...args);
      } finally {
        running -= 1;
        waiting.shift()?.();
      }
    };
  return {
    get cwd() {
      return host.cwd;
    },
    get pid() {
      return host.pid;
    },
    get port() {
      return host.port;
    },
    configure: (config, secretKeys) => host.configure(config, secretKeys),
    check: limited(host.check.bind(host)),
    diff: limited(host.diff.bind(host)),
    create: limited(host.create.bind(host)),
    read: limited(host.read.bind(host)),
    update: limited(host.update.bind(host)),
    delete: limited(host.delete.bind(host)),
    output: () => host.output(),
    stop: () => host.stop(),
  };
}
