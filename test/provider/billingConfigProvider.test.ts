/**
 * The provider's lifecycle methods against the emulator over real HTTP, through the real client:
 * which calls each operation makes, what it sends, what the state holds, and how partial
 * failures are recorded. (The engine path, with serialization and config, is test/lifecycle.)
 */
import assert from "node:assert/strict";
import { BillingConfigApi, billingConfigApi } from "../../provider/billing/billingConfigApi";
import { BillingConfigPartialFailure, BillingConfigProvider } from "../../provider/resource/billingConfigProvider";
import { BillingOriginalsProvider } from "../../provider/resource/billingOriginalsProvider";
import { EmnifyClient } from "../../provider/client/emnifyClient";
import { EmnifyApiError, EmnifyNetworkError } from "../../provider/client/errors";
import { RequestPacer } from "../../provider/client/pacer";
import { DEMO_APPLICATION_TOKEN, EmnifyEmulator } from "../../provider/emulator";
import { SECRET_SIG, SECRET_SIG_KEY, isRpcSecret } from "../../provider/resource/secretValue";
import type { EmulatorOptions } from "../../provider/emulator";
import type { ProviderInputs, StoredOutputs } from "../../provider/resource/providerTypes";
import { apiReferences, describedReferences } from "../references";
import { failure } from "../client/helpers";

const PATH = (orgId: number) => `/api/v1/organisation/${orgId}/billing_config`;

const ORIGINAL = {
  id: 8,
  vatin: "DE000000001",
  invoice_issuer_info: "Old issuer",
  ...apiReferences(0, 1, 1),
  payment_data: { method: "invoice" },
};

function clientFor(emu: EmnifyEmulator, applicationToken = DEMO_APPLICATION_TOKEN): EmnifyClient {
  return new EmnifyClient({
    endpoint: emu.url,
    applicationToken,
    timeoutMs: 2_000,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    pacer: new RequestPacer({ requests: 10_000, windowMs: 1_000, maxConcurrency: 8 }),
  });
}

/** Inputs as the engine sends them back to a host that refuses secrets: secret marks removed. */
function plainInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, isRpcSecret(value) ? value.value : value]));
}

/** A refresh of an organisation that exists: the read answers its props and inputs. */
async function found(
  provider: BillingConfigProvider,
  id: string,
  props: StoredOutputs,
): Promise<{ props: StoredOutputs; inputs: StoredOutputs }> {
  const { props: refreshed, inputs } = await provider.read(id, props);
  assert.ok(refreshed !== undefined && inputs !== undefined, "the read found the organisation");
  return { props: refreshed, inputs };
}

describe("BillingConfigProvider against the emulator", () => {
  let emu: EmnifyEmulator;
  let provider: BillingConfigProvider;
  let logs: string[];

  async function start(options: EmulatorOptions = {}, maxAttempts = 3, timeoutMs = 2_000): Promise<void> {
    emu = await EmnifyEmulator.start({
      organisations: [
        { id: 101, billingConfig: { ...ORIGINAL } },
        { id: 102, billingConfig: { ...ORIGINAL, id: 9 } },
      ],
      ...options,
    });
    const client = new EmnifyClient({
      endpoint: emu.url,
      applicationToken: DEMO_APPLICATION_TOKEN,
      timeoutMs,
      retry: { maxAttempts, baseDelayMs: 1, maxDelayMs: 5 },
      pacer: new RequestPacer({ requests: 10_000, windowMs: 1_000, maxConcurrency: 8 }),
    });
    logs = [];
    provider = new BillingConfigProvider(
      () => billingConfigApi(client),
      (line) => logs.push(line),
    );
    // Authenticate up front so every count below is billing-config calls only.
    await client.request({ method: "GET", path: PATH(101), operation: "warming up" });
    emu.clearRequests();
  }

  afterEach(async () => {
    await emu?.stop();
  });

  const calls = () => emu.requests.filter((r) => r.path !== "/api/v1/authenticate").map((r) => `${r.method} ${r.status}`);
  const patches = () => emu.requests.filter((r) => r.method === "PATCH").map((r) => r.body);

  async function created(inputs: Record<string, unknown>) {
    const { inputs: checked, failures } = await provider.check({}, inputs);
    assert.deepEqual(failures, []);
    return { checked, result: await provider.create(checked) };
  }

  describe("create (adoption)", () => {
    it("reads, patches only the declared fields that differ, reads back: 3 calls", async () => {
      await start();
      const { result } = await created({ orgId: 101, vatin: "DE999", chargingModel: { id: 1 }, paymentTerm: { id: 1 } });
      assert.deepEqual(calls(), ["GET 200", "PATCH 200", "GET 200"]);
      assert.deepEqual(patches(), [{ vatin: "DE999", charging_model: { id: 1 } }]);
      assert.equal(result.id, "101");
      assert.deepEqual(result.outs, {
        orgId: 101,
        billingConfigId: 8,
        vatin: "DE999",
        invoiceIssuerInfo: "Old issuer",
        ...describedReferences(1, 1, 1),
        paymentData: { method: "invoice" },
        restoreOnDelete: false,
        managedFields: ["vatin", "chargingModel", "paymentTerm"],
        adoptedOriginal: {
          vatin: "DE000000001",
          chargingModel: { id: 0, description: "Charging model 0" },
          paymentTerm: { id: 1, description: "Payment term 1" },
        },
        adoptionId: result.outs.adoptionId,
      });
      assert.match(result.outs.adoptionId ?? "", /^[0-9a-f-]{36}$/);
    });

    it("adopts an organisation that already matches with a single GET and no PATCH", async () => {
      await start();
      await created({ orgId: 101, vatin: "DE000000001", chargingModel: { id: 0 } });
      assert.deepEqual(calls(), ["GET 200"]);
    });

    it("never sends fields the program does not declare", async () => {
      await start();
      await created({ orgId: 101, invoiceIssuerInfo: null });
      assert.deepEqual(patches(), [{ invoice_issuer_info: null }]);
      assert.deepEqual(emu.billingConfig(101), { ...ORIGINAL, invoice_issuer_info: null });
    });

    it("tolerates the flat legacy answer shape", async () => {
      await start({ billingConfigShape: "flat" });
      const { result } = await created({ orgId: 101, chargingModel: { id: 0 }, paymentTerm: { id: 1 } });
      assert.deepEqual(calls(), ["GET 200"]);
      assert.deepEqual([result.outs.billingConfigId, result.outs.chargingModel, result.outs.paymentTerm], [8, { id: 0 }, { id: 1 }]);
    });

    for (const status of [409, 422] as const) {
      /** The message of a create that the API refused with `status`, in its words. */
      const refusedCreate = (orgId: number, words: string) =>
        `creating billing config for organisation ${orgId} failed: PATCH ${PATH(orgId)} answered ${status} ${words}`;

      it(`surfaces the API's refusal of a switch to prepaid answered ${status}, in its words, and changes nothing`, async () => {
        await start({ ruleViolationStatus: status });
        emu.setInclusiveVolumes(101, [{ id: 1 }]);
        const { inputs: checked } = await provider.check({}, { orgId: 101, chargingModel: { id: 2 } });
        const error = await failure(
          provider.create(checked),
          EmnifyApiError,
          refusedCreate(
            101,
            "InputValidationFailed: If there are active Data packages or inclusive volume present, charging_model can not be updated to prepaid.",
          ),
        );
        assert.equal(error.attempts, 1);
        assert.deepEqual(emu.billingConfig(101), ORIGINAL);
      });

      it(`surfaces the refusal to update the token's own organisation answered ${status} as 1406 NotAllowed`, async () => {
        await start({ ruleViolationStatus: status });
        const { inputs: checked } = await provider.check({}, { orgId: 1, vatin: "DE1" });
        const error = await failure(
          provider.create(checked),
          EmnifyApiError,
          refusedCreate(1, "NotAllowed: Updating of own organisation not allowed."),
        );
        assert.equal(error.errorCode, 1406);
      });
    }

    it("records the state from before when the PATCH gets no definite answer", async () => {
      await start({}, 2);
      emu.injectFault({ method: "PATCH", kind: "status", status: 503, times: Infinity });
      const { inputs: checked } = await provider.check({}, { orgId: 101, vatin: "NEW" });
      await assert.rejects(provider.create(checked), (error: unknown) => {
        assert.ok(error instanceof BillingConfigPartialFailure);
        assert.equal(error.id, "101");
        assert.equal(error.properties.vatin, "DE000000001");
        assert.deepEqual(error.properties.adoptedOriginal, { vatin: "DE000000001" });
        assert.equal(
          error.message,
          "creating billing config for organisation 101 failed: PATCH /api/v1/organisation/101/billing_config answered 503: Service Unavailable [gave up after 2 attempts]; it may or may not have been applied, so the state keeps the values from before and the next 'pulumi up' sends it again",
        );
        return true;
      });
    });

    it("records the state from before when an earlier attempt timed out, even if the last one was throttled", async () => {
      // The first PATCH is answered too late for the client but applied; its retries meet 429s.
      await start({}, 3, 300);
      emu.injectFault({ method: "PATCH", kind: "latency", delayMs: 600, times: 1 });
      emu.injectFault({ method: "PATCH", kind: "status", status: 429, times: Infinity });
      const { inputs: checked } = await provider.check({}, { orgId: 101, vatin: "LATE" });
      await assert.rejects(provider.create(checked), (error: unknown) => {
        assert.ok(error instanceof BillingConfigPartialFailure, String(error));
        assert.equal(error.properties.vatin, "DE000000001");
        assert.deepEqual(error.properties.adoptedOriginal, { vatin: "DE000000001" });
        assert.match(error.message, /answered 429 TooManyRequests.*; it may or may not have been applied/);
        return true;
      });
      // The late first PATCH is still being delayed by the emulator: it arrives in its own time.
      // (No fixed sleep: a busy machine may take longer; mocha's timeout bounds the wait.)
      while (emu.billingConfig(101).vatin !== "LATE") await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(emu.billingConfig(101).vatin, "LATE");
    });

    it("fails plainly, recording nothing, when every attempt was refused before taking effect", async () => {
      await start({}, 2);
      emu.injectFault({ method: "PATCH", kind: "status", status: 429, times: Infinity });
      const { inputs: checked } = await provider.check({}, { orgId: 101, vatin: "NEVER" });
      await assert.rejects(provider.create(checked), (error: unknown) => {
        assert.ok(error instanceof EmnifyApiError && !(error instanceof BillingConfigPartialFailure));
        assert.equal(error.mayHaveBeenApplied, false);
        return true;
      });
      assert.equal(emu.billingConfig(101).vatin, "DE000000001");
    });
  });

  describe("update", () => {
    async function adopted(inputs: Record<string, unknown>) {
      const { result } = await created(inputs);
      emu.clearRequests();
      return result.outs as Record<string, unknown>;
    }

    it("patches only the changed field, then reads back: 2 calls", async () => {
      await start();
      const olds = await adopted({ orgId: 101, vatin: "A", chargingModel: { id: 1 } });
      const { inputs } = await provider.check({}, { orgId: 101, vatin: "B", chargingModel: { id: 1 } });
      assert.deepEqual(await provider.diff("101", olds, inputs), { changes: true });
      const { outs } = await provider.update("101", olds, inputs);
      assert.deepEqual(calls(), ["PATCH 200", "GET 200"]);
      assert.deepEqual(patches(), [{ vatin: "B" }]);
      assert.equal(outs.vatin, "B");
      assert.deepEqual(outs.adoptedOriginal, { vatin: "DE000000001", chargingModel: { id: 0, description: "Charging model 0" } });
    });

    it("makes no call when only restoreOnDelete changes", async () => {
      await start();
      const olds = await adopted({ orgId: 101, vatin: "A" });
      const { inputs } = await provider.check({}, { orgId: 101, vatin: "A", restoreOnDelete: true });
      const { outs } = await provider.update("101", olds, inputs);
      assert.deepEqual(calls(), []);
      assert.equal(outs.restoreOnDelete, true);
    });

    it("remembers the original of a newly declared field and releases a field no longer declared", async () => {
      await start();
      const olds = await adopted({ orgId: 101, vatin: "A" });
      const { inputs } = await provider.check({}, { orgId: 101, paymentTerm: { id: 3 } });
      const { outs } = await provider.update("101", olds, inputs);
      assert.deepEqual(patches(), [{ payment_term: { id: 3 } }]);
      assert.deepEqual(outs.managedFields, ["paymentTerm"]);
      assert.deepEqual(outs.adoptedOriginal, { paymentTerm: { id: 1, description: "Payment term 1" } });
      assert.equal(emu.billingConfig(101).vatin, "A");
      assert.deepEqual(logs, ["organisation 101: vatin is no longer declared; released at its current value"]);
    });

    it("records the values sent when the change is applied but reading it back fails", async () => {
      await start({}, 1);
      const olds = await adopted({ orgId: 101, vatin: "A" });
      emu.injectFault({ method: "GET", kind: "status", status: 500, times: Infinity });
      const { inputs } = await provider.check({}, { orgId: 101, vatin: "B" });
      await assert.rejects(provider.update("101", olds, inputs), (error: unknown) => {
        assert.ok(error instanceof BillingConfigPartialFailure);
        assert.equal(error.properties.vatin, "B");
        assert.match(
          error.message,
          /^the change to organisation 101 was applied, but reading it back failed: .*answered 500.*run 'pulumi refresh' to confirm$/,
        );
        return true;
      });
      assert.equal(emu.billingConfig(101).vatin, "B");
    });

    it("corrects drift found by a refresh", async () => {
      await start();
      const olds = await adopted({ orgId: 101, vatin: "A" });
      emu.setBillingConfig(101, { vatin: "CHANGED BY HAND" });
      const refreshed = await found(provider, "101", olds);
      assert.equal(refreshed.props.vatin, "CHANGED BY HAND");
      assert.deepEqual(refreshed.inputs, { orgId: 101, restoreOnDelete: false, vatin: "CHANGED BY HAND" });
      const { inputs } = await provider.check({}, { orgId: 101, vatin: "A" });
      assert.deepEqual(await provider.diff("101", refreshed.props, inputs), { changes: true });
      emu.clearRequests();
      await provider.update("101", refreshed.props, inputs);
      assert.deepEqual(patches(), [{ vatin: "A" }]);
    });
  });

  describe("read and delete", () => {
    it("reads with one GET and drops an organisation that no longer exists from the state", async () => {
      await start();
      const { result } = await created({ orgId: 102, vatin: "X" });
      emu.clearRequests();
      emu.removeOrganisation(102);
      assert.deepEqual(await provider.read("102", result.outs), {});
      assert.deepEqual(calls(), ["GET 404"]);
      assert.deepEqual(logs, ["organisation 102 no longer exists; removing its billing config from the state"]);
    });

    it("releases the config untouched by default, with no API call, and says so", async () => {
      await start();
      const { result } = await created({ orgId: 101, vatin: "A" });
      emu.clearRequests();
      await provider.delete("101", result.outs);
      assert.deepEqual(calls(), []);
      assert.equal(emu.billingConfig(101).vatin, "A");
      assert.deepEqual(logs, [
        "organisation 101: billing config released unchanged (restoreOnDelete is false); emnify keeps its current settings",
      ]);
    });

    it("puts the adopted originals of the managed fields back with one PATCH when restoreOnDelete is set", async () => {
      await start();
      const { result } = await created({
        orgId: 101,
        vatin: "A",
        chargingModel: { id: 1 },
        paymentData: { method: "card" },
        restoreOnDelete: true,
      });
      emu.clearRequests();
      await provider.delete("101", result.outs);
      assert.deepEqual(patches(), [{ vatin: "DE000000001", charging_model: { id: 0 }, payment_data: { method: "invoice" } }]);
      assert.deepEqual(emu.billingConfig(101), ORIGINAL);
    });

    it("returns every managed field in the inputs of a refresh: references as { id }, payment data as a secret", async () => {
      await start();
      const { result } = await created({ orgId: 101, chargingModel: { id: 1 }, paymentData: { method: "card" } });
      const refreshed = await found(provider, "101", result.outs);
      assert.deepEqual(refreshed.inputs, {
        orgId: 101,
        restoreOnDelete: false,
        chargingModel: { id: 1 },
        paymentData: { [SECRET_SIG_KEY]: SECRET_SIG, value: { method: "card" } },
      });
      assert.deepEqual(refreshed.props.chargingModel, { id: 1, description: "Charging model 1" });
    });

    it("makes the engine's reverse diff after a refresh report nothing when nothing drifted, and the drift when it did", async () => {
      await start();
      const { checked, result } = await created({ orgId: 101, vatin: "A", chargingModel: { id: 1 }, paymentData: { method: "card" } });
      // The engine's refresh: Read, then Diff(olds = refreshed outputs, news = the inputs stored before).
      const first = await found(provider, "101", result.outs);
      assert.deepEqual(await provider.diff("101", first.props, checked), { changes: false });
      const second = await found(provider, "101", first.props);
      assert.deepEqual(await provider.diff("101", second.props, plainInputs(first.inputs) as ProviderInputs), { changes: false });
      emu.setBillingConfig(101, { vatin: "DRIFTED" });
      const third = await found(provider, "101", second.props);
      assert.deepEqual(await provider.diff("101", third.props, plainInputs(second.inputs) as ProviderInputs), { changes: true });
      const fourth = await found(provider, "101", third.props);
      assert.deepEqual(await provider.diff("101", fourth.props, plainInputs(third.inputs) as ProviderInputs), { changes: false });
      assert.equal(fourth.inputs.vatin, "DRIFTED");
    });

    it("keeps the adoption id through updates and refreshes", async () => {
      await start();
      const { result } = await created({ orgId: 101, vatin: "A" });
      const { inputs } = await provider.check({}, { orgId: 101, vatin: "B" });
      const { outs } = await provider.update("101", result.outs, inputs);
      const refreshed = await found(provider, "101", outs);
      assert.equal(outs.adoptionId, result.outs.adoptionId);
      assert.equal(refreshed.props.adoptionId, result.outs.adoptionId);
    });

    it("does not restore an organisation that another resource adopted in the same run (a rename)", async () => {
      await start();
      const { result: old } = await created({ orgId: 101, vatin: "A", restoreOnDelete: true });
      // The renamed resource adopts the same organisation, then the engine deletes the old one.
      await created({ orgId: 101, vatin: "A", restoreOnDelete: true });
      emu.clearRequests();
      await provider.delete("101", old.outs);
      assert.deepEqual(calls(), []);
      assert.equal(emu.billingConfig(101).vatin, "A");
      assert.equal(
        logs.at(-2),
        "organisation 101: billing config released unchanged, not restored: another resource of this stack manages it (a rename or move)",
      );
      // Without the organisation's record (BillingOriginals) the successor adopted "A": said, not hidden.
      assert.match(
        logs.at(-1) ?? "",
        /^warning: organisation 101: the resource that now manages it will restore vatin to different values/,
      );
    });

    it("does not restore an organisation that another resource adopted in an earlier run and diffs in this one", async () => {
      await start();
      const { result: old } = await created({ orgId: 101, vatin: "A", restoreOnDelete: true });
      const { checked: renamedInputs, result: renamed } = await created({ orgId: 101, vatin: "A", restoreOnDelete: true });
      // A later `pulumi up`, in a new host process: the resource still in the program is diffed
      // before the one removed from the program is deleted.
      const later = new BillingConfigProvider(
        () => billingConfigApi(clientFor(emu)),
        (line) => logs.push(line),
      );
      assert.deepEqual(await later.diff("101", renamed.outs, renamedInputs), { changes: false });
      emu.clearRequests();
      await later.delete("101", old.outs);
      assert.deepEqual(calls(), []);
      assert.equal(
        logs.at(-1),
        "organisation 101: billing config released unchanged, not restored: another resource of this stack manages it (a rename or move)",
      );
    });

    it("still restores when the only other claim on the organisation was for a different one (an orgId replacement)", async () => {
      await start();
      const { result: old } = await created({ orgId: 101, vatin: "A", restoreOnDelete: true });
      const later = new BillingConfigProvider(
        () => billingConfigApi(clientFor(emu)),
        (line) => logs.push(line),
      );
      const { inputs: moved } = await later.check({}, { orgId: 102, vatin: "A", restoreOnDelete: true });
      assert.deepEqual(await later.diff("101", old.outs, moved), { changes: true, replaces: ["orgId"], deleteBeforeReplace: false });
      await later.create(moved);
      emu.clearRequests();
      await later.delete("101", old.outs);
      assert.deepEqual(patches(), [{ vatin: "DE000000001" }]);
    });

    for (const [shape, held] of [
      ["a string", "IBAN ****1234"],
      ["an array", [{ iban: "****1234" }]],
    ] as const) {
      it(`adopts and refreshes an organisation whose payment_data is ${shape}, since its GET shape is undocumented`, async () => {
        await start();
        emu.setBillingConfig(101, { payment_data: held });
        const { result } = await created({ orgId: 101, vatin: "A" });
        assert.deepEqual(result.outs.paymentData, held);
        const refreshed = await found(provider, "101", result.outs);
        assert.deepEqual(refreshed.props.paymentData, held);
        assert.equal(refreshed.props.vatin, "A");
      });

      it(`refuses to manage paymentData that emnify holds as ${shape}, naming the organisation, before any PATCH`, async () => {
        await start();
        emu.setBillingConfig(101, { payment_data: held });
        const { inputs } = await provider.check({}, { orgId: 101, vatin: "A", paymentData: { iban: "DE89370400440532013000" } });
        emu.clearRequests();
        await assert.rejects(provider.create(inputs), (error: unknown) => {
          assert.equal(
            (error as Error).message,
            `creating billing config for organisation 101: paymentData is declared, but emnify holds payment_data as ${shape}, ` +
              "not an object, so the resource cannot compare it with the declared value (it would send it on every run). " +
              "Leave paymentData out of this organisation's declaration to keep what emnify holds.",
          );
          return true;
        });
        assert.deepEqual(calls(), ["GET 200"]);
        assert.deepEqual(emu.billingConfig(101).vatin, ORIGINAL.vatin);
      });
    }

    it("treats a vanished organisation as nothing to restore", async () => {
      await start();
      const { result } = await created({ orgId: 101, vatin: "A", restoreOnDelete: true });
      emu.removeOrganisation(101);
      await provider.delete("101", result.outs);
      assert.deepEqual(logs.at(-1), "organisation 101 no longer exists; nothing to restore");
    });
  });
});

describe("BillingConfigProvider with an API that ignores a change", () => {
  it("fails with the values emnify still reports, recording them in the state", async () => {
    const live = {
      billingConfigId: 1,
      values: { vatin: "OLD", invoiceIssuerInfo: null, chargingModel: null, paymentTerm: null, vatRate: null, paymentData: null },
    };
    const api: BillingConfigApi = { get: async () => structuredClone(live), patch: async () => undefined };
    const provider = new BillingConfigProvider(() => api);
    await assert.rejects(provider.create({ orgId: 5, vatin: "NEW", restoreOnDelete: false }), (error: unknown) => {
      assert.ok(error instanceof BillingConfigPartialFailure);
      assert.equal(
        error.message,
        'emnify accepted the change to organisation 5 but reports vatin is "OLD" instead of "NEW"; the state records what emnify holds',
      );
      assert.equal(error.properties.vatin, "OLD");
      return true;
    });
  });

  it("never calls the API in check or diff", async () => {
    const provider = new BillingConfigProvider(() => assert.fail("the API was used"));
    const { inputs } = await provider.check({}, { orgId: 1, vatin: "A" });
    assert.deepEqual(await provider.diff("1", { orgId: 1, vatin: "A", managedFields: ["vatin"], restoreOnDelete: false }, inputs), {
      changes: false,
    });
    assert.deepEqual(await provider.diff("1", { orgId: 2 }, inputs), { changes: true, replaces: ["orgId"], deleteBeforeReplace: false });
  });
});

describe("BillingConfigProvider restoring on delete when the outcome is unknown", () => {
  const before = { vatin: "ORIGINAL", invoiceIssuerInfo: null, chargingModel: null, paymentTerm: null, vatRate: null, paymentData: null };
  const state = {
    orgId: 7,
    billingConfigId: 1,
    ...before,
    vatin: "DECLARED",
    restoreOnDelete: true,
    managedFields: ["vatin"],
    adoptedOriginal: { vatin: "ORIGINAL" },
    adoptionId: "a-1",
  };
  function unknownOutcome(): EmnifyNetworkError {
    const error = new EmnifyNetworkError({
      operation: "restoring the original billing config",
      orgId: 7,
      method: "PATCH",
      path: "/api/v1/organisation/7/billing_config",
      reason: "timeout of 300ms exceeded",
      attempts: 3,
    });
    error.mayHaveBeenApplied = true;
    return error;
  }
  function providerReading(read: () => Promise<unknown>): BillingConfigProvider {
    const api = {
      get: read,
      patch: async () => {
        throw unknownOutcome();
      },
    } as unknown as BillingConfigApi;
    return new BillingConfigProvider(() => api);
  }

  it("succeeds when a read shows the restore was applied", async () => {
    await providerReading(async () => ({ billingConfigId: 1, values: { ...before } })).delete("7", state);
  });

  it("keeps the failure when a read shows the restore was not applied, so the state stays true", async () => {
    await assert.rejects(
      providerReading(async () => ({ billingConfigId: 1, values: { ...before, vatin: "DECLARED" } })).delete("7", state),
      {
        message:
          "restoring the original billing config for organisation 7 failed: PATCH /api/v1/organisation/7/billing_config got no answer: timeout of 300ms exceeded [gave up after 3 attempts]",
      },
    );
  });

  it("says to refresh when it cannot tell", async () => {
    await assert.rejects(
      providerReading(async () => {
        throw new Error("GET failed too");
      }).delete("7", state),
      (error: Error) => {
        assert.match(
          error.message,
          /; it may have been applied, and reading back failed too \(GET failed too\): run 'pulumi refresh' before the next 'pulumi up' so the state shows what emnify holds$/,
        );
        return true;
      },
    );
  });
});

describe("BillingConfigProvider with a rejected application token", () => {
  let emu: EmnifyEmulator;
  const state = {
    orgId: 101,
    billingConfigId: 8,
    vatin: "A",
    invoiceIssuerInfo: null,
    chargingModel: null,
    paymentTerm: null,
    vatRate: null,
    paymentData: null,
    restoreOnDelete: true,
    managedFields: ["vatin"],
    adoptedOriginal: { vatin: "DE000000001" },
    adoptionId: "a-1",
  };
  const note = (command: string) =>
    ` Note: 'pulumi ${command}' signs in with the stack config saved by the last 'pulumi up', not the current one; ` +
    `if emnify:applicationToken was changed since, run 'pulumi ${command} --run-program' (or 'pulumi up' first).`;

  before(async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101, billingConfig: { ...ORIGINAL } }], lockout: false });
  });
  after(() => emu.stop());

  // A rejected token is remembered for the whole process, so each test has its own.
  let tokens = 0;
  function provider(source: "stack config" | "environment"): BillingConfigProvider {
    const client = clientFor(emu, `a-rotated-away-application-token-${++tokens}`);
    return new BillingConfigProvider(() => billingConfigApi(client), { tokenSource: () => source });
  }

  /** What the client says about a rejected token, as the environment-sourced provider passes it on unchanged. */
  async function plainRejection(): Promise<string> {
    const error = await provider("environment")
      .read("101", state)
      .then(
        () => assert.fail("the token was accepted"),
        (e: Error) => e,
      );
    assert.match(error.message, /^authenticating with emnify failed: POST \/api\/v1\/authenticate answered 401/);
    return error.message;
  }

  it("says on refresh that the token comes from the config saved by the last up, and what to run", async () => {
    const rejected = await plainRejection();
    await assert.rejects(provider("stack config").read("101", state), (error: Error) => {
      assert.equal(error.name, "EmnifyAuthenticationError");
      assert.equal(error.message, rejected + note("refresh"));
      return true;
    });
  });

  it("says the same on destroy, naming 'pulumi destroy --run-program'", async () => {
    const rejected = await plainRejection();
    await assert.rejects(provider("stack config").delete("101", state), { message: rejected + note("destroy") });
  });

  it("adds nothing when the token came from the environment, which is always current", async () => {
    assert.equal((await plainRejection()).includes("Note:"), false);
  });
});

describe("BillingOriginals and the BillingConfig that takes them", () => {
  let emu: EmnifyEmulator;
  let provider: BillingConfigProvider;
  let originals: BillingOriginalsProvider;
  let logs: string[];

  beforeEach(async () => {
    emu = await EmnifyEmulator.start({ organisations: [{ id: 101, billingConfig: { ...ORIGINAL } }] });
    const client = clientFor(emu);
    logs = [];
    provider = new BillingConfigProvider(
      () => billingConfigApi(client),
      (line) => logs.push(line),
    );
    originals = new BillingOriginalsProvider(() => billingConfigApi(client));
    await client.request({ method: "GET", path: PATH(101), operation: "warming up" });
    emu.clearRequests();
  });
  afterEach(() => emu?.stop());

  const calls = () => emu.requests.filter((r) => r.path !== "/api/v1/authenticate").map((r) => `${r.method} ${r.status}`);
  const patches = () => emu.requests.filter((r) => r.method === "PATCH").map((r) => r.body);

  async function record(): Promise<Record<string, unknown>> {
    const { inputs, failures } = await originals.check({}, { orgId: 101 });
    assert.deepEqual(failures, []);
    const { id, outs } = await originals.create(inputs);
    assert.equal(id, "101");
    return outs as Record<string, unknown>;
  }

  async function adopt(declared: Record<string, unknown>, recorded: unknown) {
    const { inputs, failures } = await provider.check({}, { ...declared, originals: recorded });
    assert.deepEqual(failures, []);
    return { inputs, result: await provider.create(inputs) };
  }

  it("records every field with one GET; read, diff, update and delete make no call and keep the record", async () => {
    const outs = await record();
    assert.deepEqual(calls(), ["GET 200"]);
    assert.deepEqual(Object.keys(outs.originals as object).sort(), [
      "chargingModel",
      "invoiceIssuerInfo",
      "paymentData",
      "paymentTerm",
      "vatRate",
      "vatin",
    ]);
    emu.setBillingConfig(101, { ...ORIGINAL, vatin: "CHANGED" });
    emu.clearRequests();
    assert.deepEqual(await originals.read("101", outs), { id: "101", props: outs, inputs: { orgId: 101 } });
    assert.deepEqual(await originals.diff("101", outs, { orgId: 101 }), { changes: false });
    assert.deepEqual(await originals.diff("101", outs, { orgId: 102 }), { changes: true, replaces: ["orgId"], deleteBeforeReplace: false });
    assert.deepEqual((await originals.update("101", outs)).outs, outs);
    await originals.delete();
    assert.deepEqual(calls(), []);
  });

  it("refuses an organisation id that is not a positive whole number", async () => {
    const { failures } = await originals.check({}, { orgId: "101" });
    assert.deepEqual(failures, [{ property: "orgId", reason: "must be a positive whole number (the emnify organisation id)" }]);
  });

  it("create adopts the recorded originals, not what emnify holds after an earlier run's PATCH, and says which differ", async () => {
    const recorded = (await record()).originals;
    // An earlier run changed the organisation, then died before the engine recorded its BillingConfig.
    emu.setBillingConfig(101, { ...ORIGINAL, vatin: "SET", payment_term: { id: 2 } });
    emu.clearRequests();
    const { result } = await adopt({ orgId: 101, vatin: "SET", paymentTerm: { id: 2 }, restoreOnDelete: true }, recorded);
    assert.deepEqual(calls(), ["GET 200"]);
    assert.deepEqual(result.outs.adoptedOriginal, { vatin: "DE000000001", paymentTerm: { id: 1, description: "Payment term 1" } });
    assert.deepEqual(logs, [
      "organisation 101: adopting the originals recorded before this stack first changed it; vatin, paymentTerm already differ from them " +
        "(an earlier run that stopped after changing them, or a change made outside this stack)",
    ]);
    await provider.delete("101", result.outs);
    assert.deepEqual(patches(), [{ vatin: "DE000000001", payment_term: { id: 1 } }]);
  });

  it("update keeps the resource's own originals (first wins) and takes the record's only for a newly declared field", async () => {
    const recorded = { ...((await record()).originals as object), vatin: "RECORDED-LATER", invoiceIssuerInfo: "Recorded issuer" };
    // A state of an earlier version: its own adoptedOriginal, no record.
    const { result } = await adopt({ orgId: 101, vatin: "A", restoreOnDelete: true }, undefined);
    assert.deepEqual(logs, ["organisation 101: no recorded originals given; adopting what emnify holds now as the values to restore"]);
    const { inputs } = await provider.check(
      {},
      { orgId: 101, vatin: "A", invoiceIssuerInfo: "New issuer", restoreOnDelete: true, originals: recorded },
    );
    const { outs } = await provider.update("101", result.outs, inputs);
    assert.deepEqual(outs.adoptedOriginal, { vatin: "DE000000001", invoiceIssuerInfo: "Recorded issuer" });
  });

  it("a rename's old half warns, naming the fields, when its successor adopted different originals", async () => {
    const { result: old } = await adopt({ orgId: 101, vatin: "A", restoreOnDelete: true }, undefined);
    // An upgrade recorded the organisation after this stack had changed it; the renamed resource adopts that.
    const recorded = (await record()).originals;
    await adopt({ orgId: 101, vatin: "A", restoreOnDelete: true }, recorded);
    emu.clearRequests();
    await provider.delete("101", old.outs);
    assert.deepEqual(calls(), []);
    assert.match(
      logs.at(-1) ?? "",
      /^warning: organisation 101: the resource that now manages it will restore vatin to different values than this one held/,
    );
  });

  it("the originals input is checked as an object and is not a diff", async () => {
    const { failures } = await provider.check({}, { orgId: 101, originals: "x" });
    assert.deepEqual(failures, [{ property: "originals", reason: "is set by pulumi-emnify and must be an object" }]);
    const { result } = await adopt({ orgId: 101, vatin: "A", restoreOnDelete: true }, { vatin: "X" });
    const { inputs } = await provider.check({}, { orgId: 101, vatin: "A", restoreOnDelete: true, originals: { vatin: "Y" } });
    assert.deepEqual(await provider.diff("101", result.outs, inputs), { changes: false });
  });
});
