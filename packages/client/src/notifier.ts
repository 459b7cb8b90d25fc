/**
 * A one-shot wake-up for loops that wait for "something changed" (data arrived, buffer drained).
 * `wait` resolves on the next `notify` (or at once if one happened since the last wait), and on
 * abort of its signal, so every wait in the consumer can be cancelled.
 */
export class Notifier {
  #waiters: Array<() => void> = [];
  #pending = false;

  /** Wakes every current waiter; a notify with no waiter is remembered for the next wait. */
  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    if (waiters.length === 0) this.#pending = true;
    for (const w of waiters) w();
  }

  /** Resolves on the next notify, after `timeoutMs` (if given), or when `signal` aborts. Never rejects. */
  wait(signal?: AbortSignal, timeoutMs?: number): Promise<void> {
    if (this.#pending || signal?.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const i = this.#waiters.indexOf(done);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.push(done);
    });
  }
}
