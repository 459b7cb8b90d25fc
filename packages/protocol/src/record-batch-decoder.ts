/**
 * Decodes RecordBatch v2 into records (grammar in record-batch-encoder.ts).
 *
 * Keys, values and header values are subarrays of the input (or of the decompressed records
 * section), never copies: a consumer that keeps a record keeps the fetched buffer alive.
 * Every length is bounds-checked; any inconsistency is a CorruptBatchError naming the batch position.
 */
import { BATCH_LOG_OVERHEAD, RECORD_BATCH_HEADER_BYTES, readBatchHeader, verifyBatchCrc, type RecordBatchHeader } from './batch-header.ts';
import { decompressRecords } from './compression.ts';
import { CorruptBatchError } from './errors.ts';
import type { ConsumedRecord, RecordHeader } from './record-types.ts';

/** A cursor over one batch's records section. */
class RecordReader {
  buf: Buffer;
  pos: number;
  end: number;
  readonly batchPosition: number;

  constructor(buf: Buffer, batchPosition: number) {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
    this.batchPosition = batchPosition;
  }

  corrupt(what: string): CorruptBatchError {
    return new CorruptBatchError(`Invalid record batch at position ${this.batchPosition}: ${what}`, {
      position: this.batchPosition,
    });
  }

  /** A zigzag varint of at most 5 bytes (a 32-bit field). */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw this.corrupt('record data ends inside a varint');
      const byte = buf[this.pos++]!;
      if (shift === 28) {
        if (byte > 0x0f) throw this.corrupt('varint is longer than 32 bits');
        result = (result | (byte << 28)) >>> 0;
        break;
      }
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        result >>>= 0;
        break;
      }
      shift += 7;
    }
    return (result >>> 1) ^ -(result & 1);
  }

  /** A zigzag varint of up to 64 bits whose value must be a safe integer. */
  varlong(): number {
    const buf = this.buf;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) throw this.corrupt('record data ends inside a varint');
      const byte = buf[this.pos++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) break;
      multiplier *= 0x80;
      if (i === 7) throw this.corrupt('timestamp delta is outside the safe integer range');
    }
    if (result > Number.MAX_SAFE_INTEGER) throw this.corrupt('timestamp delta is outside the safe integer range');
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }

  /** Length-prefixed bytes; null for length -1. */
  bytes(what: string): Buffer | null {
    const length = this.varint();
    if (length === -1) return null;
    if (length < 0 || length > this.end - this.pos) {
      throw this.corrupt(`${what} length ${length} exceeds the record (${this.end - this.pos} bytes left)`);
    }
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }
}

/** The headers of every record that has none (frozen: shared by all of them). */
const NO_HEADERS = Object.freeze([]) as unknown as RecordHeader[];

/** The result of {@link decodeRecordBatch}. */
export interface DecodedRecordBatch {
  header: RecordBatchHeader;
  records: ConsumedRecord[];
}

/**
 * Decodes the whole batch at `position`: verifies the CRC, decompresses, and returns its records
 * with absolute offsets. Control batches (transaction markers) decode like any other; callers that
 * want only data records use {@link decodeRecords}.
 *
 * Throws CorruptBatchError for any framing or record fault, UNSUPPORTED_COMPRESSION for a codec this
 * build lacks.
 */
export function decodeRecordBatch(buf: Buffer, position = 0): DecodedRecordBatch {
  const header = readBatchHeader(buf, position);
  const records: ConsumedRecord[] = [];
  readBatchRecords(buf, position, header, -Infinity, undefined, records);
  return { header, records };
}

/** Where consumed records came from, stamped into each record by {@link decodeRecords}. */
export interface RecordOrigin {
  topic: string;
  partition: number;
}

/**
 * Verifies the CRC of the batch at `position`, decompresses it, and appends its records at or
 * above `fromOffset` to `out` (with `origin`'s fields when given: built into each record at once,
 * so every record has one shape and no later property writes).
 */
function readBatchRecords(buf: Buffer, position: number, header: RecordBatchHeader, fromOffset: number, origin: RecordOrigin | undefined, out: ConsumedRecord[]): void {
  verifyBatchCrc(buf, position);
  const size = BATCH_LOG_OVERHEAD + header.batchLength;
  const section = buf.subarray(position + RECORD_BATCH_HEADER_BYTES, position + size);
  const reader = new RecordReader(decompressRecords(header.compression, section, position), position);
  const { recordCount, baseOffset, partitionLeaderEpoch } = header;
  // The smallest record takes 7 bytes (length, attributes, two deltas, null key, null value, no
  // headers): a larger count is corrupt, and checking first avoids allocating for a bogus count.
  if (recordCount < 0 || recordCount > reader.end / 7) {
    throw reader.corrupt(`recordCount ${recordCount} is not possible in ${reader.end} bytes of records`);
  }
  const logAppendTime = header.timestampType === 'logAppend' ? header.maxTimestamp : -1;
  for (let i = 0; i < recordCount; i++) {
    const length = reader.varint();
    const recordStart = reader.pos;
    if (length < 0 || length > reader.end - recordStart) {
      throw reader.corrupt(`record ${i} length ${length} exceeds the batch (${reader.end - recordStart} bytes left)`);
    }
    const saved = reader.end;
    reader.end = recordStart + length;
    reader.pos++; // record attributes: unused
    const timestampDelta = reader.varlong();
    const offsetDelta = reader.varint();
    const key = reader.bytes('key');
    const value = reader.bytes('value');
    const headerCount = reader.varint();
    if (headerCount < 0 || headerCount > reader.end - reader.pos) {
      throw reader.corrupt(`record ${i} header count ${headerCount} is not possible in its ${length} bytes`);
    }
    const headers: RecordHeader[] = headerCount === 0 ? NO_HEADERS : new Array<RecordHeader>(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const headerKey = reader.bytes('header key');
      if (headerKey === null) throw reader.corrupt(`record ${i} header ${h} has a null key`);
      headers[h] = { key: headerKey.toString('utf8'), value: reader.bytes('header value') };
    }
    if (reader.pos !== reader.end) {
      throw reader.corrupt(`record ${i} declares ${length} bytes but its fields take ${reader.pos - recordStart}`);
    }
    reader.end = saved;
    const offset = baseOffset + offsetDelta;
    if (offset < fromOffset) continue;
    const timestamp = logAppendTime >= 0 ? logAppendTime : header.baseTimestamp + timestampDelta;
    out.push(origin === undefined
      ? { offset, timestamp, key, value, headers, leaderEpoch: partitionLeaderEpoch }
      : ({ topic: origin.topic, partition: origin.partition, offset, timestamp, key, value, headers, leaderEpoch: partitionLeaderEpoch } as ConsumedRecord));
  }
  if (reader.pos !== reader.end) {
    throw reader.corrupt(`${reader.end - reader.pos} bytes follow the ${recordCount} declared records`);
  }
}

/**
 * Decodes every batch of a fetch response into data records, skipping records below `fromOffset`
 * (a fetch may start inside a batch) and control batches. A partial batch at the end (a fetch
 * cut by maxBytes) is ignored; corruption anywhere else throws CorruptBatchError.
 */
export function decodeRecords(buf: Buffer, fromOffset?: number): ConsumedRecord[];
/** As above, each record also carrying `origin`'s topic and partition. */
export function decodeRecords(buf: Buffer, fromOffset: number, origin: RecordOrigin): Array<ConsumedRecord & RecordOrigin>;
export function decodeRecords(buf: Buffer, fromOffset = 0, origin?: RecordOrigin): ConsumedRecord[] {
  const out: ConsumedRecord[] = [];
  let position = 0;
  while (buf.length - position >= RECORD_BATCH_HEADER_BYTES) {
    const size = BATCH_LOG_OVERHEAD + buf.readInt32BE(position + 8);
    if (size > buf.length - position) break; // partial trailing batch
    const header = readBatchHeader(buf, position);
    if (!header.isControl && header.baseOffset + header.lastOffsetDelta >= fromOffset) readBatchRecords(buf, position, header, fromOffset, origin, out);
    position += size;
  }
  return out;
}
