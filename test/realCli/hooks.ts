/**
 * Root hooks of the real-CLI suite (`npm run test:pulumi`): after every test, nothing any `pulumi`
 * command printed may hold an application token or a JWT; after the suite, the world is removed.
 */
import * as assert from "node:assert/strict";
import { disposeRealCliWorld, realCliWorld } from "./world";
import { findCredentials } from "./secretScan";

let scanned = 0;

export const mochaHooks = {
  async afterEach(this: Mocha.Context): Promise<void> {
    const world = await realCliWorld();
    const fresh = world.results.slice(scanned);
    scanned = world.results.length;
    for (const result of fresh) {
      const leaks = findCredentials(`${result.stdout}\n${result.stderr}`, world.credentials);
      assert.deepEqual(leaks, [], `pulumi ${result.command} printed a credential`);
    }
  },
  async afterAll(): Promise<void> {
    await disposeRealCliWorld();
  },
};
