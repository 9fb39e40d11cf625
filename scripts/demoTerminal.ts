/**
 * Terminal output for the demo: colour only on a terminal (and never with NO_COLOR), progress that
 * shows while a step runs, and a last line of defence that keeps credentials off the screen.
 */

const useColour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";

function paint(code: string): (text: string) => string {
  return (text) => (useColour ? `\u001b[${code}m${text}\u001b[0m` : text);
}

/** The colours Pulumi uses for the same symbols. */
export const style = {
  bold: paint("1"),
  dim: paint("2"),
  green: paint("32"),
  yellow: paint("33"),
  red: paint("31"),
  cyan: paint("36"),
  magenta: paint("35"),
};

/** Everything the demo prints goes through here, so no path can print a secret. */
export class Terminal {
  private readonly secrets: string[] = [];

  /** A value that must never be printed (the application token). */
  addSecret(secret: string): void {
    if (secret.length >= 8) this.secrets.push(secret);
  }

  write(text: string): void {
    process.stdout.write(this.redact(text));
  }

  line(text = ""): void {
    this.write(`${text}\n`);
  }

  /** A section title in the style of a `pulumi` command's banner. */
  heading(text: string): void {
    this.line();
    this.line(style.bold(style.magenta(`━━ ${text} ${"━".repeat(Math.max(3, 76 - text.length))}`)));
  }

  /**
   * Prints `label …`, runs `work`, then finishes the line with its summary and the time it took,
   * so a slow step is visibly in progress rather than a silent pause.
   */
  async step<T>(label: string, work: () => Promise<T>, summary: (result: T) => string): Promise<T> {
    this.write(`${style.cyan("•")} ${label} … `);
    const started = Date.now();
    let result: T;
    try {
      result = await work();
    } catch (error) {
      this.line(style.red("failed"));
      throw error;
    }
    this.line(`${summary(result)} ${style.dim(`(${seconds(Date.now() - started)})`)}`);
    return result;
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("[secret]");
    // A JWT never belongs in the output either, whoever produced it.
    return out.replace(/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/g, "[jwt]");
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Pads to a width, for Pulumi-style columns. */
export function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}
