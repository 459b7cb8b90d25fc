/**
 * The hand-written Fetch codec against protobufjs (what proto-loader and any other gRPC client
 * use): the same bytes for the same message, and each side reads what the other wrote.
 */
import * as protoLoader from '@grpc/proto-loader';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  decodeFetchPartitionResponse,
  decodeFetchResponse,
  encodeFetchPartitionResponse,
  encodeFetchPartitionResponseReusing,
  encodeFetchResponse,
  encodeFetchResponseReusing,
  decodeReplicaFetchResponse,
  encodeReplicaFetchResponse,
  encodeReplicaFetchResponseReusing,
} from './fetch-codec.ts';
import { loadRunnelGrpc, PROTO_FILES, PROTO_LOADER_OPTIONS, PROTO_ROOT } from './grpc-loader.ts';
import type { FetchResponse } from './generated/runnel/v1/FetchResponse.ts';

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => `${PROTO_ROOT}${target}`;
root.loadSync([...PROTO_FILES], { keepCase: false });
const FetchResponseType = root.lookupType('runnel.v1.FetchResponse');
const FetchPartitionResponseType = root.lookupType('runnel.v1.FetchPartitionResponse');
const ReplicaFetchResponseType = root.lookupType('runnel.v1.ReplicaFetchResponse');
const TO_OBJECT = { longs: Number, enums: String, defaults: true, oneofs: true } as const;

/** What protobufjs (as proto-loader configures it) writes for `message`. */
function protobufjsEncode(type: protobuf.Type, message: object): Buffer {
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}

/** What proto-loader hands a gRPC handler or client for `bytes`. */
function protobufjsDecode(type: protobuf.Type, bytes: Uint8Array): unknown {
  return type.toObject(type.decode(bytes), TO_OBJECT);
}

const SEED = 0x5eed_f37c;
const int64 = fc.oneof(fc.constant(-1), fc.constant(0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.maxSafeInteger(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const int32 = fc.oneof(fc.constant(-1), fc.constant(0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.constant('orders-eu-1'));
const errorArb = fc.record(
  { code: text, message: text, retriable: fc.boolean(), leaderHint: int32 },
  { requiredKeys: [] },
);
const partitionFields = {
  topic: text,
  partition: int32,
  error: fc.option(errorArb, { nil: null }),
  highWatermark: int64,
  logStartOffset: int64,
  logEndOffset: int64,
  records: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
};
const partitionArb = fc.record(partitionFields, { requiredKeys: [] });
const responseArb = fc.record({ partitions: fc.array(partitionArb, { maxLength: 5 }) });
const replicaPartitionArb = fc.record(
  { ...partitionFields, divergingEpoch: fc.option(fc.record({ epoch: int32, endOffset: int64 }, { requiredKeys: [] }), { nil: null }) },
  { requiredKeys: [] },
);
const replicaResponseArb = fc.record({ partitions: fc.array(replicaPartitionArb, { maxLength: 5 }) });

describe('Fetch codec', () => {
  it('writes the bytes protobufjs writes, for any FetchResponse', () => {
    fc.assert(
      fc.property(responseArb, (message) => {
        expect(encodeFetchResponse(message).equals(protobufjsEncode(FetchResponseType, message))).toBe(true);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('round-trips through protobufjs both ways', () => {
    fc.assert(
      fc.property(responseArb, (message) => {
        // ours -> protobufjs
        const fromOurs = protobufjsDecode(FetchResponseType, encodeFetchResponse(message));
        // protobufjs -> ours
        const fromTheirs = decodeFetchResponse(protobufjsEncode(FetchResponseType, message));
        expect(fromTheirs).toEqual(fromOurs);
        // and ours -> ours
        expect(decodeFetchResponse(encodeFetchResponse(message))).toEqual(fromOurs);
      }),
      { seed: SEED + 1, numRuns: 500 },
    );
  });

  it('round-trips a single FetchPartitionResponse (a Tail message) both ways', () => {
    fc.assert(
      fc.property(partitionArb, (message) => {
        const ours = encodeFetchPartitionResponse(message);
        expect(ours.equals(protobufjsEncode(FetchPartitionResponseType, message))).toBe(true);
        expect(decodeFetchPartitionResponse(ours)).toEqual(protobufjsDecode(FetchPartitionResponseType, ours));
      }),
      { seed: SEED + 2, numRuns: 300 },
    );
  });

  it('reads fields in any order, skips unknown fields and keeps the last value of a repeated scalar', () => {
    const w = protobuf.Writer.create();
    w.uint32((99 << 3) | 2).bytes(Buffer.from('future field'));
    w.uint32(0x0a).fork();
    w.uint32(0x3a).bytes(Buffer.from([1, 2, 3]));
    w.uint32(0x20).int64(5);
    w.uint32((15 << 3) | 5).fixed32(7);
    w.uint32((16 << 3) | 1).fixed64(8);
    w.uint32(0x0a).string('t');
    w.uint32(0x20).int64(-1);
    w.uint32(0x10).int32(3);
    w.ldelim();
    const bytes = w.finish();
    const ours = decodeFetchResponse(bytes);
    expect(ours).toEqual(protobufjsDecode(FetchResponseType, bytes));
    expect(ours.partitions[0]).toMatchObject({ topic: 't', partition: 3, highWatermark: -1, error: null });
    expect([...ours.partitions[0]!.records]).toEqual([1, 2, 3]);
  });

  it('rejects a truncated message with a RangeError naming the byte', () => {
    const bytes = encodeFetchResponse({ partitions: [{ topic: 'orders', partition: 1, records: Buffer.alloc(100, 7) }] });
    expect(() => decodeFetchResponse(bytes.subarray(0, bytes.length - 10))).toThrow(/runs past the message end/);
    expect(() => decodeFetchResponse(Buffer.from([0x0a, 0x02, 0x20, 0xff]))).toThrow(/Truncated protobuf varint/);
  });

  it('hands out records as views of the received bytes, not copies', () => {
    const bytes = encodeFetchResponse({ partitions: [{ topic: 'a', records: Buffer.alloc(64, 9) }] });
    const records = decodeFetchResponse(bytes).partitions[0]!.records;
    expect(records.buffer).toBe(bytes.buffer);
  });

  it('the reusing encoders give the same bytes, valid until the next call', () => {
    const first: FetchResponse = { partitions: [{ topic: 'one', partition: 0, highWatermark: 10, records: Buffer.alloc(70_000, 1) }] };
    const second: FetchResponse = { partitions: [{ topic: 'two', partition: 1, highWatermark: 20, records: Buffer.alloc(10, 2) }] };
    expect(encodeFetchResponseReusing(first).equals(encodeFetchResponse(first))).toBe(true);
    expect(encodeFetchResponseReusing(second).equals(encodeFetchResponse(second))).toBe(true);
    expect(encodeFetchPartitionResponseReusing(first.partitions![0]!).equals(encodeFetchPartitionResponse(first.partitions![0]!))).toBe(true);
  });

  it('is what the loaded gRPC definition uses for Fetch and Tail responses', () => {
    const { packageDefinition } = loadRunnelGrpc();
    const log = packageDefinition['runnel.v1.Log'] as Record<string, protoLoader.MethodDefinition<object, object>>;
    const message = { partitions: [{ topic: 'x', partition: 2, highWatermark: 3, logStartOffset: 0, logEndOffset: 3, records: Buffer.from([4, 5]) }] };
    const bytes = log['Fetch']!.responseSerialize(message);
    expect(bytes.equals(protobufjsEncode(FetchResponseType, message))).toBe(true);
    expect(log['Fetch']!.responseDeserialize(bytes)).toEqual(protobufjsDecode(FetchResponseType, bytes));
    // Requests still go through proto-loader (protobufjs), and read back the same.
    const plain = protoLoader.loadSync([...PROTO_FILES], PROTO_LOADER_OPTIONS)['runnel.v1.Log'] as Record<string, protoLoader.MethodDefinition<object, object>>;
    expect(log['Tail']!.responseDeserialize(plain['Tail']!.responseSerialize(message.partitions[0]!))).toEqual(plain['Tail']!.responseDeserialize(plain['Tail']!.responseSerialize(message.partitions[0]!)));
  });
});

describe('ReplicaFetch codec', () => {
  it('writes the bytes protobufjs writes, for any ReplicaFetchResponse', () => {
    fc.assert(
      fc.property(replicaResponseArb, (message) => {
        expect(encodeReplicaFetchResponse(message).equals(protobufjsEncode(ReplicaFetchResponseType, message))).toBe(true);
      }),
      { seed: SEED + 10, numRuns: 500 },
    );
  });

  it('round-trips through protobufjs both ways, the diverging epoch included', () => {
    fc.assert(
      fc.property(replicaResponseArb, (message) => {
        const fromOurs = protobufjsDecode(ReplicaFetchResponseType, encodeReplicaFetchResponse(message));
        expect(decodeReplicaFetchResponse(protobufjsEncode(ReplicaFetchResponseType, message))).toEqual(fromOurs);
        expect(decodeReplicaFetchResponse(encodeReplicaFetchResponse(message))).toEqual(fromOurs);
      }),
      { seed: SEED + 11, numRuns: 500 },
    );
  });

  it('reads a diverging epoch written before the records, and a Fetch decoder skips it', () => {
    const w = protobuf.Writer.create();
    w.uint32(0x0a).fork();
    w.uint32(0x42).fork().uint32(0x08).int32(4).uint32(0x10).int64(1234).ldelim();
    w.uint32(0x3a).bytes(Buffer.from([9, 9]));
    w.uint32(0x0a).string('orders');
    w.ldelim();
    const bytes = w.finish();
    const ours = decodeReplicaFetchResponse(bytes);
    expect(ours).toEqual(protobufjsDecode(ReplicaFetchResponseType, bytes));
    expect(ours.partitions[0]).toMatchObject({ topic: 'orders', divergingEpoch: { epoch: 4, endOffset: 1234 } });
    // A Fetch partition has no field 8: it is skipped as an unknown field.
    expect(decodeFetchResponse(bytes).partitions[0]).not.toHaveProperty('divergingEpoch');
    expect([...decodeFetchResponse(bytes).partitions[0]!.records]).toEqual([9, 9]);
  });

  it('rejects a truncated message with a RangeError, and hands out records as views', () => {
    const bytes = encodeReplicaFetchResponse({ partitions: [{ topic: 'orders', partition: 1, records: Buffer.alloc(100, 7), divergingEpoch: { epoch: 2, endOffset: 50 } }] });
    expect(() => decodeReplicaFetchResponse(bytes.subarray(0, bytes.length - 10))).toThrow(RangeError);
    expect(decodeReplicaFetchResponse(bytes).partitions[0]!.records.buffer).toBe(bytes.buffer);
  });

  it('keeps a full 8 MiB replica fetch in the reused scratch buffer', () => {
    const big = { partitions: [{ topic: 'orders', partition: 0, highWatermark: 1, logStartOffset: 0, logEndOffset: 9, records: Buffer.alloc(8 << 20, 3) }] };
    const first = encodeReplicaFetchResponseReusing(big);
    expect(first.equals(encodeReplicaFetchResponse(big))).toBe(true);
    // The same scratch memory again: no fresh 8 MiB allocation per response.
    expect(encodeReplicaFetchResponseReusing(big).buffer).toBe(first.buffer);
  });

  it('is what the loaded gRPC definition uses for ReplicaFetch responses', () => {
    const { packageDefinition } = loadRunnelGrpc();
    const replica = packageDefinition['runnel.v1.Replica'] as Record<string, protoLoader.MethodDefinition<object, object>>;
    const message = { partitions: [{ topic: 'x', partition: 2, highWatermark: 3, logStartOffset: 0, logEndOffset: 3, records: Buffer.from([4, 5]), divergingEpoch: null }, { topic: 'y', divergingEpoch: { epoch: 1, endOffset: 7 } }] };
    const bytes = replica['ReplicaFetch']!.responseSerialize(message);
    expect(bytes.equals(protobufjsEncode(ReplicaFetchResponseType, message))).toBe(true);
    expect(replica['ReplicaFetch']!.responseDeserialize(bytes)).toEqual(protobufjsDecode(ReplicaFetchResponseType, bytes));
  });
});
