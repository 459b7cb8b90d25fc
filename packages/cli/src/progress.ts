/**
 * A one-line progress display on stderr, shown only when stderr is a terminal (never in pipes,
 * logs or tests), redrawn at most every 200 ms.
 */
export class Progress {
  readonly #enabled: boolean;
  readonly #label: string;
  #last = 0;
  #drawn = false;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.#enabled = stream.isTTY === true;
    this.#label = label;
  }

  /** Updates the line with `text` (rate-limited). */
  update(text: string): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#last < 200) return;
    this.#last = now;
    this.#drawn = true;
    process.stderr.write(`\r\u001b[2K${this.#label}: ${text}`);
  }

  /** Clears the line. */
  done(): void {
    if (this.#enabled && this.#drawn) process.stderr.write('\r\u001b[2K');
  }
}
