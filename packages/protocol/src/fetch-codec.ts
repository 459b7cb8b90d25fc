/**
 * Hand-written protobuf codec for the read path's hot messages, `runnel.v1.FetchResponse` and
 * `runnel.v1.FetchPartitionResponse` (proto/runnel/v1/log.proto), and replication's
 * `runnel.v1.ReplicaFetchResponse` (proto/runnel/v1/replica.proto: the same partition fields 1–7
 * plus `diverging_epoch` = 8), installed into the gRPC definitions by {@link loadRunnelGrpc}.
 *
 * Why: protobufjs (through proto-loader) first builds a message object, then writes every record
 * byte into a fresh buffer that grpc-js copies once more; on the client it builds the message and
 * then a second, plain object. Fetch responses are mostly record bytes, so those copies and the
 * large short-lived buffers behind them (which make V8 run a full GC every ~64 MB of them) are
 * most of a consumer's and a broker's work.
 *
 * The encoder writes exactly the bytes protobufjs writes for the same object (fields in number
 * order; a field is written when it is present, even at its default value, as protobufjs does),
 * so any protobuf implementation reads it. The decoder reads any valid encoding (fields in any
 * order, unknown fields skipped, the last value of a repeated scalar wins) and returns the
 * object proto-loader would (defaults filled in, int64 as number, `records` a view of the
 * received bytes, not a copy).
 */
import type { Error as WireErrorMessage, Error__Output } from './generated/runnel/v1/Error.ts';
import type { FetchPartitionResponse, FetchPartitionResponse__Output } from './generated/runnel/v1/FetchPartitionResponse.ts';
import type { FetchResponse, FetchResponse__Output } from './generated/runnel/v1/FetchResponse.ts';
import type { EpochEndOffset, EpochEndOffset__Output } from './generated/runnel/v1/EpochEndOffset.ts';
import type { ReplicaFetchPartitionResponse, ReplicaFetchPartitionResponse__Output } from './generated/runnel/v1/ReplicaFetchPartitionResponse.ts';
import type { ReplicaFetchResponse, ReplicaFetchResponse__Output } from './generated/runnel/v1/ReplicaFetchResponse.ts';

type Int64In = number | string | { toNumber(): number } | null | undefined;

const EMPTY = Buffer.alloc(0);

/**
 * Largest scratch buffer the pooled encoder keeps between calls; larger messages get their own
 * buffer. 8 MiB of records (the largest fetch and replica fetch response) plus their fields.
 */
const MAX_SCRATCH_BYTES = 8 * 1024 * 1024 + 64 * 1024;

let scratch: Buffer = Buffer.allocUnsafe(64 * 1024);

// ---- sizes ----

function varintSize(v: number): number {
  // v is a uint32 here.
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Size of an int32/int64 value as protobuf writes it: negative values take ten bytes. */
function int64Size(v: number): number {
  if (v < 0) return 10;
  if (v < 0x100000000) return varintSize(v >>> 0);
  const hi = Math.floor(v / 0x100000000) >>> 0;
  return Math.ceil((64 - Math.clz32(hi)) / 7);
}

function toInt64(v: Int64In): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.toNumber();
}

function toBytes(v: Buffer | Uint8Array | string | null | undefined): Uint8Array | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  return v;
}

interface ErrorPlan {
  code: string | undefined;
  codeLen: number;
  message: string | undefined;
  messageLen: number;
  retriable: boolean | undefined;
  leaderHint: number | undefined;
  size: number;
}

function planError(e: WireErrorMessage): ErrorPlan {
  const code = e.code ?? undefined;
  const message = e.message ?? undefined;
  const codeLen = code === undefined ? 0 : Buffer.byteLength(code);
  const messageLen = message === undefined ? 0 : Buffer.byteLength(message);
  const retriable = e.retriable ?? undefined;
  const leaderHint = e.leaderHint ?? undefined;
  let size = 0;
  if (code !== undefined) size += 1 + varintSize(codeLen) + codeLen;
  if (message !== undefined) size += 1 + varintSize(messageLen) + messageLen;
  if (retriable !== undefined) size += 2;
  if (leaderHint !== undefined) size += 1 + int64Size(leaderHint | 0);
  return { code, codeLen, message, messageLen, retriable, leaderHint, size };
}

interface PartitionPlan {
  topic: string | undefined;
  topicLen: number;
  partition: number | undefined;
  error: ErrorPlan | undefined;
  highWatermark: number | undefined;
  logStartOffset: number | undefined;
  logEndOffset: number | undefined;
  records: Uint8Array | undefined;
  /** Replica fetch only: field 8, with its own size. */
  divergingEpoch: { epoch: number | undefined; endOffset: number | undefined; size: number } | undefined;
  size: number;
}

function planEpochEnd(e: EpochEndOffset): { epoch: number | undefined; endOffset: number | undefined; size: number } {
  const epoch = e.epoch ?? undefined;
  const endOffset = toInt64(e.endOffset);
  let size = 0;
  if (epoch !== undefined) size += 1 + int64Size(epoch | 0);
  if (endOffset !== undefined) size += 1 + int64Size(endOffset);
  return { epoch, endOffset, size };
}

function planPartition(p: FetchPartitionResponse | ReplicaFetchPartitionResponse): PartitionPlan {
  const topic = p.topic ?? undefined;
  const topicLen = topic === undefined ? 0 : Buffer.byteLength(topic);
  const partition = p.partition ?? undefined;
  const error = p.error === null || p.error === undefined ? undefined : planError(p.error);
  const highWatermark = toInt64(p.highWatermark);
  const logStartOffset = toInt64(p.logStartOffset);
  const logEndOffset = toInt64(p.logEndOffset);
  const records = toBytes(p.records);
  let size = 0;
  if (topic !== undefined) size += 1 + varintSize(topicLen) + topicLen;
  if (partition !== undefined) size += 1 + int64Size(partition | 0);
  if (error !== undefined) size += 1 + varintSize(error.size) + error.size;
  if (highWatermark !== undefined) size += 1 + int64Size(highWatermark);
  if (logStartOffset !== undefined) size += 1 + int64Size(logStartOffset);
  if (logEndOffset !== undefined) size += 1 + int64Size(logEndOffset);
  if (records !== undefined) size += 1 + varintSize(records.length) + records.length;
  const diverging = 'divergingEpoch' in p ? p.divergingEpoch : undefined;
  const divergingEpoch = diverging === null || diverging === undefined ? undefined : planEpochEnd(diverging);
  if (divergingEpoch !== undefined) size += 1 + varintSize(divergingEpoch.size) + divergingEpoch.size;
  return { topic, topicLen, partition, error, highWatermark, logStartOffset, logEndOffset, records, divergingEpoch, size };
}

// ---- writing ----

function writeVarint32(buf: Buffer, pos: number, v: number): number {
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Writes an int64 (or a sign-extended int32) as protobuf does: two's complement, ten bytes when negative. */
function writeInt64(buf: Buffer, pos: number, v: number): number {
  let lo: number;
  let hi: number;
  if (v >= 0) {
    lo = v >>> 0;
    hi = Math.floor(v / 0x100000000) >>> 0;
  } else {
    const a = -v;
    lo = a >>> 0;
    hi = Math.floor(a / 0x100000000) >>> 0;
    // Two's complement of (hi, lo).
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
    if (++lo > 0xffffffff) {
      lo = 0;
      hi = (hi + 1) >>> 0;
    }
  }
  while (hi > 0) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  return writeVarint32(buf, pos, lo);
}

function writeString(buf: Buffer, pos: number, tag: number, s: string, len: number): number {
  buf[pos++] = tag;
  pos = writeVarint32(buf, pos, len);
  return pos + (len < 32 ? writeSmallString(buf, pos, s) : buf.write(s, pos, len, 'utf8'));
}

/** Short ASCII strings are faster to copy by hand than through utf8Write. */
function writeSmallString(buf: Buffer, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return buf.write(s, pos, 'utf8');
    buf[pos + i] = c;
  }
  return s.length;
}

function writeError(buf: Buffer, pos: number, e: ErrorPlan): number {
  if (e.code !== undefined) pos = writeString(buf, pos, 0x0a, e.code, e.codeLen);
  if (e.message !== undefined) pos = writeString(buf, pos, 0x12, e.message, e.messageLen);
  if (e.retriable !== undefined) {
    buf[pos++] = 0x18;
    buf[pos++] = e.retriable ? 1 : 0;
  }
  if (e.leaderHint !== undefined) {
    buf[pos++] = 0x20;
    pos = writeInt64(buf, pos, e.leaderHint | 0);
  }
  return pos;
}

function writePartition(buf: Buffer, pos: number, p: PartitionPlan): number {
  if (p.topic !== undefined) pos = writeString(buf, pos, 0x0a, p.topic, p.topicLen);
  if (p.partition !== undefined) {
    buf[pos++] = 0x10;
    pos = writeInt64(buf, pos, p.partition | 0);
  }
  if (p.error !== undefined) {
    buf[pos++] = 0x1a;
    pos = writeVarint32(buf, pos, p.error.size);
    pos = writeError(buf, pos, p.error);
  }
  if (p.highWatermark !== undefined) {
    buf[pos++] = 0x20;
    pos = writeInt64(buf, pos, p.highWatermark);
  }
  if (p.logStartOffset !== undefined) {
    buf[pos++] = 0x28;
    pos = writeInt64(buf, pos, p.logStartOffset);
  }
  if (p.logEndOffset !== undefined) {
    buf[pos++] = 0x30;
    pos = writeInt64(buf, pos, p.logEndOffset);
  }
  if (p.records !== undefined) {
    buf[pos++] = 0x3a;
    pos = writeVarint32(buf, pos, p.records.length);
    buf.set(p.records, pos);
    pos += p.records.length;
  }
  if (p.divergingEpoch !== undefined) {
    buf[pos++] = 0x42;
    pos = writeVarint32(buf, pos, p.divergingEpoch.size);
    if (p.divergingEpoch.epoch !== undefined) {
      buf[pos++] = 0x08;
      pos = writeInt64(buf, pos, p.divergingEpoch.epoch | 0);
    }
    if (p.divergingEpoch.endOffset !== undefined) {
      buf[pos++] = 0x10;
      pos = writeInt64(buf, pos, p.divergingEpoch.endOffset);
    }
  }
  return pos;
}

function target(size: number, pooled: boolean): Buffer {
  if (!pooled || size > MAX_SCRATCH_BYTES) return Buffer.allocUnsafe(size);
  if (scratch.length < size) {
    let n = scratch.length;
    while (n < size) n *= 2;
    scratch = Buffer.allocUnsafe(Math.min(n, MAX_SCRATCH_BYTES));
  }
  return scratch;
}

/**
 * Encodes a FetchResponse into a buffer of its own, byte for byte as protobufjs would.
 */
export function encodeFetchResponse(message: FetchResponse): Buffer {
  return encodeResponse(message, false);
}

/** Encodes a FetchPartitionResponse (one Tail message) into a buffer of its own. */
export function encodeFetchPartitionResponse(message: FetchPartitionResponse): Buffer {
  return encodePartitionMessage(message, false);
}

/**
 * As {@link encodeFetchResponse}, but the result is a view of a scratch buffer that the next call
 * overwrites. Only for a caller that copies the bytes before encoding again: grpc-js's server
 * does (it copies the serialized message into its framed output within the same call).
 */
export function encodeFetchResponseReusing(message: FetchResponse): Buffer {
  return encodeResponse(message, true);
}

/** As {@link encodeFetchPartitionResponse}, into the shared scratch buffer (see {@link encodeFetchResponseReusing}). */
export function encodeFetchPartitionResponseReusing(message: FetchPartitionResponse): Buffer {
  return encodePartitionMessage(message, true);
}

/**
 * Encodes a ReplicaFetchResponse into a buffer of its own, byte for byte as protobufjs would.
 */
export function encodeReplicaFetchResponse(message: ReplicaFetchResponse): Buffer {
  return encodeResponse(message, false);
}

/** As {@link encodeReplicaFetchResponse}, into the shared scratch buffer (see {@link encodeFetchResponseReusing}). */
export function encodeReplicaFetchResponseReusing(message: ReplicaFetchResponse): Buffer {
  return encodeResponse(message, true);
}

function encodeResponse(message: FetchResponse | ReplicaFetchResponse, pooled: boolean): Buffer {
  const parts = message.partitions ?? [];
  const plans = new Array<PartitionPlan>(parts.length);
  let size = 0;
  for (let i = 0; i < parts.length; i++) {
    const plan = planPartition(parts[i]!);
    plans[i] = plan;
    size += 1 + varintSize(plan.size) + plan.size;
  }
  const buf = target(size, pooled);
  let pos = 0;
  for (const plan of plans) {
    buf[pos++] = 0x0a;
    pos = writeVarint32(buf, pos, plan.size);
    pos = writePartition(buf, pos, plan);
  }
  return pos === buf.length ? buf : buf.subarray(0, pos);
}

function encodePartitionMessage(message: FetchPartitionResponse, pooled: boolean): Buffer {
  const plan = planPartition(message);
  const buf = target(plan.size, pooled);
  const end = writePartition(buf, 0, plan);
  return end === buf.length ? buf : buf.subarray(0, end);
}

// ---- reading ----

class Reader {
  pos: number;
  readonly buf: Buffer;
  readonly end: number;

  constructor(buf: Buffer, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** A varint's low 32 bits (as protobufjs's uint32). */
  uint32(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError(`Truncated protobuf varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      if (shift < 32) v |= (b & 0x7f) << shift;
      if (b < 0x80) return v >>> 0;
      shift += 7;
      if (shift >= 70) throw new RangeError(`Protobuf varint longer than 10 bytes at byte ${this.pos}`);
    }
  }

  /** An int64 varint as a JS number (as protobufjs's LongBits.toNumber for signed values). */
  int64(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError(`Truncated protobuf varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else if (shift < 64) hi |= bits << (shift - 32);
      if (b < 0x80) break;
      shift += 7;
      if (shift >= 70) throw new RangeError(`Protobuf varint longer than 10 bytes at byte ${this.pos}`);
    }
    lo >>>= 0;
    hi >>>= 0;
    if (hi >>> 31) {
      const l = (~lo + 1) >>> 0;
      let h = ~hi >>> 0;
      if (l === 0) h = (h + 1) >>> 0;
      return -(l + h * 0x100000000);
    }
    return lo + hi * 0x100000000;
  }

  /** Start and end of a length-delimited field's payload. */
  delimited(): number {
    const len = this.uint32();
    const start = this.pos;
    if (start + len > this.end) throw new RangeError(`Protobuf field of ${len} bytes at byte ${start} runs past the message end ${this.end}`);
    this.pos = start + len;
    return start;
  }

  string(): string {
    const start = this.delimited();
    return this.buf.toString('utf8', start, this.pos);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.uint32();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.delimited();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new RangeError(`Unsupported protobuf wire type ${wireType} at byte ${this.pos}`);
    }
    if (this.pos > this.end) throw new RangeError(`Truncated protobuf field at byte ${this.pos}`);
  }
}

function readError(r: Reader, end: number): Error__Output {
  const out: Error__Output = { code: '', message: '', retriable: false, leaderHint: 0 };
  const sub = new Reader(r.buf, r.pos, end);
  while (sub.pos < end) {
    const tag = sub.uint32();
    switch (tag) {
      case 0x0a:
        out.code = sub.string();
        break;
      case 0x12:
        out.message = sub.string();
        break;
      case 0x18:
        out.retriable = sub.uint32() !== 0;
        break;
      case 0x20:
        out.leaderHint = sub.uint32() | 0;
        break;
      default:
        sub.skip(tag & 7);
    }
  }
  r.pos = end;
  return out;
}

function readEpochEnd(r: Reader, end: number): EpochEndOffset__Output {
  const out: EpochEndOffset__Output = { epoch: 0, endOffset: 0 };
  const sub = new Reader(r.buf, r.pos, end);
  while (sub.pos < end) {
    const tag = sub.uint32();
    if (tag === 0x08) out.epoch = sub.uint32() | 0;
    else if (tag === 0x10) out.endOffset = sub.int64();
    else sub.skip(tag & 7);
  }
  r.pos = end;
  return out;
}

function readPartition(buf: Buffer, start: number, end: number): FetchPartitionResponse__Output;
function readPartition(buf: Buffer, start: number, end: number, replica: true): ReplicaFetchPartitionResponse__Output;
function readPartition(buf: Buffer, start: number, end: number, replica = false): FetchPartitionResponse__Output | ReplicaFetchPartitionResponse__Output {
  // Two literal shapes, so a Fetch partition keeps exactly the fields (and hidden class) it had.
  const out = (replica
    ? { topic: '', partition: 0, error: null, highWatermark: 0, logStartOffset: 0, logEndOffset: 0, records: EMPTY, divergingEpoch: null }
    : { topic: '', partition: 0, error: null, highWatermark: 0, logStartOffset: 0, logEndOffset: 0, records: EMPTY }) as ReplicaFetchPartitionResponse__Output;
  const r = new Reader(buf, start, end);
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 0x0a:
        out.topic = r.string();
        break;
      case 0x10:
        out.partition = r.uint32() | 0;
        break;
      case 0x1a: {
        const s = r.delimited();
        const e = r.pos;
        r.pos = s;
        out.error = readError(r, e);
        break;
      }
      case 0x20:
        out.highWatermark = r.int64();
        break;
      case 0x28:
        out.logStartOffset = r.int64();
        break;
      case 0x30:
        out.logEndOffset = r.int64();
        break;
      case 0x3a: {
        const s = r.delimited();
        out.records = buf.subarray(s, r.pos);
        break;
      }
      case 0x42: {
        const s = r.delimited();
        if (!replica) break;
        const e = r.pos;
        r.pos = s;
        out.divergingEpoch = readEpochEnd(r, e);
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return out;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes a FetchResponse into what proto-loader returns. `records` are views of `bytes`.
 * @throws RangeError on a truncated or malformed message
 */
export function decodeFetchResponse(bytes: Uint8Array): FetchResponse__Output {
  return { partitions: readPartitions(asBuffer(bytes), false) };
}

/** The `partitions` (field 1) of a Fetch or ReplicaFetch response. */
function readPartitions(buf: Buffer, replica: false): FetchPartitionResponse__Output[];
function readPartitions(buf: Buffer, replica: true): ReplicaFetchPartitionResponse__Output[];
function readPartitions(buf: Buffer, replica: boolean): Array<FetchPartitionResponse__Output | ReplicaFetchPartitionResponse__Output> {
  const partitions: Array<FetchPartitionResponse__Output | ReplicaFetchPartitionResponse__Output> = [];
  const r = new Reader(buf, 0, buf.length);
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag === 0x0a) {
      const s = r.delimited();
      partitions.push(replica ? readPartition(buf, s, r.pos, true) : readPartition(buf, s, r.pos));
    } else r.skip(tag & 7);
  }
  return partitions;
}

/**
 * Decodes a FetchPartitionResponse (one Tail message). `records` is a view of `bytes`.
 * @throws RangeError on a truncated or malformed message
 */
export function decodeFetchPartitionResponse(bytes: Uint8Array): FetchPartitionResponse__Output {
  const buf = asBuffer(bytes);
  return readPartition(buf, 0, buf.length);
}

/**
 * Decodes a ReplicaFetchResponse into what proto-loader returns. `records` are views of `bytes`.
 * @throws RangeError on a truncated or malformed message
 */
export function decodeReplicaFetchResponse(bytes: Uint8Array): ReplicaFetchResponse__Output {
  return { partitions: readPartitions(asBuffer(bytes), true) };
}
