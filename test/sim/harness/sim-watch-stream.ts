/**
 * The consumer side of a simulated watch: an async iterable fed by scheduler events, bounded
 * (a consumer that falls `limit` events behind gets EXPIRED, as from the API server).
 */
import { MetadataStoreError, type WatchEvent } from '@runnel/metadata';

/** A bounded queue of watch events read with `for await`. */
export class SimWatchStream<T> implements AsyncIterable<WatchEvent<T>> {
  readonly #buffer: Array<WatchEvent<T>> = [];
  readonly #limit: number;
  #waiter: { resolve: (r: IteratorResult<WatchEvent<T>>) => void; reject: (err: unknown) => void } | undefined;
  #ended = false;
  #error: unknown;
  readonly #onClose: () => void;

  constructor(limit: number, onClose: () => void) {
    this.#limit = limit;
    this.#onClose = onClose;
  }

  /** Delivers one event (or EXPIRED once the consumer is too far behind). */
  push(event: WatchEvent<T>): void {
    if (this.#ended) return;
    if (this.#waiter !== undefined) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve({ value: event, done: false });
      return;
    }
    if (this.#buffer.length >= this.#limit) {
      this.fail(new MetadataStoreError('EXPIRED', `Watch consumer fell ${this.#limit} events behind; list again`));
      return;
    }
    this.#buffer.push(event);
  }

  /** Ends the stream with an error after the buffered events. */
  fail(err: unknown): void {
    if (this.#ended) return;
    this.#error = err;
    this.#finish();
  }

  /** Ends the stream normally after the buffered events. */
  end(): void {
    if (!this.#ended) this.#finish();
  }

  #finish(): void {
    this.#ended = true;
    this.#onClose();
    if (this.#waiter !== undefined && this.#buffer.length === 0) {
      const w = this.#waiter;
      this.#waiter = undefined;
      if (this.#error !== undefined) w.reject(this.#error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    return {
      next: () => {
        const event = this.#buffer.shift();
        if (event !== undefined) return Promise.resolve({ value: event, done: false });
        if (this.#ended) {
          if (this.#error !== undefined) {
            const err = this.#error;
            this.#error = undefined;
            return Promise.reject(err as Error);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.#waiter = { resolve, reject };
        });
      },
      return: () => {
        this.end();
        this.#buffer.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
