import * as grpc from '@grpc/grpc-js';
import { PipelinedStream, RunnelError, fromGrpcError, loadRunnelGrpc, toGrpcStatus, type ReplicaClient, type ReplicaFetchRequest, type ReplicaHandlers, type WireError, type ReplicaFetchResponse__Output, type OffsetForLeaderEpochResponse__Output, type HandoverResponse__Output } from '@runnel/protocol';
import { brokerRegistrationName, type MetadataStore } from '@runnel/metadata';
import { MAX_RECEIVE_MESSAGE_BYTES, MAX_SEND_MESSAGE_BYTES } from '../grpc-limits.ts';
import type { ReplicaService, ReplicaTransport, ReplicaFetchResponse, EpochEndOffset } from './replica-transport.ts';
import { readBuffers } from '../read-buffers.ts';
import { servePipelined } from '../pipelined-serve.ts';

/**
 * How long a follower's fetch on the stream may go unanswered before the stream is reset. The
 * fetcher bounds each fetch itself (withTimeout, from its replication timing); this only keeps a
 * lost answer from holding the stream forever.
 */
const STREAM_REQUEST_TIMEOUT_MS = 60_000;

const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_SEND_MESSAGE_BYTES,
  // HTTP/2's default window (64 KiB) lets the leader send only that much of a replica fetch
  // response (up to 8 MiB) before it waits for the follower's WINDOW_UPDATE: a round trip of both
  // event loops per 64 KiB (grpc-limits.ts, RECEIVE_WINDOW_BYTES). Measured with `runnel bench
  // replication --kubeconfig …`: RF 3 produce 76.3 MB/s with 64 KiB, 100.7 MB/s with 8 MiB.
  'grpc-node.flow_control_window': 8 * 1024 * 1024,
};

function wire(e: { code: string; message: string; retriable: boolean; leaderHint: number } | null): WireError | undefined {
  return e === null || e.code === '' ? undefined : e;
}

function epochEnd(e: { epoch: number; endOffset: number } | null): EpochEndOffset | undefined {
  return e === null ? undefined : { epoch: e.epoch, endOffset: e.endOffset };
}

/**
 * The `Replica` gRPC service as a {@link ReplicaTransport}: peers are found by their broker Lease
 * (host, port), one channel per peer, re-resolved when a call fails. Aborting the signal cancels
 * the call.
 */
export class GrpcReplicaTransport implements ReplicaTransport {
  readonly #store: MetadataStore;
  readonly #clients = new Map<number, { address: string; client: ReplicaClient; fetches: PipelinedStream<ReplicaFetchRequest, ReplicaFetchResponse__Output> }>();

  constructor(store: MetadataStore) {
    this.#store = store;
  }

  async #client(brokerId: number): Promise<ReplicaClient> {
    return (await this.#peer(brokerId)).client;
  }

  async #peer(brokerId: number): Promise<{ address: string; client: ReplicaClient; fetches: PipelinedStream<ReplicaFetchRequest, ReplicaFetchResponse__Output> }> {
    const cached = this.#clients.get(brokerId);
    if (cached !== undefined) return cached;
    const reg = await this.#store.brokers.get(brokerRegistrationName(brokerId));
    if (reg === undefined || reg.value.released === true) throw new RunnelError('BROKER_NOT_AVAILABLE', `Broker ${brokerId} is not registered`);
    // Another call may have connected while this one read the registration: share its channel.
    const raced = this.#clients.get(brokerId);
    if (raced !== undefined) return raced;
    const address = `${reg.value.host}:${reg.value.port}`;
    const { runnel } = loadRunnelGrpc();
    const client = new runnel.v1.Replica(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const fetches = new PipelinedStream<ReplicaFetchRequest, ReplicaFetchResponse__Output>({
      open: () => client.ReplicaFetchStream(),
      what: `Replica fetch stream to broker ${brokerId} (${address})`,
      mapError: (err) => fromGrpcError(err),
    });
    const peer = { address, client, fetches };
    this.#clients.set(brokerId, peer);
    return peer;
  }

  /** Forgets a peer whose calls fail UNAVAILABLE: it may have moved (restart on another port). */
  #forget(brokerId: number): void {
    const peer = this.#clients.get(brokerId);
    if (peer === undefined) return;
    this.#clients.delete(brokerId);
    peer.fetches.close();
    peer.client.close();
  }

  async #call<Res>(brokerId: number, signal: AbortSignal, invoke: (client: ReplicaClient, done: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall): Promise<Res> {
    const client = await this.#client(brokerId);
    return new Promise<Res>((resolve, reject) => {
      const call = invoke(client, (err, res) => {
        signal.removeEventListener('abort', onAbort);
        if (err !== null) {
          // The peer may have moved (restart on another port): resolve its address again next time.
          if (err.code === grpc.status.UNAVAILABLE) this.#forget(brokerId);
          reject(fromGrpcError(err));
        } else resolve(res!);
      });
      const onAbort = (): void => call.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * One replica fetch, on the leader's ReplicaFetchStream (one stream per leader for all fetches:
   * see PipelinedStream for why), or as a unary ReplicaFetch to a leader that lacks it. The
   * caller's signal also bounds it in time (withTimeout); the stream's own timeout is a backstop.
   */
  async fetch(leaderId: number, request: Parameters<ReplicaTransport['fetch']>[1], signal: AbortSignal): Promise<ReplicaFetchResponse> {
    const peer = await this.#peer(leaderId);
    const message: ReplicaFetchRequest = { ...request, partitions: [...request.partitions] };
    let res: ReplicaFetchResponse__Output | undefined;
    if (!peer.fetches.unimplemented) {
      try {
        res = await peer.fetches.send(message, { timeoutMs: STREAM_REQUEST_TIMEOUT_MS, signal });
      } catch (err) {
        if (!peer.fetches.unimplemented) {
          if (err instanceof RunnelError && err.code === 'BROKER_NOT_AVAILABLE') this.#forget(leaderId);
          throw err;
        }
      }
    }
    res ??= await this.#call<ReplicaFetchResponse__Output>(leaderId, signal, (c, done) => c.ReplicaFetch(message, done));
    return {
      partitions: res.partitions.map((p) => ({ ...p, error: wire(p.error), divergingEpoch: epochEnd(p.divergingEpoch) })),
    };
  }

  async offsetForLeaderEpoch(brokerId: number, request: Parameters<ReplicaTransport['offsetForLeaderEpoch']>[1], signal: AbortSignal): ReturnType<ReplicaTransport['offsetForLeaderEpoch']> {
    const res = await this.#call<OffsetForLeaderEpochResponse__Output>(brokerId, signal, (c, done) => c.OffsetForLeaderEpoch({ ...request, partitions: [...request.partitions] }, done));
    return { partitions: res.partitions.map((p) => ({ topic: p.topic, partition: p.partition, error: wire(p.error), end: epochEnd(p.end) ?? { epoch: -1, endOffset: -1 } })) };
  }

  async handover(leaderId: number, request: Parameters<ReplicaTransport['handover']>[1], signal: AbortSignal): ReturnType<ReplicaTransport['handover']> {
    const res = await this.#call<HandoverResponse__Output>(leaderId, signal, (c, done) => c.Handover(request, done));
    return { error: wire(res.error), leaderEpoch: res.leaderEpoch };
  }

  /** Closes every channel. */
  close(): void {
    for (const { client, fetches } of this.#clients.values()) {
      fetches.close();
      client.close();
    }
    this.#clients.clear();
  }
}

/** The `Replica` gRPC service handlers of one broker, answered by its replication node. */
export function replicaServiceHandlers(service: ReplicaService, shutdown: AbortSignal): ReplicaHandlers {
  const fail = (err: unknown): grpc.ServiceError => toGrpcStatus(err instanceof RunnelError ? err : new RunnelError('UNKNOWN_SERVER_ERROR', String(err))) as unknown as grpc.ServiceError;
  return {
    ReplicaFetch(call, callback) {
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      call.on('cancelled', stop);
      shutdown.addEventListener('abort', stop, { once: true });
      const leased: Buffer[] = [];
      service.handleReplicaFetch(call.request, controller.signal, leased).then(
        (res) => {
          callback(null, { partitions: res.partitions.map((p) => ({ ...p, error: p.error ?? null, divergingEpoch: p.divergingEpoch ?? null })) });
          // grpc-js has serialized (copied) the answer within callback(): the read buffers are free.
          readBuffers.release(leased);
        },
        (err: unknown) => {
          readBuffers.release(leased);
          callback(fail(err));
        },
      ).finally(() => shutdown.removeEventListener('abort', stop));
    },
    ReplicaFetchStream(call) {
      servePipelined(call, {
        handle: async (request, signal, leased) => {
          const res = await service.handleReplicaFetch(request, signal, leased);
          return { partitions: res.partitions.map((p) => ({ ...p, error: p.error ?? null, divergingEpoch: p.divergingEpoch ?? null })) };
        },
        toStatus: fail,
        startTimer: () => () => undefined,
        shutdown,
      });
    },
    OffsetForLeaderEpoch(call, callback) {
      service.handleOffsetForLeaderEpoch(call.request).then(
        (res) => callback(null, { partitions: res.partitions.map((p) => ({ ...p, error: p.error ?? null })) }),
        (err: unknown) => callback(fail(err)),
      );
    },
    Handover(call, callback) {
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort());
      service.handleHandover(call.request, controller.signal).then(
        (res) => callback(null, { leaderEpoch: res.leaderEpoch, error: res.error ?? null }),
        (err: unknown) => callback(fail(err)),
      );
    },
  };
}
