#!/usr/bin/env node
/**
 * The `pulumi-resource-emnify` executable: serves {@link EmnifyProviderPlugin} on a loopback port
 * and prints the port on stdout's first line, as the engine expects of a provider plugin. Log
 * lines go to stderr, which the CLI shows; warnings go to the engine's Log service (its address is
 * the first argument), which shows them against their resource.
 */
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderService } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { EmnifyProviderPlugin } from "./server";

/** Starts the server; resolves with the port once it listens. */
export async function servePlugin(plugin = new EmnifyProviderPlugin()): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  server.addService(ResourceProviderService, plugin.service());
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, server };
}

if (require.main === module) {
  servePlugin(new EmnifyProviderPlugin({ engineAddress: process.argv[2] })).then(
    ({ port }) => process.stdout.write(`${port}\n`),
    (error: unknown) => {
      process.stderr.write(`pulumi-resource-emnify: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
