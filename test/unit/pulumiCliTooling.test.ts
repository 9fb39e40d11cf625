import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  PulumiCliUnavailable,
  compareVersions,
  engineModuleVersion,
  ensurePulumiCli,
  lockedPulumiVersion,
} from "../../tools/pulumi-cli/locate";

describe("building the real Pulumi CLI (tools/pulumi-cli)", function () {
  it("builds the engine at exactly the version of @pulumi/pulumi that package-lock.json pins", function () {
    assert.equal(engineModuleVersion(), lockedPulumiVersion());
  });

  it("compares versions numerically, not as text", function () {
    assert.ok(compareVersions("3.248.0", "3.216.0") > 0);
    assert.ok(compareVersions("3.9.0", "3.216.0") < 0);
    assert.equal(compareVersions("3.248.0", "3.248.0"), 0);
  });

  it("without Go and without a pulumi on PATH, fails with one line that says what to install", function () {
    const saved = { PATH: process.env.PATH, cache: process.env.PULUMI_EMNIFY_CACHE_DIR };
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-no-cli-"));
    process.env.PATH = "";
    process.env.PULUMI_EMNIFY_CACHE_DIR = emptyCache;
    try {
      assert.throws(
        () => ensurePulumiCli(),
        (error: unknown) => {
          assert.ok(error instanceof PulumiCliUnavailable);
          assert.equal(
            error.message,
            `no Pulumi CLI: install Go 1.25 or newer (to build pulumi v${lockedPulumiVersion()} from Go modules) or the Pulumi CLI 3.216.0 or newer, so that 'pulumi' is on PATH`,
          );
          assert.ok(!error.message.includes("\n"));
          return true;
        },
      );
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.cache === undefined) delete process.env.PULUMI_EMNIFY_CACHE_DIR;
      else process.env.PULUMI_EMNIFY_CACHE_DIR = saved.cache;
      fs.rmSync(emptyCache, { recursive: true, force: true });
    }
  });
});
