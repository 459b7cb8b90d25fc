/**
 * A bounded async-iterable stream of lifecycle events (nats.js `status()` model). Each call to
 * {@link StatusChannel.iterate} gets its own queue; when a listener falls behind by more than
 * `capacity` events the oldest are dropped (status is advisory, it must never block the client).
 */
export class StatusChannel<E> {
  readonly #capacity: number;
  readonly #listeners = new Set<{ queue: E[]; wake: (() => void) | undefined }>();
  #closed = false;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  /** Publishes an event to every listener. */
  emit(event: E): void {
    for (const l of this.#listeners) {
      l.queue.push(event);
      if (l.queue.length > this.#capacity) l.queue.shift();
      l.wake?.();
    }
  }

  /** Ends every iteration. */
  close(): void {
    this.#closed = true;
    for (const l of this.#listeners) l.wake?.();
  }

  /**
   * Events from this call on, until close or `signal` aborts. The listener is registered here, not
   * at the first `next()`, so events emitted between `status()` and the start of the loop are kept.
   */
  iterate(signal?: AbortSignal): AsyncGenerator<E, void, undefined> {
    const listener: { queue: E[]; wake: (() => void) | undefined } = { queue: [], wake: undefined };
    this.#listeners.add(listener);
    return this.#drain(listener, signal);
  }

  async *#drain(listener: { queue: E[]; wake: (() => void) | undefined }, signal?: AbortSignal): AsyncGenerator<E, void, undefined> {
    const onAbort = (): void => listener.wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      for (;;) {
        while (listener.queue.length > 0) yield listener.queue.shift()!;
        if (this.#closed || signal?.aborted) return;
        await new Promise<void>((resolve) => (listener.wake = resolve));
        listener.wake = undefined;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#listeners.delete(listener);
    }
  }
}
