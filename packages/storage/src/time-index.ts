/**
 * The sparse time index of a segment (`.timeindex`). An entry (T, R) means: every batch before
 * relative offset R has max timestamp <= T. To find the first record with timestamp >= X, a read
 * can start at the R of the last entry with T < X. Entries are 12 bytes: T (int64 BE), R (uint32
 * BE). T strictly increases and R does not decrease. A sealed segment ends with an entry whose R
 * is the segment's end, so its T is the segment's largest timestamp (used by retention).
 */
const ENTRY_BYTES = 12;

/** An in-memory, growable time index that serializes to the `.timeindex` file layout. */
export class TimeIndex {
  #buf: Buffer;
  #count: number;

  constructor(initialCapacity = 16) {
    this.#buf = Buffer.alloc(initialCapacity * ENTRY_BYTES);
    this.#count = 0;
  }

  /** Parses a `.timeindex` file's bytes; undefined if they break the invariants. */
  static fromBytes(bytes: Buffer): TimeIndex | undefined {
    if (bytes.length % ENTRY_BYTES !== 0) return undefined;
    const index = new TimeIndex(Math.max(16, bytes.length / ENTRY_BYTES));
    for (let p = 0; p < bytes.length; p += ENTRY_BYTES) {
      const ts = bytes.readBigInt64BE(p);
      if (ts > BigInt(Number.MAX_SAFE_INTEGER) || ts < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
      const before = index.#count;
      index.append(Number(ts), bytes.readUInt32BE(p + 8));
      if (index.#count === before) return undefined;
    }
    return index;
  }

  /** Number of entries. */
  get count(): number {
    return this.#count;
  }

  /** Timestamp of entry i. */
  timestampAt(i: number): number {
    return Number(this.#buf.readBigInt64BE(i * ENTRY_BYTES));
  }

  /** Relative offset of entry i. */
  relativeOffsetAt(i: number): number {
    return this.#buf.readUInt32BE(i * ENTRY_BYTES + 8);
  }

  /** The last entry's timestamp, or undefined when empty. */
  get lastTimestamp(): number | undefined {
    return this.#count === 0 ? undefined : this.timestampAt(this.#count - 1);
  }

  /** Adds (timestamp, relativeOffset); ignored unless timestamp grows and the offset does not shrink. */
  append(timestamp: number, relativeOffset: number): void {
    if (this.#count > 0 && (timestamp <= this.timestampAt(this.#count - 1) || relativeOffset < this.relativeOffsetAt(this.#count - 1))) return;
    if ((this.#count + 1) * ENTRY_BYTES > this.#buf.length) {
      const grown = Buffer.alloc(this.#buf.length * 2);
      this.#buf.copy(grown, 0, 0, this.#count * ENTRY_BYTES);
      this.#buf = grown;
    }
    this.#buf.writeBigInt64BE(BigInt(timestamp), this.#count * ENTRY_BYTES);
    this.#buf.writeUInt32BE(relativeOffset, this.#count * ENTRY_BYTES + 8);
    this.#count++;
  }

  /** Relative offset to start scanning from for the first record with timestamp >= `timestamp`. */
  lookup(timestamp: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestampAt(mid) < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.relativeOffsetAt(found);
  }

  /** Drops entries whose relative offset is past `relativeOffset` (the log was truncated there). */
  truncateToRelativeOffset(relativeOffset: number): void {
    while (this.#count > 0 && this.relativeOffsetAt(this.#count - 1) > relativeOffset) this.#count--;
  }

  /** The `.timeindex` file content. */
  toBytes(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#count * ENTRY_BYTES));
  }
}
