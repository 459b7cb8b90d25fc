/**
 * Runs async operations one at a time, in the order they were submitted. The partition log's
 * writes, rolls, truncations, retention deletes and compaction swaps all go through one lane, so
 * they never interleave.
 */
export class SerialLane {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after everything submitted before it has settled; resolves/rejects with its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    // The lane continues whether `fn` fails or not; the caller sees the failure through `result`.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
