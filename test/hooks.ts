/**
 * Mocha root hooks (loaded through .mocharc.json's `require`, before any test file).
 *
 * - Installs the secret ledger's process-wide capture (test/secrets/capture.ts), so that the last
 *   test of the run can check that no application token or JWT appears in anything the suite
 *   produced.
 * - Names the running test in every ledger entry.
 * - Moves the suite that scans the ledger to the end of the run, so it sees everything.
 */
import { installSuiteCapture } from "./secrets/capture";
import { SCAN_SUITE_TITLE, secretLedger } from "../tools/secretLedger";

installSuiteCapture();

interface SuiteLike {
  title: string;
  suites: SuiteLike[];
}

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    const root = this.test?.parent as SuiteLike | undefined;
    if (!root) return;
    const index = root.suites.findIndex((s) => s.title === SCAN_SUITE_TITLE);
    if (index >= 0 && index !== root.suites.length - 1) root.suites.push(...root.suites.splice(index, 1));
  },
  beforeEach(this: Mocha.Context): void {
    secretLedger.setCurrentTest(this.currentTest?.fullTitle());
  },
  afterEach(): void {
    secretLedger.setCurrentTest(undefined);
  },
};
