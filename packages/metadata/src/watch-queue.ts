import { MetadataStoreError } from './errors.ts';
import type { WatchEvent } from './metadata-store.ts';

/**
 * The bounded buffer between a store and one watcher. A watcher that falls more than `limit`
 * events behind is expired (as the Kubernetes API expires a slow watch) instead of letting the
 * buffer grow: the consumer lists again and resumes, which is always correct for level-triggered
 * consumers.
 */
export class WatchQueue<T> implements AsyncIterableIterator<WatchEvent<T>> {
  readonly #limit: number;
  readonly #items: Array<WatchEvent<T>> = [];
  #head = 0;
  #waiter: ((r: IteratorResult<WatchEvent<T>>) => void) | undefined;
  #rejecter: ((err: unknown) => void) | undefined;
  #failure: MetadataStoreError | undefined;
  #ended = false;
  readonly #onEnd: () => void;

  constructor(limit: number, onEnd: () => void) {
    this.#limit = limit;
    this.#onEnd = onEnd;
  }

  /** Delivers one event; expires the watch when the consumer is `limit` events behind. */
  push(event: WatchEvent<T>): void {
    if (this.#ended) return;
    if (this.#waiter !== undefined) {
      const resolve = this.#waiter;
      this.#waiter = undefined;
      this.#rejecter = undefined;
      resolve({ value: event, done: false });
      return;
    }
    if (this.#items.length - this.#head >= this.#limit) {
      this.fail(new MetadataStoreError('EXPIRED', `Watch expired: the consumer fell more than ${this.#limit} events behind; list again`));
      return;
    }
    this.#items.push(event);
  }

  /** Ends the watch with an error (delivered after the events already queued). */
  fail(err: MetadataStoreError): void {
    if (this.#ended) return;
    this.#failure = err;
    this.#finish();
  }

  /** Ends the watch normally (abort or store close). */
  end(): void {
    if (this.#ended) return;
    this.#finish();
  }

  #finish(): void {
    this.#ended = true;
    this.#onEnd();
    if (this.#waiter !== undefined) {
      const resolve = this.#waiter;
      const reject = this.#rejecter;
      this.#waiter = undefined;
      this.#rejecter = undefined;
      if (this.#failure !== undefined && reject !== undefined) reject(this.#failure);
      else resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<WatchEvent<T>>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head++] as WatchEvent<T>;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items.splice(0, this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) {
      if (this.#failure !== undefined) {
        const failure = this.#failure;
        this.#failure = undefined;
        return Promise.reject(failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#rejecter = reject;
    });
  }

  return(): Promise<IteratorResult<WatchEvent<T>>> {
    this.#failure = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
