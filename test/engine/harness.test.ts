/**
 * Self-test of the engine harness, using a throwaway file-backed dynamic provider
 * (fixtures/echoProgram.js) so the gRPC plumbing and the lifecycle rules are proven independently
 * of the emnify provider.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  EngineSimulator,
  ProgramRunError,
  ProviderHost,
  ProviderOperationError,
  RegisteredResource,
  SECRET_SIG,
  SIG_KEY,
  StateResource,
  makeTempDir,
  repoRoot,
  revealResource,
  runProgramUnderMocks,
  startProviderHost,
} from "../../tools/engine";

const PROJECT = "echo";
const STACK = "dev";
const PASSWORD = "hunter2-correct-horse";

interface EchoObject {
  name: string;
  kind: string;
  value: unknown;
  barrier?: number;
  withPassword?: boolean;
  ignoreChanges?: string[];
  /** Take this other object's secret output `secretToken` as an input, and depend on it. */
  tokenOf?: string;
}

function runEcho(objects: EchoObject[]): Promise<RegisteredResource[]> {
  return runProgramUnderMocks({
    projectDir: repoRoot(),
    program: "test/engine/fixtures/echoProgram.js",
    project: PROJECT,
    stack: STACK,
    config: { "echo:objects": JSON.stringify(objects), "echo:password": PASSWORD },
    secretConfigKeys: ["echo:password"],
  });
}

function urnOf(name: string): string {
  return `urn:pulumi:${STACK}::${PROJECT}::pulumi-nodejs:dynamic/echo:Echo::${name}`;
}

describe("engine harness, driving Pulumi's dynamic-provider host with a throwaway provider", function () {
  // Each step starts Node processes (program, host); generous on a busy machine. No assertion
  // depends on time.
  this.timeout(120_000);
  let host: ProviderHost;
  let storeDir: string;

  const stored = (id: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(storeDir, `${id}.json`), "utf8"));
  const resourceIn = (engine: EngineSimulator, name: string): StateResource | undefined =>
    engine.state().resources.find((r) => r.urn === urnOf(name) && !r.delete);
  const newEngine = (): EngineSimulator => new EngineSimulator(host, { project: PROJECT, stack: STACK });
  /** The host's output once it holds `text`: the host's stdout may arrive after its gRPC answer. */
  async function outputOnceItHas(text: string): Promise<string> {
    for (let waited = 0; !host.output().includes(text) && waited < 5_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return host.output();
  }

  before(async function () {
    storeDir = makeTempDir("echo-store-");
    host = await startProviderHost({ cwd: repoRoot(), project: PROJECT, stack: STACK });
    await host.configure({ "echo:storeDir": storeDir, "echo:password": PASSWORD }, ["echo:password"]);
  });

  after(async function () {
    await host?.stop();
  });

  describe("running a program under mocks", function () {
    it("returns every registered resource with its __provider text, secret input names and additionalSecretOutputs", async function () {
      const resources = await runEcho([
        { name: "m1", kind: "k", value: "v", withPassword: true },
        { name: "m2", kind: "k", value: "w" },
      ]);
      const byName = new Map(resources.map((r) => [r.name, r]));
      assert.deepEqual([...byName.keys()].sort(), ["m1", "m2"]);
      const m1 = byName.get("m1")!;
      assert.equal(m1.type, "pulumi-nodejs:dynamic/echo:Echo");
      assert.equal(m1.urn, urnOf("m1"));
      assert.equal(m1.custom, true);
      assert.deepEqual(m1.additionalSecretOutputs, ["secretToken"]);
      assert.deepEqual(m1.secretInputKeys, ["password"]);
      assert.equal(m1.inputs.password, PASSWORD);
      assert.equal(byName.get("m2")!.secretInputKeys, undefined);
      assert.match(String(m1.inputs.__provider), /^exports\.handler = /);
      assert.equal(m1.inputs.__provider, byName.get("m2")!.inputs.__provider);
    });

    it("rejects when the closure serializer cannot serialize the provider", async function () {
      const program = {
        source: [
          `const pulumi = require("@pulumi/pulumi");`,
          `const nativeHelper = Math.max.bind(null);`,
          `const provider = { async create(inputs) { return { id: String(nativeHelper(1, 2)), outs: inputs }; } };`,
          `new pulumi.dynamic.Resource(provider, "unserializable", {}, {});`,
        ].join("\n"),
      };
      await assert.rejects(runProgramUnderMocks({ projectDir: repoRoot(), program }), (error: unknown) => {
        assert.ok(error instanceof ProgramRunError);
        // Pulumi's words: 'error serializing property "__provider"' (3.248), "Error serializing '() => provider'" (3.216).
        assert.match(error.message, /error serializing (property "__provider"|'\(\) => provider')/i);
        assert.match(error.message, /it was a native code function/);
        return true;
      });
    });

    it("rejects when the program throws", async function () {
      await assert.rejects(
        runProgramUnderMocks({ projectDir: repoRoot(), program: { source: `throw new Error("program exploded");` } }),
        (error: unknown) => error instanceof ProgramRunError && /program exploded/.test(error.message),
      );
    });
  });

  describe("up", function () {
    it("creates all resources concurrently, in one host configured once with namespaced config", async function () {
      const engine = newEngine();
      const barrier = 3;
      const result = await engine.up(await runEcho(["c1", "c2", "c3"].map((name) => ({ name, kind: "k", value: " padded ", barrier }))));
      assert.deepEqual(result.failed, []);
      assert.deepEqual(
        result.steps.map((s) => [s.urn, s.op, s.changed]).sort(),
        ["c1", "c2", "c3"].map((name) => [urnOf(name), "create", ["barrier", "kind", "name", "value"]]),
      );
      for (const name of ["c1", "c2", "c3"]) {
        const outputs = revealResource(resourceIn(engine, name)!).outputs;
        // Every create saw all three in flight at once: the host served them concurrently.
        assert.equal(outputs.maxInFlight, barrier);
        assert.equal(outputs.configureCalls, 1);
        assert.equal(outputs.storeDir, storeDir);
        // check() trimmed the value; create received the checked inputs.
        assert.equal(outputs.value, "padded");
        assert.equal(stored(`k-${name}`).value, "padded");
      }
    });

    it("runs a resource after those it depends on and passes their outputs it lacks as inputs, sealed when secret", async function () {
      const engine = newEngine();
      const result = await engine.up(
        await runEcho([
          { name: "d1", kind: "k", value: "v" },
          { name: "d2", kind: "k", value: "v", tokenOf: "d1" },
        ]),
      );
      assert.deepEqual(result.failed, []);
      const d2 = resourceIn(engine, "d2")!;
      assert.equal((d2.inputs.secretToken as Record<string, unknown>)[SIG_KEY], SECRET_SIG);
      assert.equal(revealResource(d2).inputs.secretToken, "token-for-k-d1");
      // (d2 holds d1's output, so it was created after d1's create returned.)
      assert.equal(JSON.stringify(engine.state()).includes("token-for-k-d1"), false);
    });

    it("fails a resource whose dependency failed, without calling its provider", async function () {
      const engine = newEngine();
      const result = await engine.up(
        await runEcho([
          { name: "f1", kind: "k", value: 42 },
          { name: "f2", kind: "k", value: "v", tokenOf: "f1" },
        ]),
      );
      assert.deepEqual(
        result.failed.map((s) => [s.urn, s.error]),
        [
          [urnOf("f1"), "value: must be a string"],
          [urnOf("f2"), `${urnOf("f1")}, which it depends on, failed`],
        ],
      );
      assert.equal(fs.existsSync(path.join(storeDir, "k-f2.json")), false);
    });

    it("stores outputs named in additionalSecretOutputs and outputs of secret inputs sealed, never verbatim", async function () {
      const engine = newEngine();
      await engine.up(await runEcho([{ name: "s1", kind: "k", value: "v", withPassword: true }]));
      const resource = resourceIn(engine, "s1")!;
      for (const secret of [resource.outputs.secretToken, resource.outputs.password, resource.inputs.password]) {
        assert.equal((secret as Record<string, unknown>)[SIG_KEY], SECRET_SIG);
        assert.equal(typeof (secret as Record<string, unknown>).ciphertext, "string");
      }
      const plain = revealResource(resource);
      assert.equal(plain.outputs.secretToken, "token-for-k-s1");
      assert.equal(plain.inputs.password, PASSWORD);
      const stateJson = JSON.stringify(engine.state());
      assert.equal(stateJson.includes("token-for-k-s1"), false);
      assert.equal(stateJson.includes(PASSWORD), false);
    });

    it("does nothing for an unchanged program and updates a changed value in place", async function () {
      const engine = newEngine();
      await engine.up(await runEcho([{ name: "u1", kind: "k", value: "one" }]));
      const again = await engine.up(await runEcho([{ name: "u1", kind: "k", value: "one" }]));
      assert.deepEqual(again.steps, [{ urn: urnOf("u1"), op: "same", changed: [] }]);

      const changed = await engine.up(await runEcho([{ name: "u1", kind: "k", value: "two" }]));
      assert.deepEqual(changed.steps, [{ urn: urnOf("u1"), op: "update", changed: ["value"] }]);
      assert.equal(stored("k-u1").value, "two");
      assert.equal(stored("k-u1").updates, 1);
      assert.equal(revealResource(resourceIn(engine, "u1")!).outputs.updates, 1);
    });

    it("replaces a resource when diff reports replaces, creating the new object before deleting the old", async function () {
      const engine = newEngine();
      await engine.up(await runEcho([{ name: "r1", kind: "old", value: "v" }]));
      const result = await engine.up(await runEcho([{ name: "r1", kind: "new", value: "v" }]));
      assert.deepEqual(result.steps, [{ urn: urnOf("r1"), op: "replace", changed: ["kind"], replaces: ["kind"] }]);
      assert.equal(resourceIn(engine, "r1")!.id, "new-r1");
      assert.equal(fs.existsSync(path.join(storeDir, "old-r1.json")), false);
      assert.equal(engine.state().resources.length, 1);
      assert.match(await outputOnceItHas("echo: deleted old-r1\n"), /echo: created new-r1\n(.|\n)*echo: deleted old-r1\n/);
    });

    it("deletes the old object of a replacement only after every other step of the up finished", async function () {
      const engine = newEngine();
      await engine.up(await runEcho([{ name: "o1", kind: "old", value: "v" }]));
      const result = await engine.up(
        await runEcho([
          { name: "o1", kind: "new", value: "v" },
          { name: "o2", kind: "k", value: "v" },
        ]),
      );
      assert.deepEqual(result.failed, []);
      const output = await outputOnceItHas("echo: deleted old-o1\n");
      const deleted = output.lastIndexOf("echo: deleted old-o1\n");
      assert.ok(
        deleted > output.lastIndexOf("echo: created new-o1\n") && deleted > output.lastIndexOf("echo: created k-o2\n"),
        output.slice(-600),
      );
    });

    it("keeps a replaced object as a pending delete when another step fails, and deletes it first on the next up", async function () {
      const engine = newEngine();
      await engine.up(await runEcho([{ name: "q1", kind: "old", value: "v" }]));
      const failed = await engine.up(
        await runEcho([
          { name: "q1", kind: "new", value: "v" },
          { name: "q2", kind: "k", value: 7 },
        ]),
      );
      assert.deepEqual(failed.failed, [{ urn: urnOf("q2"), op: "create", changed: [], error: "value: must be a string" }]);
      assert.deepEqual(
        engine.state().resources.map((r) => [r.id, r.delete ?? false]),
        [
          ["new-q1", false],
          ["old-q1", true],
        ],
      );
      assert.equal(fs.existsSync(path.join(storeDir, "old-q1.json")), true);
      const next = await engine.up(await runEcho([{ name: "q1", kind: "new", value: "v" }]));
      assert.deepEqual(next.steps, [
        { urn: urnOf("q1"), op: "delete", changed: [] },
        { urn: urnOf("q1"), op: "same", changed: [] },
      ]);
      assert.equal(fs.existsSync(path.join(storeDir, "old-q1.json")), false);
    });

    it("runs at most `parallel` steps at once", async function () {
      // A host of its own: the fixture counts creates in flight per process.
      const separate = await startProviderHost({ cwd: repoRoot(), project: PROJECT, stack: STACK });
      try {
        await separate.configure({ "echo:storeDir": storeDir });
        const engine = new EngineSimulator(separate, { project: PROJECT, stack: STACK, parallel: 2 });
        // Each create waits (up to 5 s) for three creates in flight; only two may run at once.
        const result = await engine.up(await runEcho(["l1", "l2", "l3"].map((name) => ({ name, kind: "k", value: "v", barrier: 3 }))));
        assert.deepEqual(result.failed, []);
        const seen = ["l1", "l2", "l3"].map((name) => revealResource(resourceIn(engine, name)!).outputs.maxInFlight);
        assert.deepEqual(seen, [2, 2, 2]);
      } finally {
        await separate.stop();
      }
    });

    it("applies ignoreChanges before Check: the old input replaces the program's value", async function () {
      const engine = newEngine();
      await engine.up(await runEcho([{ name: "i1", kind: "k", value: "kept" }]));
      const result = await engine.up(await runEcho([{ name: "i1", kind: "k", value: "ignored", ignoreChanges: ["value"] }]));
      assert.deepEqual(result.steps, [{ urn: urnOf("i1"), op: "same", changed: [] }]);
      assert.equal(revealResource(resourceIn(engine, "i1")!).inputs.value, "kept");
      assert.equal(stored("k-i1").value, "kept");
    });

    it("deletes resources that left the program", async function () {
      const engine = newEngine();
      await engine.up(
        await runEcho([
          { name: "d1", kind: "k", value: "v" },
          { name: "d2", kind: "k", value: "v" },
        ]),
      );
      const result = await engine.up(await runEcho([{ name: "d1", kind: "k", value: "v" }]));
      assert.deepEqual(result.steps, [
        { urn: urnOf("d1"), op: "same", changed: [] },
        { urn: urnOf("d2"), op: "delete", changed: [] },
      ]);
      assert.deepEqual(
        engine.state().resources.map((r) => r.urn),
        [urnOf("d1")],
      );
      assert.equal(fs.existsSync(path.join(storeDir, "k-d2.json")), false);
    });

    it("stops a resource whose check fails, naming the property and the reason, and creates nothing", async function () {
      const engine = newEngine();
      const result = await engine.up(await runEcho([{ name: "f1", kind: "k", value: 42 }]));
      assert.deepEqual(result.failed, [{ urn: urnOf("f1"), op: "create", changed: [], error: "value: must be a string" }]);
      assert.deepEqual(engine.state().resources, []);
    });

    it("records a half-failed create (id, properties, init errors) and finishes it with an update next time", async function () {
      const engine = newEngine();
      const first = await engine.up(await runEcho([{ name: "h1", kind: "k", value: "half" }]));
      assert.deepEqual(first.failed, [
        {
          urn: urnOf("h1"),
          op: "create",
          changed: ["kind", "name", "value"],
          error: "k-h1 was created but did not become ready",
          initErrors: ["still warming up"],
        },
      ]);
      const partial = resourceIn(engine, "h1")!;
      assert.equal(partial.id, "k-h1");
      assert.deepEqual(partial.initErrors, ["still warming up"]);
      assert.equal(revealResource(partial).outputs.value, "half");

      // Same inputs again: the diff is empty, but init errors force an update.
      const second = await engine.up(await runEcho([{ name: "h1", kind: "k", value: "ok" }]));
      assert.deepEqual(second.steps, [{ urn: urnOf("h1"), op: "update", changed: ["value"] }]);
      assert.equal(resourceIn(engine, "h1")!.initErrors, undefined);
      assert.equal(stored("k-h1").updates, 1);
    });

    it("leaves a half-created object whose failure omitted __provider unreadable by refresh, as the real host does", async function () {
      const engine = newEngine();
      await engine.up(await runEcho([{ name: "b1", kind: "k", value: "half-bare" }]));
      assert.equal(revealResource(resourceIn(engine, "b1")!).outputs.__provider, undefined);
      const refreshed = await engine.refresh();
      assert.deepEqual(refreshed.failed, [{ urn: urnOf("b1"), op: "refresh", changed: [], error: "code must be a string, not undefined" }]);
    });

    it("keeps the old state when an update fails without init-failure details", async function () {
      const engine = newEngine();
      await engine.up(await runEcho([{ name: "x1", kind: "k", value: "good" }]));
      const before = engine.state();
      const result = await engine.up(await runEcho([{ name: "x1", kind: "k", value: "fail" }]));
      assert.deepEqual(result.failed, [{ urn: urnOf("x1"), op: "update", changed: ["value"], error: "k-x1 refused the update" }]);
      assert.deepEqual(engine.state(), before);
    });
  });

  describe("preview, refresh and destroy", function () {
    it("previews with check and diff only, changing neither the objects nor the state", async function () {
      const engine = newEngine();
      await engine.up(
        await runEcho([
          { name: "p1", kind: "k", value: "v" },
          { name: "p2", kind: "k", value: "v" },
        ]),
      );
      const before = engine.state();
      const plan = await engine.preview(
        await runEcho([
          { name: "p1", kind: "k", value: "changed" },
          { name: "p3", kind: "k", value: "v" },
        ]),
      );
      assert.deepEqual(plan, [
        { urn: urnOf("p1"), op: "update", changed: ["value"] },
        { urn: urnOf("p3"), op: "create", changed: ["kind", "name", "value"] },
        { urn: urnOf("p2"), op: "delete", changed: [] },
      ]);
      assert.deepEqual(engine.state(), before);
      assert.equal(stored("k-p1").value, "v");
      assert.equal(fs.existsSync(path.join(storeDir, "k-p3.json")), false);
    });

    it("refreshes drifted outputs and inputs from Read and drops objects Read reports gone", async function () {
      const engine = newEngine();
      await engine.up(
        await runEcho([
          { name: "g1", kind: "k", value: "v" },
          { name: "g2", kind: "k", value: "v" },
        ]),
      );
      fs.writeFileSync(path.join(storeDir, "k-g1.json"), JSON.stringify({ ...stored("k-g1"), value: "drifted" }));
      fs.rmSync(path.join(storeDir, "k-g2.json"));

      const result = await engine.refresh();
      assert.deepEqual(result.steps, [
        { urn: urnOf("g1"), op: "refresh", changed: ["value"] },
        { urn: urnOf("g2"), op: "refresh", changed: [], gone: true },
      ]);
      const g1 = revealResource(resourceIn(engine, "g1")!);
      assert.equal(g1.outputs.value, "drifted");
      assert.deepEqual(g1.inputs, { name: "g1", kind: "k", value: "drifted", __provider: g1.outputs.__provider });
      assert.equal(resourceIn(engine, "g2"), undefined);
      // The secret output stays sealed after refresh.
      assert.equal((resourceIn(engine, "g1")!.outputs.secretToken as Record<string, unknown>)[SIG_KEY], SECRET_SIG);

      const plan = await engine.preview(await runEcho([{ name: "g1", kind: "k", value: "v" }]));
      assert.deepEqual(plan, [{ urn: urnOf("g1"), op: "update", changed: ["value"] }]);
    });

    it("reports a refresh as a change only when the provider's reverse diff says so", async function () {
      const engine = newEngine();
      await engine.up(await runEcho([{ name: "n1", kind: "k", value: "v" }]));
      // An output the echo provider's diff does not compare: the real engine shows no change.
      fs.writeFileSync(path.join(storeDir, "k-n1.json"), JSON.stringify({ ...stored("k-n1"), note: "changed elsewhere" }));
      const result = await engine.refresh();
      assert.deepEqual(result.steps, [{ urn: urnOf("n1"), op: "refresh", changed: [] }]);
      assert.equal(revealResource(resourceIn(engine, "n1")!).outputs.note, "changed elsewhere");
    });

    it("destroys every object and empties the state", async function () {
      const engine = newEngine();
      await engine.up(
        await runEcho([
          { name: "z1", kind: "k", value: "v" },
          { name: "z2", kind: "k", value: "v" },
        ]),
      );
      const result = await engine.destroy();
      assert.deepEqual(result.steps, [
        { urn: urnOf("z1"), op: "delete", changed: [] },
        { urn: urnOf("z2"), op: "delete", changed: [] },
      ]);
      assert.deepEqual(engine.state().resources, []);
      assert.equal(fs.existsSync(path.join(storeDir, "k-z1.json")), false);
    });
  });

  describe("the host connection", function () {
    it("turns a failed call into a ProviderOperationError with the provider's message and init-failure details", async function () {
      const [resource] = await runEcho([{ name: "e1", kind: "k", value: "half" }]);
      await assert.rejects(host.create(resource.urn, resource.inputs), (error: unknown) => {
        assert.ok(error instanceof ProviderOperationError);
        assert.equal(error.operation, "create");
        assert.equal(error.message, "k-e1 was created but did not become ready");
        assert.equal(error.initFailure?.id, "k-e1");
        assert.deepEqual(error.initFailure?.reasons, ["still warming up"]);
        assert.equal(error.initFailure?.properties.value, "half");
        return true;
      });
    });

    it("captures the provider's console output and ends the host process on stop", async function () {
      const separate = await startProviderHost({ cwd: repoRoot(), project: PROJECT, stack: STACK });
      try {
        await separate.configure({ "echo:storeDir": storeDir });
        const [resource] = await runEcho([{ name: "o1", kind: "k", value: "v" }]);
        await separate.create(resource.urn, resource.inputs);
        assert.equal(separate.output(), `${separate.port}\necho: created k-o1\n`);
      } finally {
        await separate.stop();
      }
      assert.throws(() => process.kill(separate.pid, 0), { code: "ESRCH" });
    });
  });
});
