/**
 * Builds record batches byte by byte for framing tests, independently of the codec, so framing
 * tests do not pass merely because encoder and validator share a mistake.
 */
import { crc32c } from '../crc32c.ts';

/** Fields of a hand-built batch; `body` stands in for the records section. */
export interface RawBatchSpec {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  magic?: number;
  attributes?: number;
  lastOffsetDelta?: number;
  baseTimestamp?: number;
  maxTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  recordCount?: number;
  body?: Buffer;
}

/** A batch with a correct batchLength and CRC-32C for `spec`. */
export function buildRawBatch(spec: RawBatchSpec = {}): Buffer {
  const body = spec.body ?? Buffer.from('not decoded by framing checks');
  const buf = Buffer.alloc(61 + body.length);
  buf.writeBigInt64BE(BigInt(spec.baseOffset ?? 0), 0);
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt32BE(spec.partitionLeaderEpoch ?? -1, 12);
  buf.writeInt8(spec.magic ?? 2, 16);
  buf.writeInt16BE(spec.attributes ?? 0, 21);
  buf.writeInt32BE(spec.lastOffsetDelta ?? (spec.recordCount ?? 1) - 1, 23);
  buf.writeBigInt64BE(BigInt(spec.baseTimestamp ?? 1_700_000_000_000), 27);
  buf.writeBigInt64BE(BigInt(spec.maxTimestamp ?? 1_700_000_000_005), 35);
  buf.writeBigInt64BE(BigInt(spec.producerId ?? -1), 43);
  buf.writeInt16BE(spec.producerEpoch ?? -1, 51);
  buf.writeInt32BE(spec.baseSequence ?? -1, 53);
  buf.writeInt32BE(spec.recordCount ?? 1, 57);
  body.copy(buf, 61);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}
