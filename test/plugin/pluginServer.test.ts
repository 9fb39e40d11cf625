/**
 * The provider plugin's gRPC service, driven as the engine drives it (a ResourceProviderClient on
 * the protocol's own messages), against the emulator: configuration with secret-wrapped values,
 * per-instance tokens, secrets and unknowns on the wire, the detailed diff, the import's Read.
 * The real CLI's runs of the same plugin are test/realCli/plugin*.test.ts.
 */
import * as assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { EmnifyEmulator } from "../../provider/emulator";
import { UNKNOWN_VALUE } from "../../provider/billing/fields";
import { servePlugin } from "../../provider/plugin/main";
import { EmnifyProviderPlugin, PLUGIN_TOKEN_HINT, pluginVersion } from "../../provider/plugin/server";
import { STACK_CONFIG_TOKEN_HINT } from "../../provider/client/errors";
import { fromStruct, toStruct } from "../../provider/plugin/wire";
import { asRpcSecret, isRpcSecret } from "../../provider/resource/secretValue";

const TOKEN_A = "plugin-test-token-a-0123456789";
const TOKEN_B = "plugin-test-token-b-0123456789";
const URN = (name: string) => `urn:pulumi:s::p::emnify:index:BillingConfig::${name}`;
const billingPath = (orgId: number) => `/api/v1/organisation/${orgId}/billing_config`;

type Props = Record<string, unknown>;

/** One plugin process's service, in this process, and a client as the engine is one. */
class Connection {
  private constructor(
    private readonly server: grpc.Server,
    readonly client: ResourceProviderClient,
  ) {}

  static async open(env: NodeJS.ProcessEnv = {}): Promise<Connection> {
    const { port, server } = await servePlugin(new EmnifyProviderPlugin({ env, log: () => undefined }));
    return new Connection(server, new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()));
  }

  call<Req, Res>(method: (req: Req, done: (error: grpc.ServiceError | null, res: Res) => void) => unknown, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => method.call(this.client, request, (error, res) => (error ? reject(error) : resolve(res))));
  }

  async configure(args: Props): Promise<provproto.ConfigureResponse> {
    const request = new provproto.ConfigureRequest().setArgs(toStruct(args)).setAcceptsecrets(true);
    return this.call(this.client.configure, request);
  }

  async check(news: Props, olds: Props = {}): Promise<provproto.CheckResponse> {
    const request = new provproto.CheckRequest().setUrn(URN("r")).setOlds(toStruct(olds)).setNews(toStruct(news));
    return this.call(this.client.check, request);
  }

  async create(properties: Props): Promise<{ id: string; outs: Props }> {
    const response = await this.call<provproto.CreateRequest, provproto.CreateResponse>(
      this.client.create,
      new provproto.CreateRequest().setUrn(URN("r")).setProperties(toStruct(properties)),
    );
    return { id: response.getId(), outs: fromStruct(response.getProperties()) };
  }

  async read(id: string, properties: Props = {}): Promise<{ id: string; outs: Props; inputs?: Props }> {
    const request = new provproto.ReadRequest().setId(id).setUrn(URN("r"));
    if (Object.keys(properties).length > 0) request.setProperties(toStruct(properties));
    const response = await this.call<provproto.ReadRequest, provproto.ReadResponse>(this.client.read, request);
    const inputs = response.getInputs();
    return { id: response.getId(), outs: fromStruct(response.getProperties()), inputs: inputs ? fromStruct(inputs) : undefined };
  }

  async diff(olds: Props, news: Props): Promise<provproto.DiffResponse> {
    const request = new provproto.DiffRequest().setId("2").setUrn(URN("r")).setOlds(toStruct(olds)).setNews(toStruct(news));
    return this.call(this.client.diff, request);
  }

  async close(): Promise<void> {
    this.client.close();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

describe("provider plugin: the gRPC service against the emulator", () => {
  let emu: EmnifyEmulator;
  const open: Connection[] = [];

  async function connect(env: NodeJS.ProcessEnv = {}): Promise<Connection> {
    const connection = await Connection.open(env);
    open.push(connection);
    return connection;
  }

  beforeEach(async () => {
    emu = await EmnifyEmulator.start({
      accounts: [
        { applicationToken: TOKEN_A, organisationId: 1 },
        { applicationToken: TOKEN_B, organisationId: 50 },
      ],
      organisations: [
        { id: 2, billingConfig: { vatin: "DE-2", payment_data: { iban: "IBAN-2" }, invoice_issuer_info: null } },
        { id: 51, parentId: 50, billingConfig: { vatin: "DE-51" } },
      ],
    });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await emu.stop();
  });

  it("answers GetPluginInfo with the package version and GetSchema with the shipped schema", async () => {
    const c = await connect();
    const info = await c.call<Empty, { getVersion(): string }>(c.client.getPluginInfo, new Empty());
    assert.equal(info.getVersion(), pluginVersion());
    const schema = await c.call<provproto.GetSchemaRequest, provproto.GetSchemaResponse>(
      c.client.getSchema,
      new provproto.GetSchemaRequest(),
    );
    const parsed = JSON.parse(schema.getSchema()) as { name: string; resources: Record<string, unknown> };
    assert.equal(parsed.name, "emnify");
    assert.ok(parsed.resources["emnify:index:BillingConfig"]);
  });

  it("Configure accepts secrets; a secret-wrapped token from one instance and another token from a second instance each reach their own account", async () => {
    const a = await connect();
    const b = await connect();
    const configured = await a.configure({ applicationToken: asRpcSecret(TOKEN_A), endpoint: emu.url, timeoutSeconds: 5 });
    assert.equal(configured.getAcceptsecrets(), true);
    await b.configure({ applicationToken: asRpcSecret(TOKEN_B), endpoint: emu.url });
    assert.equal((await a.read("2")).outs.vatin, "DE-2");
    assert.equal((await b.read("51")).outs.vatin, "DE-51");
    // Each token reaches only its own account's organisations: the instances never share a session.
    await assert.rejects(a.read("51"), /403|forbidden|not allowed/i);
    await assert.rejects(b.read("2"), /403|forbidden|not allowed/i);
  });

  it("a rejected token names this provider's token (an explicit provider's argument or the default provider's config), never the token", async () => {
    const c = await connect();
    const wrong = "plugin-test-wrong-token-0123456789";
    await c.configure({ applicationToken: asRpcSecret(wrong), endpoint: emu.url });
    const error = await c.read("2").then(
      () => assert.fail("a wrong token was accepted"),
      (e: grpc.ServiceError) => e,
    );
    assert.match(error.details, /^authenticating with emnify failed: POST \/api\/v1\/authenticate answered 401/);
    assert.ok(error.details.includes(`Check ${PLUGIN_TOKEN_HINT};`), error.details);
    assert.ok(!error.details.includes(STACK_CONFIG_TOKEN_HINT), error.details);
    assert.ok(!error.details.includes(wrong), "the token is never part of the message");
  });

  it("CheckConfig names a bad setting, wraps the token as a secret, and lets a missing token wait for the environment", async () => {
    const c = await connect();
    const request = (news: Props) =>
      new provproto.CheckRequest().setUrn("urn:pulumi:s::p::pulumi:providers:emnify::a").setNews(toStruct(news));
    const bad = await c.call<provproto.CheckRequest, provproto.CheckResponse>(
      c.client.checkConfig,
      request({ endpoint: "http://example.com" }),
    );
    assert.deepEqual(
      bad.getFailuresList().map((f) => f.getProperty()),
      ["endpoint"],
    );
    const good = await c.call<provproto.CheckRequest, provproto.CheckResponse>(
      c.client.checkConfig,
      request({ endpoint: emu.url, applicationToken: TOKEN_A }),
    );
    assert.deepEqual(good.getFailuresList(), []);
    assert.ok(isRpcSecret(fromStruct(good.getInputs()).applicationToken));
    const noToken = await c.call<provproto.CheckRequest, provproto.CheckResponse>(c.client.checkConfig, request({ endpoint: emu.url }));
    assert.deepEqual(noToken.getFailuresList(), []);
  });

  it("Check unwraps secret inputs, keeps unknowns, and returns paymentData wrapped as a secret", async () => {
    const c = await connect();
    const checked = await c.check({ orgId: 2, paymentData: asRpcSecret({ iban: "X" }), vatin: UNKNOWN_VALUE });
    assert.deepEqual(checked.getFailuresList(), []);
    const inputs = fromStruct(checked.getInputs());
    assert.deepEqual(inputs.paymentData, asRpcSecret({ iban: "X" }));
    assert.equal(inputs.vatin, UNKNOWN_VALUE);
    const plainPayment = fromStruct((await c.check({ orgId: 2, paymentData: { iban: "X" } })).getInputs());
    assert.ok(isRpcSecret(plainPayment.paymentData), "payment data declared without a secret mark is returned as one");
    const failed = await c.check({ orgId: "two" });
    assert.deepEqual(
      failed.getFailuresList().map((f) => f.getProperty()),
      ["orgId"],
    );
  });

  it("Create adopts with secret outputs; Diff answers per property; Read with the id alone imports with inputs that match", async () => {
    const c = await connect();
    await c.configure({ applicationToken: asRpcSecret(TOKEN_A), endpoint: emu.url });
    emu.clearRequests();
    const created = await c.create({ orgId: 2, vatin: "DE-NEW", paymentData: asRpcSecret({ iban: "IBAN-NEW" }), restoreOnDelete: true });
    assert.equal(created.id, "2");
    assert.ok(isRpcSecret(created.outs.paymentData), "paymentData output is wrapped");
    assert.ok(isRpcSecret(created.outs.adoptedOriginal), "the originals are wrapped");
    assert.deepEqual((created.outs.adoptedOriginal as { value: unknown }).value, { vatin: "DE-2", paymentData: { iban: "IBAN-2" } });
    assert.equal(emu.billingConfig(2).vatin, "DE-NEW");

    const outs = Object.fromEntries(Object.entries(created.outs).map(([k, v]) => [k, isRpcSecret(v) ? v.value : v]));
    const diff = await c.diff(created.outs, { orgId: 2, vatin: "DE-OTHER", invoiceIssuerInfo: "Acme", restoreOnDelete: true });
    assert.equal(diff.getChanges(), provproto.DiffResponse.DiffChanges.DIFF_SOME);
    const kinds: Record<string, number> = {};
    diff.getDetaileddiffMap().forEach((d, key) => (kinds[key] = d.getKind()));
    const Kind = provproto.PropertyDiff.Kind;
    assert.deepEqual(kinds, { vatin: Kind.UPDATE, invoiceIssuerInfo: Kind.ADD, paymentData: Kind.DELETE });
    const replace = await c.diff(outs, { orgId: 3, vatin: "DE-NEW", restoreOnDelete: true });
    assert.deepEqual(replace.getReplacesList(), ["orgId"]);
    const same = await c.diff(outs, { orgId: 2, vatin: "DE-NEW", paymentData: asRpcSecret({ iban: "IBAN-NEW" }), restoreOnDelete: true });
    assert.equal(same.getChanges(), provproto.DiffResponse.DiffChanges.DIFF_NONE);

    emu.clearRequests();
    const imported = await c.read("2");
    assert.deepEqual(
      emu.requests.filter((r) => r.path === billingPath(2)).map((r) => r.method),
      ["GET"],
    );
    assert.equal(imported.id, "2");
    assert.ok(imported.inputs, "the import's Read returns inputs");
    assert.equal(imported.inputs.vatin, "DE-NEW");
    assert.ok(isRpcSecret(imported.inputs.paymentData));
    assert.ok(!("invoiceIssuerInfo" in imported.inputs), "a field emnify holds nothing for is not declared");
    const check = await c.check(imported.inputs);
    assert.deepEqual(check.getFailuresList(), []);
    const afterImport = await c.diff(imported.outs, fromStruct(check.getInputs()));
    assert.equal(afterImport.getChanges(), provproto.DiffResponse.DiffChanges.DIFF_NONE, "an import is followed by no change");
  });

  it("the import of an organisation that does not exist reports it gone; a non-numeric id is refused before any call", async () => {
    const c = await connect();
    await c.configure({ applicationToken: asRpcSecret(TOKEN_A), endpoint: emu.url });
    assert.equal((await c.read("999")).id, "");
    emu.clearRequests();
    await assert.rejects(c.read("acme"), /numeric id/);
    assert.equal(emu.requests.length, 0);
  });
});
