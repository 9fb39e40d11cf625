/**
 * The real-CLI suite's shared world: one Pulumi CLI (found or built once), one user project with
 * the packed package installed, one file backend; and a `CliStack` per test, each with its own
 * stack, emulator and application token, so tests do not depend on each other.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EmnifyEmulator, SeedOrganisation } from "pulumi-emnify/emulator";
import type { EmulatorOptions, RequestLogEntry } from "pulumi-emnify/emulator";
import { PulumiCli, describe as describeCli, ensurePulumiCli } from "../../tools/pulumi-cli/locate";
import { repoRoot } from "../../tools/repoRoot";
import { PulumiResult, PulumiRunner, StateResource } from "../../tools/pulumi-cli/pulumiRunner";
import { createUserProject } from "../../tools/pulumi-cli/userProject";
// Type only: erased at compile time, so importing it runs nothing of the program.
import type { DeclaredResource } from "./fixtures/lifecycleProgram";
import { BILLING_CONFIG_TYPE, billingCallLabel, isAuthentication } from "../../tools/apiCalls";

export type { DeclaredResource };

export { BILLING_CONFIG_TYPE };
export const PROJECT = "emnify-cli-test";
export const PASSPHRASE = "real-cli-suite-passphrase";

export interface World {
  cli: PulumiCli;
  root: string;
  projectDir: string;
  backendDir: string;
  /** Every command any stack ran, for the suite-wide secret scan. */
  results: PulumiResult[];
  /** Every credential handed out, for the scan. */
  credentials: string[];
}

let world: Promise<World> | undefined;

/** The lifecycle program's TypeScript source, as a user writes it (dist holds only its .js). */
function programSource(): string {
  return fs.readFileSync(path.join(repoRoot(), "test/realCli/fixtures/lifecycleProgram.ts"), "utf8");
}

/** The world, created on first use. */
export function realCliWorld(): Promise<World> {
  world ??= (async () => {
    const cli = ensurePulumiCli((line) => process.stderr.write(`      pulumi-cli: ${line}\n`));
    process.stderr.write(`      ${describeCli(cli)}\n`);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-real-cli-"));
    const projectDir = await createUserProject({ dir: path.join(root, "project"), name: PROJECT, program: programSource() });
    return { cli, root, projectDir, backendDir: path.join(root, "backend"), results: [], credentials: [] };
  })();
  return world;
}

/** Removes the world's temp directory (the root hook calls this after the suite). */
export async function disposeRealCliWorld(): Promise<void> {
  if (!world) return;
  const w = await world;
  if (process.env.PULUMI_EMNIFY_KEEP_TEMP !== "1") fs.rmSync(w.root, { recursive: true, force: true });
}

let stackCounter = 0;

/**
 * A stack under test with its own emulator: the commands, the state's resources of one type and
 * the emulator's request log. The dynamic path (CliStack) and the plugin path (PluginStack, in
 * ./pluginWorld) differ only in how they are set up and what their program declares.
 */
export abstract class StackUnderTest {
  protected constructor(
    readonly world: World,
    readonly name: string,
    readonly emulator: EmnifyEmulator,
    readonly runner: PulumiRunner,
    public applicationToken: string,
    readonly projectDir: string,
    /** The type token of the resources `billingResources` lists. */
    readonly resourceType: string,
  ) {}

  /** `pulumi config set` on this stack. */
  setConfig(key: string, value: string, options: { secret?: boolean } = {}): Promise<void> {
    return this.runner.setConfig(this.name, key, value, options);
  }

  /** Rotates the application token: the emulator accepts only the new one, the stack config holds it. */
  async rotateToken(options: { updateConfig: boolean }): Promise<string> {
    const token = `real-cli-token-${randomBytes(12).toString("hex")}`;
    this.world.credentials.push(token);
    this.emulator.replaceApplicationToken(this.applicationToken, token);
    this.applicationToken = token;
    if (options.updateConfig) await this.runner.setConfig(this.name, "emnify:applicationToken", token, { secret: true });
    return token;
  }

  /** `pulumi <command> --stack <name> [--yes] ...`. */
  pulumi(command: string[], options: { allowFailure?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<PulumiResult> {
    const mutating = ["up", "refresh", "destroy", "import"].includes(command[0]);
    return this.runner.run([...command, "--stack", this.name, ...(mutating ? ["--yes"] : [])], options);
  }

  up(extra: string[] = [], options: { allowFailure?: boolean } = {}): Promise<PulumiResult> {
    return this.pulumi(["up", ...extra], options);
  }

  preview(extra: string[] = [], options: { allowFailure?: boolean } = {}): Promise<PulumiResult> {
    return this.pulumi(["preview", ...extra], options);
  }

  refresh(extra: string[] = [], options: { allowFailure?: boolean } = {}): Promise<PulumiResult> {
    return this.pulumi(["refresh", ...extra], options);
  }

  destroy(extra: string[] = [], options: { allowFailure?: boolean } = {}): Promise<PulumiResult> {
    return this.pulumi(["destroy", ...extra], options);
  }

  async billingResources(): Promise<StateResource[]> {
    return this.runner.resources(this.name, this.resourceType);
  }

  async billingResource(name: string): Promise<StateResource> {
    const found = (await this.billingResources()).find((r) => r.urn.endsWith(`::${name}`) && !r.delete);
    if (!found) throw new Error(`no ${this.resourceType} named ${name} in the state of ${this.name}`);
    return found;
  }

  /** The emulator's requests since the last `clearRequests`, without authentication. */
  apiCalls(): RequestLogEntry[] {
    return this.emulator.requests.filter((r) => !isAuthentication(r));
  }

  authentications(): number {
    return this.emulator.requests.filter(isAuthentication).length;
  }

  /** "GET 2", "PATCH 3": method and organisation of each billing-config call, in order. */
  billingCalls(): string[] {
    return this.apiCalls().map(billingCallLabel);
  }

  async dispose(): Promise<void> {
    await this.runner.run(["stack", "rm", this.name, "--force", "--yes"], { allowFailure: true });
    // `stack rm` removes it too; this covers a stack whose removal failed.
    fs.rmSync(path.join(this.projectDir, `Pulumi.${this.name}.yaml`), { force: true });
    await this.emulator.stop();
  }
}

/** One stack of the lifecycle project with its own emulator. */
export class CliStack extends StackUnderTest {
  static async create(options: {
    organisations: SeedOrganisation[];
    resources: DeclaredResource[];
    emulator?: EmulatorOptions;
    /** The stack's name (default: one of its own), e.g. to import a state recorded under that name. */
    name?: string;
    /** The token the emulator accepts (default: a random one), e.g. the one a recorded state's config holds. */
    applicationToken?: string;
  }): Promise<CliStack> {
    const world = await realCliWorld();
    const stack = await CliStack.start(world, world.projectDir, options);
    await stack.declare(options.resources);
    return stack;
  }

  /**
   * A stack of one of the repository's own projects (the root, examples/basic, examples/multi-org),
   * run in place as a user runs it. Its Pulumi.<stack>.yaml is written beside the project's
   * Pulumi.yaml (git ignores it) and removed by `dispose`.
   */
  static async inRepositoryProject(
    projectDir: string,
    options: { organisations: SeedOrganisation[]; emulator?: EmulatorOptions },
  ): Promise<CliStack> {
    return CliStack.start(await realCliWorld(), projectDir, options);
  }

  private static async start(
    world: World,
    projectDir: string,
    options: { organisations: SeedOrganisation[]; emulator?: EmulatorOptions; name?: string; applicationToken?: string },
  ): Promise<CliStack> {
    const applicationToken = options.applicationToken ?? `real-cli-token-${randomBytes(12).toString("hex")}`;
    world.credentials.push(applicationToken);
    const emulator = await EmnifyEmulator.start({
      accounts: [{ applicationToken, organisationId: 1 }],
      organisations: options.organisations,
      ...options.emulator,
    });
    const name = options.name ?? `s${process.pid}-${++stackCounter}`;
    const runner = new PulumiRunner({
      cli: world.cli,
      projectDir,
      backendDir: world.backendDir,
      passphrase: PASSPHRASE,
      onResult: (result) => world.results.push(result),
    });
    const stack = new CliStack(world, name, emulator, runner, applicationToken, projectDir, BILLING_CONFIG_TYPE);
    await runner.initStack(name);
    await runner.setConfig(name, "emnify:endpoint", emulator.url);
    await runner.setConfig(name, "emnify:applicationToken", applicationToken, { secret: true });
    return stack;
  }

  /** Replaces what the program declares. */
  async declare(resources: DeclaredResource[]): Promise<void> {
    // Secret, as payment data belongs in secret config: the engine stores the whole stack config
    // with the dynamic provider in the state, and only secret values are encrypted there.
    await this.runner.setConfig(this.name, "app:resources", JSON.stringify(resources), { secret: true });
  }
}
