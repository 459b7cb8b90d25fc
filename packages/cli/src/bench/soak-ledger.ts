/**
 * The soak's record accounting: which acknowledged records the consumer never received, and of
 * those, which ones retention deleted before the consumer read them.
 *
 * A consumer that falls behind the log start (retention deleted the segments it had still to read)
 * gets OFFSET_OUT_OF_RANGE and, with autoOffsetReset 'earliest', resumes at the log start; the
 * client reports it as an `offsetReset` status event with reason 'outOfRange'. The offsets from
 * the one it asked for up to the one it resumed at are a skipped range of that partition. An
 * acknowledged record never received whose offset (from the producer's ack) lies in a skipped
 * range of its partition was deleted by retention before it was read; every other one is lost.
 */

/** A set of non-negative integers as bits (sequence numbers). */
export class BitSet {
  #bits = new Uint8Array(1 << 16);
  /** Adds `n`; true when it was not there before. */
  add(n: number): boolean {
    const byte = n >>> 3;
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const had = (this.#bits[byte]! & (1 << (n & 7))) !== 0;
    this.#bits[byte]! |= 1 << (n & 7);
    return !had;
  }
  has(n: number): boolean {
    const byte = n >>> 3;
    return byte < this.#bits.length && (this.#bits[byte]! & (1 << (n & 7))) !== 0;
  }
}

/** Half-open offset ranges [from, to) of one partition, kept sorted and merged. */
export class OffsetRanges {
  readonly #ranges: Array<[number, number]> = [];

  /** Adds [from, to); an empty or reversed range adds nothing. */
  add(from: number, to: number): void {
    if (!(to > from)) return;
    const kept: Array<[number, number]> = [];
    let lo = from;
    let hi = to;
    for (const [a, b] of this.#ranges) {
      if (b < lo || a > hi) kept.push([a, b]);
      else {
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
      }
    }
    kept.push([lo, hi]);
    kept.sort((x, y) => x[0] - y[0]);
    this.#ranges.splice(0, this.#ranges.length, ...kept);
  }

  has(offset: number): boolean {
    let lo = 0;
    let hi = this.#ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [a, b] = this.#ranges[mid]!;
      if (offset < a) hi = mid - 1;
      else if (offset >= b) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** The merged ranges, in offset order. */
  list(): ReadonlyArray<readonly [number, number]> {
    return this.#ranges;
  }
}

/** One outOfRange reset of the consumer, as the client reported it. */
export interface OutOfRangeReset {
  partition: number;
  /** The offset the consumer asked for. */
  outOfRangeOffset: number;
  /** The offset it resumed at (the log start when it asked again). */
  resumedAt: number;
  logStartOffset: number | null;
  logEndOffset: number | null;
}

export interface LedgerTotals {
  acked: number;
  received: number;
  /** Acknowledged, never received, and not in a skipped range of its partition. */
  lost: number;
  /** Acknowledged, never received, and in a range the consumer skipped (deleted by retention before it was read). */
  skippedByRetention: number;
  outOfRangeResets: number;
}

/** Acknowledged and received sequence numbers, the ack's partition and offset, and skipped ranges. */
export class SoakLedger {
  readonly #acked = new BitSet();
  readonly #received = new BitSet();
  /** In a skipped range of its partition (checked against `#received` at the end: a record read again is not skipped). */
  readonly #inSkipped = new BitSet();
  /** Acknowledged, not yet received and not (yet) in a skipped range: seq -> where the ack put it. */
  readonly #pending = new Map<number, { partition: number; offset: number }>();
  readonly #skipped = new Map<number, OffsetRanges>();
  #maxSeq = -1;
  acked = 0;
  received = 0;
  resets = 0;

  /** The producer acknowledged record `seq` at `offset` of `partition`. */
  ack(seq: number, partition: number, offset: number): void {
    if (!this.#acked.add(seq)) return;
    this.acked++;
    this.#maxSeq = Math.max(this.#maxSeq, seq);
    if (this.#received.has(seq)) return;
    if (this.#skipped.get(partition)?.has(offset) === true) this.#inSkipped.add(seq);
    else this.#pending.set(seq, { partition, offset });
  }

  /** The consumer received record `seq`; false when it had already. */
  receive(seq: number): boolean {
    if (!this.#received.add(seq)) return false;
    this.received++;
    this.#pending.delete(seq);
    return true;
  }

  /** The consumer asked `partition` for `outOfRangeOffset`, was out of range, and resumed at `resumedAt`. */
  outOfRange(partition: number, outOfRangeOffset: number, resumedAt: number): void {
    this.resets++;
    if (!(resumedAt > outOfRangeOffset)) return;
    let ranges = this.#skipped.get(partition);
    if (ranges === undefined) this.#skipped.set(partition, (ranges = new OffsetRanges()));
    ranges.add(outOfRangeOffset, resumedAt);
    for (const [seq, at] of this.#pending) {
      if (at.partition === partition && at.offset >= outOfRangeOffset && at.offset < resumedAt) {
        this.#inSkipped.add(seq);
        this.#pending.delete(seq);
      }
    }
  }

  /** Acknowledged records neither received nor in a skipped range (yet). */
  get unresolved(): number {
    return this.#pending.size;
  }

  /** Up to `n` lost records: sequence number, partition and offset of the ack. */
  lostExamples(n: number): Array<{ seq: number; partition: number; offset: number }> {
    const out: Array<{ seq: number; partition: number; offset: number }> = [];
    for (const [seq, at] of this.#pending) {
      if (out.length >= n) break;
      out.push({ seq, ...at });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** The skipped ranges of `partition`. */
  skippedRanges(partition: number): ReadonlyArray<readonly [number, number]> {
    return this.#skipped.get(partition)?.list() ?? [];
  }

  totals(): LedgerTotals {
    let lost = 0;
    let skippedByRetention = 0;
    for (let seq = 0; seq <= this.#maxSeq; seq++) {
      if (!this.#acked.has(seq) || this.#received.has(seq)) continue;
      if (this.#inSkipped.has(seq)) skippedByRetention++;
      else lost++;
    }
    return { acked: this.acked, received: this.received, lost, skippedByRetention, outOfRangeResets: this.resets };
  }
}
