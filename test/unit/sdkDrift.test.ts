/**
 * The pieces of SDK generation that need no Go: the schema handed to the generators, and the drift
 * comparison the real-CLI suite relies on (so that test can fail, and says how).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../tools/repoRoot";
import { LANGUAGE_SETTINGS, sdkDrift, sdkSchema } from "../../tools/sdk/generate";

describe("SDK generation (tools/sdk)", function () {
  it("hands the generators schema.json with the package names per language and package.json's version", function () {
    const schema = sdkSchema();
    const onDisk = JSON.parse(fs.readFileSync(path.join(repoRoot(), "schema.json"), "utf8")) as Record<string, unknown>;
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")) as { version: string };
    assert.deepEqual(schema.resources, onDisk.resources);
    assert.deepEqual(schema.config, onDisk.config);
    assert.equal(schema.version, onDisk.version ?? pkg.version);
    assert.deepEqual((schema.language as Record<string, unknown>).nodejs, LANGUAGE_SETTINGS.nodejs);
    assert.deepEqual((schema.language as Record<string, unknown>).csharp, LANGUAGE_SETTINGS.csharp);
  });

  describe("drift between generated and committed SDKs", function () {
    let root: string;
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    beforeEach(function () {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-drift-"));
      write("fresh/go/emnify/a.go", "package emnify\n");
      write("fresh/go/emnify/b.go", "package emnify // b\n");
      write("committed/go/emnify/a.go", "package emnify\n");
      write("committed/go/emnify/b.go", "package emnify // b\n");
    });
    afterEach(function () {
      fs.rmSync(root, { recursive: true, force: true });
    });

    it("is empty when every file is the same", function () {
      assert.deepEqual(sdkDrift(path.join(root, "fresh"), path.join(root, "committed"), ["go"]), []);
    });

    it("names a file that differs, one missing and one extra", function () {
      write("committed/go/emnify/b.go", "package emnify // edited by hand\n");
      write("fresh/go/emnify/c.go", "package emnify // new field\n");
      write("committed/go/emnify/old.go", "package emnify // removed field\n");
      assert.deepEqual(sdkDrift(path.join(root, "fresh"), path.join(root, "committed"), ["go"]), [
        "differs: go/emnify/b.go",
        "missing: go/emnify/c.go",
        "extra: go/emnify/old.go",
      ]);
    });
  });
});
