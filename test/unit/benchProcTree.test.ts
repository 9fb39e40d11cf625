import * as assert from "node:assert/strict";
import { byRole } from "../../scripts/bench/procTree";
import { pulumiRoleOf as roleOf } from "../../tools/pulumi-cli/processTree";

describe("npm run bench -- --engine pulumi: process roles (tools/pulumi-cli/processTree.ts, scripts/bench/procTree.ts)", function () {
  for (const [comm, cmdline, role] of [
    ["pulumi", "/home/u/.cache/pulumi-emnify/pulumi-cli/v3/bin/pulumi up --yes --stack bench", "engine"],
    ["pulumi-language-", "/bin/pulumi-language-nodejs localhost:4000", "language host"],
    ["node", "node /p/node_modules/@pulumi/pulumi/cmd/run /p", "program"],
    ["node", "node /p/node_modules/@pulumi/pulumi/cmd/dynamic-provider localhost:4000", "provider host"],
    ["sh", "/bin/sh /bin/pulumi-resource-pulumi-nodejs localhost:4000", "provider host"],
    // The provider plugin, as Pulumi.yaml's path starts it (the bin link) and as the module it runs.
    ["node", "node /p/node_modules/.bin/pulumi-resource-emnify localhost:4000", "provider host"],
    ["node", "node /p/node_modules/pulumi-emnify/dist/provider/plugin/main.js localhost:4000", "provider host"],
    ["node", "node -e require.resolve('x')", "other"],
  ] as const) {
    it(`${cmdline.split(" ").slice(0, 2).join(" ")} is the ${role}`, function () {
      assert.equal(roleOf(comm, cmdline), role);
    });
  }

  it("sums CPU and takes the largest peak RSS per role", function () {
    const roles = byRole([
      { pid: 1, role: "engine", command: "pulumi", cpuMs: 100, peakRss: 10 },
      { pid: 2, role: "provider host", command: "a", cpuMs: 5, peakRss: 30 },
      { pid: 3, role: "provider host", command: "b", cpuMs: 7, peakRss: 20 },
    ]);
    assert.deepEqual(roles, [
      { role: "engine", processes: 1, cpuMs: 100, peakRss: 10 },
      { role: "provider host", processes: 2, cpuMs: 12, peakRss: 30 },
    ]);
  });
});
