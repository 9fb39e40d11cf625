#!/usr/bin/env node
/**
 * The `pulumi-emnify` command: argv → command → exit status.
 *
 * Exit status: 0 success; 1 the API, the settings or an organisation failed; 2 the command line is
 * wrong. Every error is one line on stderr, starting with "error:". Error messages come from the
 * client, which never puts the token or a JWT in them.
 */
import { EmnifyError, oneLine } from "../client/errors";
import { packageVersion } from "../client/version";
import { PROGRAM, UsageError, parseCommandLine } from "./args";
import { CliIo, runExport } from "./exportCommand";
import { OrganisationsFileError } from "../billing/organisationsFile";
import { ShardError } from "../billing/shards";
import { exportHelp, mainHelp, migrateHelp, shardsHelp } from "./help";
import { runMigrate } from "./migrateCommand";
import { MigrationError } from "./migrateToPlugin";
import { OutputError } from "./output";
import { ShardMoveError, runShardMove } from "./shardMove";
import { runShards } from "./shardsCommand";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  try {
    const command = parseCommandLine(argv);
    switch (command.kind) {
      case "help":
        io.stdout.write(
          command.topic === "export"
            ? exportHelp()
            : command.topic === "shards"
              ? shardsHelp()
              : command.topic === "migrate-to-plugin"
                ? migrateHelp()
                : mainHelp(),
        );
        return EXIT_OK;
      case "version":
        io.stdout.write(`${PROGRAM} ${packageVersion()}\n`);
        return EXIT_OK;
      case "export":
        return await runExport(command.options, io);
      case "shards":
        return runShards(command.options, io);
      case "shard-move":
        return runShardMove(command.options, io);
      case "migrate-to-plugin":
        return runMigrate(command.options, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      say(`error: ${error.message}`);
      say(`Run '${error.helpCommand}' for usage.`);
      return EXIT_USAGE;
    }
    if (
      error instanceof EmnifyError ||
      error instanceof OutputError ||
      error instanceof ShardMoveError ||
      error instanceof MigrationError
    ) {
      say(`error: ${oneLine(error.message)}`);
      return EXIT_FAILURE;
    }
    if (error instanceof OrganisationsFileError || error instanceof ShardError) {
      // One line per problem: a file can have many.
      for (const line of error.message.split("\n")) say(`error: ${line}`);
      return EXIT_FAILURE;
    }
    // A bug, not a situation: say so, with what is known, still on one line.
    say(`error: unexpected failure: ${oneLine(error instanceof Error ? `${error.name}: ${error.message}` : String(error))}`);
    return EXIT_FAILURE;
  }
}

if (require.main === module) {
  // An early-closed pipe (`... | head`) is not an error of this tool.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  void main(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr }).then((status) => {
    // exitCode, not exit(): what is still buffered for a pipe gets written first.
    process.exitCode = status;
  });
}
