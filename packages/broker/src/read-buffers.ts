/**
 * Reusable read buffers for Fetch, Tail and ReplicaFetch. A response's record bytes are needed only until
 * grpc-js has serialized it, which it does synchronously when the handler answers; reading into a
 * buffer taken from here and giving it back right after the answer spares V8 a large new buffer
 * per fetch (every ~64 MB of those forces a full GC). Buffers come in power-of-two sizes from
 * 64 KiB; at most `maxRetainedBytes` are kept between requests.
 */
export class ReadBuffers {
  readonly #free = new Map<number, Buffer[]>();
  readonly #maxRetainedBytes: number;
  #retained = 0;

  constructor(maxRetainedBytes = 32 * 1024 * 1024) {
    this.#maxRetainedBytes = maxRetainedBytes;
  }

  /** Bytes kept for reuse now. */
  get retainedBytes(): number {
    return this.#retained;
  }

  /** A buffer of at least `size` bytes (its contents are stale). */
  acquire(size: number): Buffer {
    const cls = sizeClass(size);
    const buf = this.#free.get(cls)?.pop();
    if (buf !== undefined) {
      this.#retained -= buf.length;
      return buf;
    }
    return Buffer.allocUnsafeSlow(cls);
  }

  /** Gives back buffers from {@link acquire}; the caller must hold no view of them any more. */
  release(buffers: readonly Buffer[]): void {
    for (const buf of buffers) {
      if (this.#retained + buf.length > this.#maxRetainedBytes) continue;
      let list = this.#free.get(buf.length);
      if (list === undefined) this.#free.set(buf.length, (list = []));
      list.push(buf);
      this.#retained += buf.length;
    }
  }
}

function sizeClass(size: number): number {
  let n = 64 * 1024;
  while (n < size) n *= 2;
  return n;
}

/** The read buffers of this process's Fetch, Tail and ReplicaFetch handlers. */
export const readBuffers = new ReadBuffers();

/** Smaller reads are not worth pooling (Node's own pool serves those under 4 KiB). */
const MIN_POOLED_READ_BYTES = 64 * 1024;

/** An allocator for storage reads that takes large buffers from {@link readBuffers} and notes them in `leased`. */
export function leaseFrom(leased: Buffer[]): (length: number) => Buffer {
  return (length) => {
    if (length < MIN_POOLED_READ_BYTES) return Buffer.allocUnsafe(length);
    const buf = readBuffers.acquire(length);
    leased.push(buf);
    return buf;
  };
}
