/**
 * The real-CLI suite's world for the provider plugin: one user project whose program declares
 * `BillingConfig` through `pulumi-emnify/plugin` (fixtures/pluginProgram.ts), with the packed
 * package installed, and a `PluginStack` per test with its own stack and emulator. The plugin is
 * found on PATH (the project's node_modules/.bin, where npm links the package's
 * `pulumi-resource-emnify`) unless a test installs it another way; plugin download stays off
 * (`PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION`), so a plugin not found fails the command.
 * Commands and credentials join the main world's lists, so the suite-wide scan covers them.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { EmnifyEmulator, SeedOrganisation } from "pulumi-emnify/emulator";
import type { EmulatorOptions } from "pulumi-emnify/emulator";
import { repoRoot } from "../../tools/repoRoot";
import { PulumiRunner } from "../../tools/pulumi-cli/pulumiRunner";
import { createUserProject, pathWithPlugin } from "../../tools/pulumi-cli/userProject";
import type { DeclaredProvider, PluginDeclaredResource } from "./fixtures/pluginProgram";
import { StackUnderTest, World, realCliWorld } from "./world";

export type { DeclaredProvider, PluginDeclaredResource };

export const PLUGIN_TYPE = "emnify:index:BillingConfig";
export const PLUGIN_PROJECT = "emnify-plugin-test";
const PASSPHRASE = "real-cli-suite-passphrase";

let pluginProject: Promise<string> | undefined;

/** The plugin project, created (npm install) on first use inside the main world's temp directory. */
export function pluginProjectDir(): Promise<string> {
  pluginProject ??= (async () => {
    const world = await realCliWorld();
    const program = fs.readFileSync(path.join(repoRoot(), "test/realCli/fixtures/pluginProgram.ts"), "utf8");
    return createUserProject({ dir: path.join(world.root, "plugin-project"), name: PLUGIN_PROJECT, program });
  })();
  return pluginProject;
}

let stackCounter = 0;

export interface PluginStackOptions {
  organisations: SeedOrganisation[];
  resources: PluginDeclaredResource[];
  providers?: DeclaredProvider[];
  emulator?: EmulatorOptions;
  /** A project other than the plugin project (e.g. one laid out for another install method). */
  projectDir?: string;
  /** Environment for every command; default: the plugin on PATH. */
  env?: NodeJS.ProcessEnv;
  /** Accounts besides the stack's own (organisation 1), e.g. a second emnify account. */
  extraAccounts?: { organisationId: number }[];
}

export class PluginStack extends StackUnderTest {
  private constructor(
    world: World,
    name: string,
    emulator: EmnifyEmulator,
    runner: PulumiRunner,
    applicationToken: string,
    projectDir: string,
    /** Tokens of the extra accounts, by organisation id. */
    readonly extraTokens: Map<number, string>,
  ) {
    super(world, name, emulator, runner, applicationToken, projectDir, PLUGIN_TYPE);
  }

  static async create(options: PluginStackOptions): Promise<PluginStack> {
    const world = await realCliWorld();
    const projectDir = options.projectDir ?? (await pluginProjectDir());
    const newToken = () => {
      const token = `real-cli-token-${randomBytes(12).toString("hex")}`;
      world.credentials.push(token);
      return token;
    };
    const applicationToken = newToken();
    const extraTokens = new Map<number, string>();
    for (const account of options.extraAccounts ?? []) extraTokens.set(account.organisationId, newToken());
    const emulator = await EmnifyEmulator.start({
      accounts: [
        { applicationToken, organisationId: 1 },
        ...[...extraTokens].map(([organisationId, token]) => ({ applicationToken: token, organisationId })),
      ],
      organisations: options.organisations,
      ...options.emulator,
    });
    const runner = new PulumiRunner({
      cli: world.cli,
      projectDir,
      backendDir: world.backendDir,
      passphrase: PASSPHRASE,
      env: options.env ?? { PATH: pathWithPlugin(projectDir) },
      onResult: (result) => world.results.push(result),
    });
    const name = `p${process.pid}-${++stackCounter}`;
    const stack = new PluginStack(world, name, emulator, runner, applicationToken, projectDir, extraTokens);
    await runner.initStack(name);
    await runner.setConfig(name, "emnify:endpoint", emulator.url);
    await runner.setConfig(name, "emnify:applicationToken", applicationToken, { secret: true });
    await stack.declare(options.resources, options.providers);
    return stack;
  }

  /** Replaces what the program declares. */
  async declare(resources: PluginDeclaredResource[], providers: DeclaredProvider[] = []): Promise<void> {
    await this.runner.setConfig(this.name, "app:resources", JSON.stringify(resources), { secret: true });
    await this.runner.setConfig(this.name, "app:providers", JSON.stringify(providers));
  }
}
