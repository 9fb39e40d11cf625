import assert from "node:assert/strict";
import { Progress } from "../../provider/cli/progress";

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, isTTY, write: (text: string) => written.push(text) > 0 };
}

describe("export: progress on a terminal", () => {
  it("redraws one line in place at most every 100 ms, always shows the last count, and erases the line at the end", () => {
    const terminal = stream(true);
    let now = 0;
    const progress = new Progress(terminal, () => now);
    progress.phase("Listing organisations…");
    progress.update("Exporting", 0, 450);
    now = 50;
    progress.update("Exporting", 10, 450);
    now = 150;
    progress.update("Exporting", 120, 450);
    now = 160;
    progress.update("Exporting", 450, 450);
    progress.clear();
    progress.clear();
    assert.deepEqual(terminal.written, [
      "\r\x1b[KListing organisations…",
      "\r\x1b[KExporting 0/450…",
      "\r\x1b[KExporting 120/450…",
      "\r\x1b[KExporting 450/450…",
      "\r\x1b[K",
    ]);
  });

  it("writes nothing at all when standard error is not a terminal", () => {
    const pipe = stream(false);
    const progress = new Progress(pipe, () => 0);
    progress.phase("Listing organisations…");
    progress.update("Exporting", 1, 1);
    progress.clear();
    assert.equal(progress.enabled, false);
    assert.deepEqual(pipe.written, []);
  });
});
