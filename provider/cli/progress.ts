/**
 * A one-line progress report on a terminal ("Exporting 120/450…"), redrawn in place. Nothing at
 * all when standard error is not a terminal: in CI logs and pipes a progress line is noise, and
 * its carriage returns garble the log.
 */

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): boolean;
}

/** Redraws at most this often: a terminal cannot show more, and writes cost. */
const MIN_REDRAW_MS = 100;

/** Back to the start of the line, and erase it. */
const CLEAR_LINE = "\r\x1b[K";

export class Progress {
  private shown = false;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private lastLabel: string | undefined;

  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether anything is drawn at all. */
  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** A phase without a count, e.g. "Listing organisations…". Always drawn. */
  phase(text: string): void {
    this.draw(text);
    this.lastLabel = undefined;
  }

  /** `done` of `total`; drawn when enough time has passed, and always for a new label and the last one. */
  update(label: string, done: number, total: number): void {
    if (!this.enabled) return;
    const at = this.now();
    if (label === this.lastLabel && done < total && at - this.lastDrawAt < MIN_REDRAW_MS) return;
    this.draw(`${label} ${done}/${total}…`);
    this.lastLabel = label;
  }

  /** Erases the line, so that whatever is written next starts clean. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write(CLEAR_LINE);
    this.shown = false;
  }

  private draw(text: string): void {
    if (!this.enabled) return;
    this.stream.write(`${CLEAR_LINE}${text}`);
    this.shown = true;
    this.lastDrawAt = this.now();
  }
}
