import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as root from "../../provider/index";
import * as emulator from "../../provider/emulator/index";

const repoRoot = path.resolve(__dirname, "../../..");

describe("the package's public surface", () => {
  it("exports from the root only what a program can use: the resource, the check of its arguments, the organisations-file loader and its shards", () => {
    assert.deepEqual(Object.keys(root).sort(), [
      "BillingConfig",
      "OrganisationsFileError",
      "ShardError",
      "checkBillingConfigArgs",
      "defaultShard",
      "entriesOfShard",
      "loadOrganisationsFile",
      "parseOrganisationsFile",
      "shardChanges",
      "shardOf",
    ]);
  });

  it("exports the emulator from its own entry point", () => {
    assert.equal(typeof emulator.EmnifyEmulator.start, "function");
  });

  it("exports the provider plugin's SDK from its own entry point: the resource, the record of originals and an explicit provider", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    assert.deepEqual(pkg.exports["./plugin"], { types: "./dist/provider/plugin/sdk.d.ts", default: "./dist/provider/plugin/sdk.js" });
    const sdk = require(path.join(repoRoot, "dist/provider/plugin/sdk.js")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(sdk).sort(), ["BillingConfig", "BillingOriginals", "Provider"]);
  });

  it("lets the serialized provider load pulumi-emnify/runtime and the provider module, without offering them types as an API", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    assert.deepEqual(Object.keys(pkg.exports), [
      ".",
      "./runtime",
      "./dist/provider/dynamicProvider.js",
      "./dist/provider/originalsProvider.js",
      "./emulator",
      "./plugin",
      "./package.json",
    ]);
    assert.equal(pkg.exports["./runtime"], "./dist/provider/resource/runtime.js");
    // Stored in states as require("pulumi-emnify/dist/provider/dynamicProvider.js") (BillingConfig) and
    // require("pulumi-emnify/dist/provider/originalsProvider.js") (BillingOriginals): the path is the export.
    for (const file of ["dynamicProvider.js", "originalsProvider.js"]) {
      assert.equal(pkg.exports[`./dist/provider/${file}`], `./dist/provider/${file}`);
      const provider = require(path.join(repoRoot, "dist/provider", file)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(provider).sort(), ["check", "configure", "create", "delete", "diff", "read", "update"]);
    }
    const runtime = require(path.join(repoRoot, "dist/provider/resource/runtime.js")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(runtime), ["billingConfigRuntime", "billingOriginalsRuntime"]);
  });
});
