/**
 * Which @pulumi/pulumi versions `npm run test:compat` picks: the peer range's floor and the newest
 * release of that major version (scripts/compat.ts).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { newestOfMajor, peerRangeFloor } from "../../scripts/compat";
import { repoRoot } from "../../tools/repoRoot";

describe("the @pulumi/pulumi versions the compatibility run tests", () => {
  it("starts at the floor of the package's peer range", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")) as { peerDependencies: Record<string, string> };
    assert.equal(peerRangeFloor(pkg.peerDependencies["@pulumi/pulumi"]), "3.216.0");
    assert.throws(() => peerRangeFloor("^3.216.0"), /does not start with ">=x\.y\.z "/);
  });

  it("ends at the newest release of that major version, compared as numbers, without pre-releases or 4.x", () => {
    assert.equal(newestOfMajor(["3.9.0", "3.216.0", "3.99.5", "3.216.1-alpha.1", "4.0.0", "3.100.0"], 3), "3.216.0");
    assert.equal(newestOfMajor(["3.2.9", "3.2.10"], 3), "3.2.10");
    assert.throws(() => newestOfMajor(["4.0.0"], 3), /no 3\.x release/);
  });
});
