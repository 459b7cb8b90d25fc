/**
 * An in-process fake of Runnel's Log and Admin services for the client's unit tests: partitions are
 * arrays of stored batches on one of N gRPC servers on 127.0.0.1:0. It follows the wire contract
 * (batches stored as received with baseOffset stamped, whole batches returned by Fetch and
 * FetchStream, errors as per-partition runnel.v1.Error) and lets a test inject faults: a leader move
 * (NOT_LEADER from the old leader), a stalled partition (no answer), a per-partition error code, a
 * fetch stream ended mid-read ({@link FakeCluster.cutFetchStream}), or no FetchStream at all (an
 * older broker, `fetchStream: false`).
 * Not a broker: no durability, no replication. Process tests use the real broker.
 */
import * as grpc from '@grpc/grpc-js';
import {
  loadRunnelGrpc, decodeRecordBatch, setBaseOffset, toWireError, validateBatches, RunnelError,
  type ErrorCode, type GroupHandlers, type LogHandlers, type AdminHandlers, type ProducePartitionResponse, type FetchPartitionResponse,
  type FetchRequest__Output, type FetchResponse,
} from '@runnel/protocol';

interface StoredBatch { baseOffset: number; lastOffset: number; maxTimestamp: number; bytes: Buffer }
/** An idempotent producer's batches remembered per partition: [firstSeq, lastSeq, baseOffset]. */
interface FakeProducerState { epoch: number; batches: Array<{ firstSeq: number; lastSeq: number; baseOffset: number }> }
interface FakePartition {
  leader: number;
  epoch: number;
  batches: StoredBatch[];
  logEnd: number;
  faults: ErrorCode[];
  stalled: boolean;
  /** Set: the partition has no leader and Metadata answers this error for it (an offline partition). */
  offline?: RunnelError;
  /** Successful appends whose reply is then dropped (the client times out not knowing it was written). */
  loseReplies: number;
  producers: Map<number, FakeProducerState>;
}

/** Options of {@link FakeCluster.start}. */
export interface FakeClusterOptions {
  /** Serves broker `id`'s Group service (a test's fake coordinator). */
  group?: (id: number) => Partial<GroupHandlers>;
  /**
   * false: every broker answers FetchStream with UNIMPLEMENTED, as a broker from before that RPC
   * does, so clients fetch with unary Fetch. @default true
   */
  fetchStream?: boolean;
}

/** A fake multi-broker cluster on loopback. */
export class FakeCluster {
  readonly servers: grpc.Server[] = [];
  readonly ports: number[] = [];
  readonly topics = new Map<string, FakePartition[]>();
  /** Produce requests seen, per broker index. */
  readonly produceRequests: number[] = [];
  /** Fetch requests seen, all brokers, whether unary or on a FetchStream. */
  fetchRequests = 0;
  /** Unary Fetch calls started, all brokers. */
  fetchCalls = 0;
  /** FetchStream streams started, all brokers (with `fetchStream: false`, the ones refused). */
  fetchStreams = 0;
  /** FetchStreams ended by {@link cutFetchStream}. */
  fetchStreamsCut = 0;
  readonly #dataWaiters = new Set<() => void>();
  #nextProducerId = 1000;
  #cut: { answers: number; code: grpc.status | undefined } | undefined;

  static async start(brokers = 1, options: FakeClusterOptions = {}): Promise<FakeCluster> {
    const c = new FakeCluster();
    for (let id = 0; id < brokers; id++) {
      const { server, port } = await c.#serve(id, 0, options);
      c.servers.push(server);
      c.ports.push(port);
      c.produceRequests.push(0);
    }
    return c;
  }

  /** Broker `id`'s server on `port` (0: any free port). */
  async #serve(id: number, port: number, options: FakeClusterOptions): Promise<{ server: grpc.Server; port: number }> {
    const server = new grpc.Server();
    const { runnel } = loadRunnelGrpc();
    server.addService(runnel.v1.Log.service, this.#log(id, options.fetchStream ?? true));
    server.addService(runnel.v1.Admin.service, this.#admin(id));
    if (options.group !== undefined) server.addService(runnel.v1.Group.service, options.group(id) as GroupHandlers);
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    return { server, port: bound };
  }

  /**
   * Starts broker `id` again on its port after {@link kill}, with its partitions as they were: a
   * restart, or an upgrade when `options` differ (e.g. FetchStream served where it was not).
   */
  async restart(id: number, options: FakeClusterOptions = {}): Promise<void> {
    const { server } = await this.#serve(id, this.ports[id]!, options);
    this.servers[id] = server;
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.ports[0]}`;
  }

  createTopic(name: string, partitions: number): void {
    this.topics.set(name, Array.from({ length: partitions }, (_, i) => ({ leader: i % this.servers.length, epoch: 0, batches: [], logEnd: 0, faults: [], stalled: false, loseReplies: 0, producers: new Map() })));
  }

  partition(topic: string, partition: number): FakePartition {
    const p = this.topics.get(topic)?.[partition];
    if (!p) throw new Error(`fake: no partition ${topic}-${partition}`);
    return p;
  }

  /** Moves leadership; the old leader answers NOT_LEADER from now on. */
  moveLeader(topic: string, partition: number, to: number): void {
    const p = this.partition(topic, partition);
    p.leader = to;
    p.epoch++;
  }

  /**
   * Once `answers` more fetches have been answered on FetchStreams (any broker), the next fetch
   * request to arrive on a FetchStream is not answered: its stream ends, with an OK status (as a
   * broker shutting down ends it) or, given `code`, with that error status. Happens once.
   */
  cutFetchStream(answers: number, code?: grpc.status): void {
    this.#cut = { answers, code };
  }

  /**
   * Stops broker `id` as kill -9 would: connections drop and new ones are refused. Metadata from
   * the others still lists it, as a real cluster's does until the registration goes.
   */
  kill(id: number): void {
    this.servers[id]!.forceShutdown();
  }

  async close(): Promise<void> {
    for (const w of this.#dataWaiters) w();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.tryShutdown(() => resolve()))));
    for (const s of this.servers) s.forceShutdown();
  }

  #check(broker: number, topic: string, partition: number): FakePartition {
    const parts = this.topics.get(topic);
    if (!parts) throw new RunnelError('UNKNOWN_TOPIC', `Topic ${topic} does not exist`);
    const p = parts[partition];
    if (!p) throw new RunnelError('UNKNOWN_PARTITION', `Partition ${topic}-${partition} does not exist`);
    if (p.leader !== broker) throw new RunnelError('NOT_LEADER', `Broker ${broker} does not lead ${topic}-${partition}`, { leaderHint: p.leader });
    const fault = p.faults.shift();
    if (fault) throw new RunnelError(fault, `Injected ${fault} on ${topic}-${partition}`);
    return p;
  }

  #append(broker: number, topic: string, partition: number, records: Buffer): ProducePartitionResponse {
    try {
      const p = this.#check(broker, topic, partition);
      const batches = validateBatches(records, { maxBatchBytes: 64 * 1024 * 1024 });
      const base = p.logEnd;
      // Idempotence as the broker does it (one batch per partition per request): a remembered
      // batch is answered with its original offset, a sequence gap is OUT_OF_ORDER_SEQUENCE.
      const h = batches.length === 1 ? batches[0]!.header : undefined;
      if (h !== undefined && h.producerId >= 0) {
        const state = p.producers.get(h.producerId) ?? { epoch: h.producerEpoch, batches: [] };
        const lastSeq = h.baseSequence + h.lastOffsetDelta;
        const dup = state.batches.find((b) => b.firstSeq === h.baseSequence && b.lastSeq === lastSeq);
        if (dup !== undefined) return { topic, partition, baseOffset: dup.baseOffset, logAppendTime: -1, logStartOffset: 0 };
        const expected = (state.batches.at(-1)?.lastSeq ?? -1) + 1;
        if (h.baseSequence !== expected) throw new RunnelError('OUT_OF_ORDER_SEQUENCE', `Producer ${h.producerId} sent sequence ${h.baseSequence} to ${topic}-${partition}; expected ${expected}`);
        state.batches.push({ firstSeq: h.baseSequence, lastSeq, baseOffset: base });
        if (state.batches.length > 5) state.batches.shift();
        p.producers.set(h.producerId, state);
      }
      for (const b of batches) {
        const bytes = Buffer.from(records.subarray(b.position, b.position + b.size));
        setBaseOffset(bytes, 0, p.logEnd);
        p.batches.push({ baseOffset: p.logEnd, lastOffset: p.logEnd + b.header.lastOffsetDelta, maxTimestamp: b.header.maxTimestamp, bytes });
        p.logEnd += b.header.lastOffsetDelta + 1;
      }
      for (const w of this.#dataWaiters) w();
      return { topic, partition, baseOffset: base, logAppendTime: -1, logStartOffset: 0 };
    } catch (err) {
      return { topic, partition, error: toWireError(err), baseOffset: -1, logAppendTime: -1 };
    }
  }

  /** Answers one fetch (unary or on a stream), long-polling up to its maxWaitMs for data. */
  #fetch(id: number, request: FetchRequest__Output, reply: (response: FetchResponse) => void): void {
    this.fetchRequests++;
    const deadline = Date.now() + request.maxWaitMs;
    const answer = (): void => {
      const partitions: FetchPartitionResponse[] = request.partitions.map((fp) => {
        try {
          const p = this.#check(id, fp.topic, fp.partition);
          if (fp.offset > p.logEnd || fp.offset < 0) {
            // As the broker does: the log's range comes with the error.
            const error = toWireError(new RunnelError('OFFSET_OUT_OF_RANGE', `Offset ${fp.offset} is outside 0..${p.logEnd} of ${fp.topic}-${fp.partition}`));
            return { topic: fp.topic, partition: fp.partition, error, highWatermark: p.logEnd, logStartOffset: 0, logEndOffset: p.logEnd };
          }
          const out: Buffer[] = [];
          let bytes = 0;
          for (const b of p.batches) {
            if (b.lastOffset < fp.offset) continue;
            if (bytes > 0 && bytes + b.bytes.length > fp.maxBytes) break;
            out.push(b.bytes);
            bytes += b.bytes.length;
          }
          return { topic: fp.topic, partition: fp.partition, highWatermark: p.logEnd, logStartOffset: 0, logEndOffset: p.logEnd, records: Buffer.concat(out) };
        } catch (err) {
          return { topic: fp.topic, partition: fp.partition, error: toWireError(err), highWatermark: -1, logStartOffset: -1, logEndOffset: -1 };
        }
      });
      const hasData = partitions.some((p) => p.error || (p.records as Buffer | undefined)?.length);
      if (hasData || Date.now() >= deadline) {
        reply({ partitions });
        return;
      }
      const wake = (): void => {
        this.#dataWaiters.delete(wake);
        clearTimeout(timer);
        answer();
      };
      const timer = setTimeout(wake, Math.max(0, deadline - Date.now()));
      this.#dataWaiters.add(wake);
    };
    answer();
  }

  #log(id: number, fetchStream: boolean): LogHandlers {
    // InitProducerId is typed loosely so this fake compiles whether or not the contract in the
    // working tree has that RPC yet (it arrives with the idempotent producer).
    const initProducerId = {
      InitProducerId: (_call: unknown, cb: (err: null, value: { producerId: number; producerEpoch: number }) => void): void =>
        cb(null, { producerId: this.#nextProducerId++, producerEpoch: 0 }),
    };
    const handlers: Pick<LogHandlers, 'Metadata' | 'Produce' | 'ProduceStream' | 'Fetch' | 'FetchStream' | 'Tail' | 'ListOffsets'> = {
      Metadata: (call, cb) => {
        const names = call.request.topics.length > 0 ? call.request.topics : [...this.topics.keys()];
        cb(null, {
          clusterId: 'fake',
          brokers: this.ports.map((port, i) => ({ id: i, host: '127.0.0.1', port })),
          topics: names.map((name) => {
            const parts = this.topics.get(name);
            if (!parts) return { name, error: toWireError(new RunnelError('UNKNOWN_TOPIC', `Topic ${name} does not exist`)) };
            return {
              name,
              topicId: `id-${name}`,
              partitions: parts.map((p, i) => (p.offline
                ? { partition: i, leaderId: -1, leaderEpoch: p.epoch, replicas: [p.leader], isr: [], error: toWireError(p.offline) }
                : { partition: i, leaderId: p.leader, leaderEpoch: p.epoch, replicas: [p.leader], isr: [p.leader] })),
            };
          }),
        });
      },
      Produce: (call, cb) => {
        this.produceRequests[id]!++;
        cb(null, { correlationId: call.request.correlationId, partitions: call.request.partitions.map((p) => this.#append(id, p.topic, p.partition, p.records)) });
      },
      ProduceStream: (call) => {
        call.on('data', (req: Parameters<LogHandlers['Produce']>[0]['request']) => {
          this.produceRequests[id]!++;
          if (req.partitions.some((p) => this.topics.get(p.topic)?.[p.partition]?.stalled)) return; // never answers
          const partitions = req.partitions.map((p) => this.#append(id, p.topic, p.partition, p.records));
          const lose = req.partitions.some((rp, i) => {
            const fp = this.topics.get(rp.topic)?.[rp.partition];
            if (fp === undefined || fp.loseReplies <= 0 || partitions[i]?.error) return false;
            fp.loseReplies--;
            return true;
          });
          if (lose) return; // written, but the reply never comes
          if (req.acks !== 'ACKS_NONE') call.write({ correlationId: req.correlationId, partitions });
        });
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
      Fetch: (call, cb) => {
        this.fetchCalls++;
        this.#fetch(id, call.request, (response) => cb(null, response));
      },
      FetchStream: (call) => {
        this.fetchStreams++;
        if (!fetchStream) {
          // What grpc-js answers for a method the server does not implement.
          call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'The server does not implement the method FetchStream' });
          return;
        }
        // Each request is answered as Fetch answers it, concurrently; answers go out in request order.
        let answered: Promise<void> = Promise.resolve();
        let over = false;
        call.on('data', (request: FetchRequest__Output) => {
          if (over) return;
          if (this.#cut !== undefined && this.#cut.answers <= 0) {
            const { code } = this.#cut;
            this.#cut = undefined;
            this.fetchStreamsCut++;
            over = true;
            if (code === undefined) call.end();
            else call.emit('error', { code, details: `Fake broker ${id} broke the fetch stream` });
            return;
          }
          const response = new Promise<FetchResponse>((resolve) => this.#fetch(id, request, resolve));
          answered = answered.then(() => response).then((r) => {
            if (over) return;
            if (this.#cut !== undefined) this.#cut.answers--;
            call.write(r);
          });
        });
        call.on('end', () => void answered.then(() => {
          if (over) return;
          over = true;
          call.end();
        }));
        call.on('cancelled', () => (over = true));
        call.on('error', () => (over = true));
      },
      Tail: (call) => call.end(),

      ListOffsets: (call, cb) => {
        cb(null, {
          partitions: call.request.partitions.map((lp) => {
            try {
              const p = this.#check(id, lp.topic, lp.partition);
              let offset = lp.spec === 'OFFSET_SPEC_EARLIEST' ? 0 : p.logEnd;
              if (lp.spec === 'OFFSET_SPEC_TIMESTAMP') {
                const hit = p.batches.find((b) => b.maxTimestamp >= lp.timestamp);
                offset = -1;
                if (hit) offset = decodeRecordBatch(hit.bytes).records.find((r) => r.timestamp >= lp.timestamp)?.offset ?? hit.baseOffset;
              }
              return { topic: lp.topic, partition: lp.partition, offset, timestamp: -1, leaderEpoch: p.epoch };
            } catch (err) {
              return { topic: lp.topic, partition: lp.partition, error: toWireError(err), offset: -1 };
            }
          }),
        });
      },
    };
    return { ...handlers, ...initProducerId } as LogHandlers;
  }

  #admin(id: number): AdminHandlers {
    return {
      // The fake has no replication: a broker is always safe to restart and always caught up.
      PreRestartCheck: (_call, cb) => cb(null, { safe: true, atRisk: [], leaderships: 0 }),
      PostRestartCheck: (_call, cb) => cb(null, { caughtUp: true, partitions: 0, inSync: 0, lagging: [] }),
      // The fake keeps no log start: DeleteRecords is tested against real brokers.
      DeleteRecords: (call, cb) => cb(null, {
        partitions: call.request.partitions.map((q) => ({ topic: q.topic, partition: q.partition, lowWatermark: -1, error: toWireError(new RunnelError('NOT_SUPPORTED', 'The fake cluster does not implement DeleteRecords')) })),
      }),
      DescribeCluster: (_call, cb) => cb(null, { clusterId: 'fake', brokerId: id, brokers: this.ports.map((port, i) => ({ id: i, host: '127.0.0.1', port })), metadataStore: 'local' }),
      CreateTopics: (call, cb) => {
        cb(null, {
          topics: call.request.topics.map((t) => {
            if (this.topics.has(t.name)) return { name: t.name, error: toWireError(new RunnelError('TOPIC_ALREADY_EXISTS', `Topic ${t.name} already exists`)) };
            if (!call.request.validateOnly) this.createTopic(t.name, t.partitions);
            return { name: t.name, topicId: `id-${t.name}` };
          }),
        });
      },
      DeleteTopics: (call, cb) => {
        cb(null, {
          topics: call.request.names.map((name) => {
            if (!this.topics.delete(name)) return { name, error: toWireError(new RunnelError('UNKNOWN_TOPIC', `Topic ${name} does not exist`)) };
            return { name };
          }),
        });
      },
      DescribeTopics: (call, cb) => {
        const names = call.request.names.length > 0 ? call.request.names : [...this.topics.keys()];
        cb(null, {
          topics: names.map((name) => {
            const parts = this.topics.get(name);
            if (!parts) return { name, error: toWireError(new RunnelError('UNKNOWN_TOPIC', `Topic ${name} does not exist`)) };
            return {
              name, topicId: `id-${name}`, configs: {},
              partitions: parts.map((p, i) => ({ partition: i, leaderId: p.leader, leaderEpoch: p.epoch, replicas: [p.leader], isr: [p.leader], logStartOffset: 0, logEndOffset: p.logEnd, highWatermark: p.logEnd, sizeBytes: p.batches.reduce((s, b) => s + b.bytes.length, 0), segments: 1 })),
            };
          }),
        });
      },
    };
  }
}
