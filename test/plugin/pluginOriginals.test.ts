/**
 * The provider plugin's second resource type, `emnify:index:BillingOriginals` (the record of an
 * organisation's values before this stack changed them), and the BillingConfig's `originals`
 * input, driven through the gRPC service as the engine drives it, against the emulator. The real
 * CLI's runs (kill, rename, destroy) are test/realCli/pluginOriginals.test.ts.
 */
import * as assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { EmnifyEmulator } from "../../provider/emulator";
import { servePlugin } from "../../provider/plugin/main";
import { EmnifyProviderPlugin, missingOriginalsWarning, typeOfUrn } from "../../provider/plugin/server";
import { fromStruct, toStruct } from "../../provider/plugin/wire";
import { asRpcSecret, isRpcSecret } from "../../provider/resource/secretValue";

const TOKEN = "plugin-originals-token-0123456789";
const CONFIG_URN = (name: string) => `urn:pulumi:s::p::emnify:index:BillingConfig::${name}`;
const RECORD_URN = (orgId: number) => `urn:pulumi:s::p::emnify:index:BillingOriginals::org-${orgId}`;
const billingPath = (orgId: number) => `/api/v1/organisation/${orgId}/billing_config`;

type Props = Record<string, unknown>;

function plain(value: unknown): unknown {
  return isRpcSecret(value) ? value.value : value;
}

describe("provider plugin: the record of originals (emnify:index:BillingOriginals)", () => {
  let emu: EmnifyEmulator;
  let server: grpc.Server;
  let client: ResourceProviderClient;
  let warnings: { urn: string; line: string }[];

  function call<Req, Res>(
    method: (req: Req, done: (error: grpc.ServiceError | null, res: Res) => void) => unknown,
    request: Req,
  ): Promise<Res> {
    return new Promise((resolve, reject) => method.call(client, request, (error, res) => (error ? reject(error) : resolve(res))));
  }
  const check = (urn: string, news: Props) =>
    call<provproto.CheckRequest, provproto.CheckResponse>(client.check, new provproto.CheckRequest().setUrn(urn).setNews(toStruct(news)));
  const create = async (urn: string, properties: Props) => {
    const response = await call<provproto.CreateRequest, provproto.CreateResponse>(
      client.create,
      new provproto.CreateRequest().setUrn(urn).setProperties(toStruct(properties)),
    );
    return { id: response.getId(), outs: fromStruct(response.getProperties()) };
  };
  const read = async (urn: string, id: string, properties: Props = {}) => {
    const request = new provproto.ReadRequest().setId(id).setUrn(urn);
    if (Object.keys(properties).length > 0) request.setProperties(toStruct(properties));
    const response = await call<provproto.ReadRequest, provproto.ReadResponse>(client.read, request);
    const inputs = response.getInputs();
    return { id: response.getId(), outs: fromStruct(response.getProperties()), inputs: inputs ? fromStruct(inputs) : undefined };
  };
  const diff = (urn: string, olds: Props, news: Props) =>
    call<provproto.DiffRequest, provproto.DiffResponse>(
      client.diff,
      new provproto.DiffRequest().setId("2").setUrn(urn).setOlds(toStruct(olds)).setNews(toStruct(news)),
    );
  const update = async (urn: string, olds: Props, news: Props) => {
    const response = await call<provproto.UpdateRequest, provproto.UpdateResponse>(
      client.update,
      new provproto.UpdateRequest().setId("2").setUrn(urn).setOlds(toStruct(olds)).setNews(toStruct(news)),
    );
    return fromStruct(response.getProperties());
  };
  const remove = (urn: string, id: string, properties: Props) =>
    call(client.delete, new provproto.DeleteRequest().setId(id).setUrn(urn).setProperties(toStruct(properties)));

  beforeEach(async () => {
    emu = await EmnifyEmulator.start({
      accounts: [{ applicationToken: TOKEN, organisationId: 1 }],
      organisations: [{ id: 2, billingConfig: { vatin: "DE-2", payment_data: { iban: "IBAN-2" }, invoice_issuer_info: null } }],
    });
    warnings = [];
    const plugin = new EmnifyProviderPlugin({
      env: {},
      log: () => undefined,
      warn: async (urn, line) => {
        warnings.push({ urn, line });
      },
    });
    const served = await servePlugin(plugin);
    server = served.server;
    client = new ResourceProviderClient(`127.0.0.1:${served.port}`, grpc.credentials.createInsecure());
    await call(
      client.configure,
      new provproto.ConfigureRequest().setArgs(toStruct({ applicationToken: asRpcSecret(TOKEN), endpoint: emu.url })),
    );
  });
  afterEach(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await emu.stop();
  });

  it("reads a resource's type from its URN, parents included", () => {
    assert.equal(typeOfUrn(RECORD_URN(7)), "emnify:index:BillingOriginals");
    assert.equal(typeOfUrn("urn:pulumi:s::p::my:Component$emnify:index:BillingConfig::a"), "emnify:index:BillingConfig");
  });

  it("records with one GET, secret; refresh, diff, update and delete of the record call nothing and keep it as it was", async () => {
    const checked = await check(RECORD_URN(2), { orgId: 2 });
    assert.deepEqual(checked.getFailuresList(), []);
    assert.deepEqual(fromStruct(checked.getInputs()), { orgId: 2 });
    assert.deepEqual(
      (await check(RECORD_URN(2), { orgId: "two" })).getFailuresList().map((f) => f.getProperty()),
      ["orgId"],
    );

    emu.clearRequests();
    const created = await create(RECORD_URN(2), { orgId: 2 });
    assert.deepEqual(
      emu.requests.map((r) => `${r.method} ${r.path}`).filter((r) => r.includes("billing_config")),
      [`GET ${billingPath(2)}`],
    );
    assert.equal(created.id, "2");
    assert.equal(created.outs.orgId, 2);
    assert.ok(isRpcSecret(created.outs.originals), "the originals hold payment data: secret");
    const recorded = plain(created.outs.originals) as Props;
    assert.equal(recorded.vatin, "DE-2");
    assert.deepEqual(recorded.paymentData, { iban: "IBAN-2" });

    emu.setBillingConfig(2, { vatin: "DE-CHANGED-OUTSIDE" });
    emu.clearRequests();
    const refreshed = await read(RECORD_URN(2), "2", created.outs);
    assert.deepEqual(plain(refreshed.outs.originals), recorded, "a refresh keeps the record as it was");
    assert.ok(isRpcSecret(refreshed.outs.originals));
    assert.deepEqual(refreshed.inputs, { orgId: 2 });
    const same = await diff(RECORD_URN(2), created.outs, { orgId: 2 });
    assert.equal(same.getChanges(), provproto.DiffResponse.DiffChanges.DIFF_NONE);
    const other = await diff(RECORD_URN(2), created.outs, { orgId: 3 });
    assert.deepEqual(other.getReplacesList(), ["orgId"]);
    const kinds: Record<string, number> = {};
    other.getDetaileddiffMap().forEach((d, key) => (kinds[key] = d.getKind()));
    assert.deepEqual(kinds, { orgId: provproto.PropertyDiff.Kind.UPDATE_REPLACE });
    const updated = await update(RECORD_URN(2), created.outs, { orgId: 2 });
    assert.deepEqual(plain(updated.originals), recorded);
    assert.ok(isRpcSecret(updated.originals));
    await remove(RECORD_URN(2), "2", created.outs);
    assert.equal(emu.requests.length, 0, "read, diff, update and delete of a record make no API call");
    assert.equal(emu.billingConfig(2).vatin, "DE-CHANGED-OUTSIDE", "forgetting the record changes nothing in emnify");
  });

  it("imports a record by organisation id with one GET", async () => {
    emu.clearRequests();
    const imported = await read(RECORD_URN(2), "2");
    assert.equal(imported.id, "2");
    assert.deepEqual(imported.inputs, { orgId: 2 });
    assert.equal((plain(imported.outs.originals) as Props).vatin, "DE-2");
    assert.equal(emu.requests.filter((r) => r.path === billingPath(2)).length, 1);
    await assert.rejects(read(RECORD_URN(2), "acme"), /organisation id/);
  });

  it("a BillingConfig given the record adopts and restores its values even when emnify already holds the declared ones", async () => {
    const record = await create(RECORD_URN(2), { orgId: 2 });
    // A run killed after its PATCH: emnify already holds the declared values when the create runs again.
    emu.setBillingConfig(2, { vatin: "DE-NEW" });
    const inputs = fromStruct(
      (await check(CONFIG_URN("acme"), { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true, originals: record.outs.originals })).getInputs(),
    );
    assert.ok(isRpcSecret(inputs.originals), "the originals input stays a secret");
    const created = await create(CONFIG_URN("acme"), inputs);
    assert.deepEqual(plain(created.outs.adoptedOriginal), { vatin: "DE-2" });
    assert.deepEqual(warnings, [], "no warning when the record is given");
    await remove(CONFIG_URN("acme"), created.id, created.outs);
    assert.equal(emu.billingConfig(2).vatin, "DE-2", "destroy restores the recorded value");
  });

  it("a restoreOnDelete BillingConfig without the record warns once, against its resource, saying what to declare", async () => {
    await create(CONFIG_URN("acme"), { orgId: 2, vatin: "DE-NEW", restoreOnDelete: true });
    assert.deepEqual(warnings, [{ urn: CONFIG_URN("acme"), line: missingOriginalsWarning(2, "acme") }]);
    const line = warnings[0].line;
    assert.ok(!line.includes("\n"), "one line");
    assert.match(line, /emnify:index:BillingOriginals named "org-2" with orgId 2/);
    assert.match(line, /originals: \$\{org-2\.originals\}/);
    await create(CONFIG_URN("other"), { orgId: 2, vatin: "DE-NEW" });
    assert.equal(warnings.length, 1, "no warning without restoreOnDelete");
  });

  it("refuses a type it does not serve, by name", async () => {
    await assert.rejects(
      check("urn:pulumi:s::p::emnify:index:Other::x", { orgId: 2 }),
      /serves emnify:index:BillingConfig and emnify:index:BillingOriginals, not "emnify:index:Other"/,
    );
  });
});
