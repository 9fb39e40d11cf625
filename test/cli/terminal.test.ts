/**
 * What a person at a terminal sees: progress while the export runs and one summary line, through
 * `main` in this process with a terminal-like stderr (a spawned process never gets a TTY here).
 */
import assert from "node:assert/strict";
import { EmnifyEmulator } from "pulumi-emnify/emulator";
import { main } from "../../provider/cli/main";
import { LEFT_OUT_OWN, emulatorEnv, variedOrganisations } from "./helpers";

describe("export on a terminal", function () {
  this.timeout(30_000);
  let emulator: EmnifyEmulator;
  beforeEach(async () => {
    // 13 organisations (the caller too) at 5 a page: 3 pages.
    emulator = await EmnifyEmulator.start({ organisations: variedOrganisations(12), organisationPageSize: { default: 5, maximum: 5 } });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it("shows the listing with its pages, the count as it goes and a summary with the API calls, and erases the progress line before the summary", async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    let clock = 0;
    const status = await main(["export", "--children"], {
      env: emulatorEnv(emulator),
      stdout: { write: (text) => stdout.push(text) > 0 },
      stderr: { isTTY: true, write: (text) => stderr.push(text) > 0 },
      // Every reading of the clock moves it on, so the duration is known: 2.5 s between start and end.
      now: () => (clock += 2500) - 2500,
    });
    assert.equal(status, 0);
    assert.equal(stdout.length, 1);
    assert.equal(stderr[0], "\r\x1b[KListing organisations…");
    assert.equal(stderr[1], "\r\x1b[KListing organisations, page 1/3…");
    // Redraws are at most every 100 ms, so page 2 may or may not be drawn; the last page always is.
    const noteAt = stderr.indexOf(LEFT_OUT_OWN);
    assert.deepEqual(stderr.slice(noteAt - 2, noteAt + 2), [
      "\r\x1b[KListing organisations, page 3/3…",
      "\r\x1b[K",
      LEFT_OUT_OWN,
      "\r\x1b[KExporting 0/12…",
    ]);
    assert.equal(stderr.at(-3), "\r\x1b[KExporting 12/12…");
    assert.equal(stderr.at(-2), "\r\x1b[K");
    // authenticate, /my, 3 pages and 12 billing configs
    assert.equal(stderr.at(-1), "Exported 12 organisations to standard output (17 API calls, 2.5 s)\n");
  });
});
