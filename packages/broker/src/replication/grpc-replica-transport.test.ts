/**
 * GrpcReplicaTransport.fetch on a real gRPC server: a follower fetches on the leader's
 * ReplicaFetchStream when the leader has it (one stream, no unary call), and falls back to unary
 * ReplicaFetch when the leader answers UNIMPLEMENTED (a broker from before the stream).
 */
import * as grpc from '@grpc/grpc-js';
import { MemoryMetadataStore } from '@runnel/metadata';
import { loadRunnelGrpc, type ReplicaHandlers } from '@runnel/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcReplicaTransport, replicaServiceHandlers } from './grpc-replica-transport.ts';
import type { ReplicaFetchRequest, ReplicaFetchResponse, ReplicaService } from './replica-transport.ts';

const LEADER = 7;
const FETCH = '/runnel.v1.Replica/ReplicaFetch';
const FETCH_STREAM = '/runnel.v1.Replica/ReplicaFetchStream';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A leader's ReplicaService that answers each partition with values derived from its fetch
 * offset (so an answer given to the wrong request shows), after `delayMs(request)`.
 */
function fakeService(delayMs: (request: ReplicaFetchRequest) => number = () => 0): ReplicaService & { fetches: number } {
  const service = {
    fetches: 0,
    async handleReplicaFetch(request: ReplicaFetchRequest): Promise<ReplicaFetchResponse> {
      service.fetches++;
      await new Promise((resolve) => setTimeout(resolve, delayMs(request)));
      return { partitions: request.partitions.map((p) => answerFor(p.topic, p.partition, p.fetchOffset)) };
    },
    handleOffsetForLeaderEpoch: () => Promise.reject(new Error('not used')),
    handleHandover: () => Promise.reject(new Error('not used')),
  };
  return service;
}

function answerFor(topic: string, partition: number, fetchOffset: number): ReplicaFetchResponse['partitions'][number] {
  return { topic, partition, highWatermark: fetchOffset + 1, logStartOffset: 0, logEndOffset: fetchOffset + 2, records: Buffer.from(`${topic}-${partition}@${fetchOffset}`) };
}

function request(fetchOffset: number): ReplicaFetchRequest {
  return {
    replicaId: 1,
    brokerEpoch: 3,
    maxWaitMs: 0,
    maxBytes: 1 << 20,
    partitions: [{ topic: 't', partition: 0, topicId: 'id-t', leaderEpoch: 2, lastFetchedEpoch: 2, fetchOffset, maxBytes: 1 << 20, logStartOffset: 0 }],
  };
}

/**
 * A leader serving `handlers` of the Replica service (the others answer UNIMPLEMENTED, as grpc-js
 * does), registered as broker LEADER in a store, and a transport of a follower reading that
 * store. `calls` counts the calls and streams started per method path.
 */
async function leaderAndFollower(handlers: Partial<ReplicaHandlers>): Promise<{ transport: GrpcReplicaTransport; calls: Map<string, number> }> {
  const calls = new Map<string, number>();
  const server = new grpc.Server({
    interceptors: [(method, call) => {
      calls.set(method.path, (calls.get(method.path) ?? 0) + 1);
      return new grpc.ServerInterceptingCall(call);
    }],
  });
  server.addService(loadRunnelGrpc().runnel.v1.Replica.service, handlers as ReplicaHandlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  cleanups.push(() => void server.forceShutdown());
  const store = await MemoryMetadataStore.open();
  cleanups.push(() => store.close());
  await store.brokers.create(String(LEADER), { id: LEADER, host: '127.0.0.1', port, rack: '', brokerUuid: 'u', brokerEpoch: 1, incarnation: 'a', renewals: 0, released: false });
  const transport = new GrpcReplicaTransport(store);
  cleanups.push(() => transport.close());
  return { transport, calls };
}

const expected = (fetchOffset: number): ReplicaFetchResponse => ({ partitions: [answerFor('t', 0, fetchOffset)] });

describe('GrpcReplicaTransport.fetch', () => {
  it('fetches on one ReplicaFetchStream, never calling unary ReplicaFetch, each answer to its own request even when later ones finish first', async () => {
    const shutdown = new AbortController();
    cleanups.push(() => shutdown.abort());
    // The leader finishes later requests first; the stream still answers in request order.
    const service = fakeService((r) => Math.max(0, 40 - 5 * (r.partitions[0]!.fetchOffset % 8)));
    const { transport, calls } = await leaderAndFollower(replicaServiceHandlers(service, shutdown.signal));
    const signal = new AbortController().signal;
    for (let offset = 0; offset < 5; offset++) expect(await transport.fetch(LEADER, request(offset), signal)).toEqual(expected(offset));
    const offsets = Array.from({ length: 8 }, (_, i) => 100 + i);
    const answers = await Promise.all(offsets.map((offset) => transport.fetch(LEADER, request(offset), signal)));
    expect(answers).toEqual(offsets.map(expected));
    expect(service.fetches).toBe(13);
    expect(calls.get(FETCH_STREAM)).toBe(1);
    expect(calls.get(FETCH)).toBeUndefined();
  });

  it('falls back to unary ReplicaFetch when the leader lacks ReplicaFetchStream, asking for the stream only once', async () => {
    const shutdown = new AbortController();
    cleanups.push(() => shutdown.abort());
    const service = fakeService();
    const { ReplicaFetch } = replicaServiceHandlers(service, shutdown.signal);
    const { transport, calls } = await leaderAndFollower({ ReplicaFetch });
    const signal = new AbortController().signal;
    for (let offset = 0; offset < 5; offset++) expect(await transport.fetch(LEADER, request(offset), signal)).toEqual(expected(offset));
    expect(service.fetches).toBe(5);
    expect(calls.get(FETCH)).toBe(5);
    expect(calls.get(FETCH_STREAM)).toBe(1); // refused once, then remembered
  });

  it('concurrent first calls to a leader share one channel and one stream', async () => {
    const shutdown = new AbortController();
    cleanups.push(() => shutdown.abort());
    const { transport, calls } = await leaderAndFollower(replicaServiceHandlers(fakeService(), shutdown.signal));
    const signal = new AbortController().signal;
    await Promise.all([0, 1, 2].map((offset) => transport.fetch(LEADER, request(offset), signal)));
    expect(calls.get(FETCH_STREAM)).toBe(1);
  });
});
