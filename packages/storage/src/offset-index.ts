/**
 * The sparse offset index of a segment (`.index`): one entry every `indexIntervalBytes` of log,
 * mapping a batch's base offset (relative to the segment base) to its file position. Entries are
 * 8 bytes: relative offset (uint32 BE), position (uint32 BE), as in Kafka.
 *
 * Invariant: relative offsets and positions both strictly increase. The index is derived data:
 * it can always be rebuilt from the log, and recovery does so when it cannot be trusted.
 */
const ENTRY_BYTES = 8;

/** An in-memory, growable offset index that serializes to the `.index` file layout. */
export class OffsetIndex {
  #buf: Buffer;
  #count: number;

  constructor(initialCapacity = 64) {
    this.#buf = Buffer.alloc(initialCapacity * ENTRY_BYTES);
    this.#count = 0;
  }

  /**
   * Parses a `.index` file's bytes; returns undefined if they break the invariants or point
   * at or past `logSize` (the caller then rebuilds the index from the log).
   */
  static fromBytes(bytes: Buffer, logSize: number): OffsetIndex | undefined {
    if (bytes.length % ENTRY_BYTES !== 0) return undefined;
    const index = new OffsetIndex(Math.max(64, bytes.length / ENTRY_BYTES));
    for (let p = 0; p < bytes.length; p += ENTRY_BYTES) {
      const rel = bytes.readUInt32BE(p);
      const pos = bytes.readUInt32BE(p + 4);
      if (pos >= logSize || !index.#canAppend(rel, pos)) return undefined;
      index.append(rel, pos);
    }
    return index;
  }

  /** Number of entries. */
  get count(): number {
    return this.#count;
  }

  /** Relative offset of entry i. */
  relativeOffsetAt(i: number): number {
    return this.#buf.readUInt32BE(i * ENTRY_BYTES);
  }

  /** Position of entry i. */
  positionAt(i: number): number {
    return this.#buf.readUInt32BE(i * ENTRY_BYTES + 4);
  }

  #canAppend(rel: number, pos: number): boolean {
    if (this.#count === 0) return true;
    return rel > this.relativeOffsetAt(this.#count - 1) && pos > this.positionAt(this.#count - 1);
  }

  /** Adds an entry; ignored unless it is past the last one (keeps the invariant). */
  append(relativeOffset: number, position: number): void {
    if (!this.#canAppend(relativeOffset, position)) return;
    if ((this.#count + 1) * ENTRY_BYTES > this.#buf.length) {
      const grown = Buffer.alloc(this.#buf.length * 2);
      this.#buf.copy(grown, 0, 0, this.#count * ENTRY_BYTES);
      this.#buf = grown;
    }
    this.#buf.writeUInt32BE(relativeOffset, this.#count * ENTRY_BYTES);
    this.#buf.writeUInt32BE(position, this.#count * ENTRY_BYTES + 4);
    this.#count++;
  }

  /** Position of the last indexed batch whose relative base offset is <= `relativeOffset`, or 0. */
  lookup(relativeOffset: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relativeOffsetAt(mid) <= relativeOffset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.positionAt(found);
  }

  /** Drops entries at or past `position` (the log was truncated there). */
  truncateToPosition(position: number): void {
    while (this.#count > 0 && this.positionAt(this.#count - 1) >= position) this.#count--;
  }

  /** The `.index` file content. */
  toBytes(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#count * ENTRY_BYTES));
  }
}
