/**
 * A fault-injecting transport for process tests: a gRPC proxy per broker that forwards every Log
 * and Admin call byte for byte and drops chosen Produce answers after the broker has handled the
 * request (the record is written, the client never hears so: a lost ack). Metadata and
 * DescribeCluster answers are rewritten to name the proxies, so a client bootstrapped on them
 * never talks to a broker directly.
 */
import * as grpc from '@grpc/grpc-js';
import { loadRunnelGrpc } from '@runnel/protocol';

type Raw = Buffer;
const identity = (b: Raw): Raw => b;

/** Decides, per Produce answer, whether it is lost. */
export type DropPolicy = () => boolean;

/** A small seeded PRNG (mulberry32): the same seed drops the same answers. */
export function seededDrops(seed: number, probability: number): DropPolicy {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 < probability;
  };
}

interface Proxy {
  readonly brokerId: number;
  readonly server: grpc.Server;
  readonly upstream: grpc.Client;
  address: string;
}

/** The proxies of a cluster, one per broker. */
export class DroppingProxies {
  readonly #proxies: Proxy[] = [];
  readonly #drop: DropPolicy;
  /** Produce answers dropped so far. */
  dropped = 0;
  /** Produce answers passed on so far. */
  passed = 0;

  private constructor(drop: DropPolicy) {
    this.#drop = drop;
  }

  /** Starts one proxy on 127.0.0.1:0 per broker `{ id, address }`. */
  static async start(brokers: ReadonlyArray<{ id: number; address: string }>, drop: DropPolicy): Promise<DroppingProxies> {
    const proxies = new DroppingProxies(drop);
    for (const b of brokers) await proxies.#add(b.id, b.address);
    return proxies;
  }

  /** Comma-separated proxy addresses, for a client's bootstrap. */
  get bootstrap(): string {
    return this.#proxies.map((p) => p.address).join(',');
  }

  #addressOf(brokerId: number): { host: string; port: number } | undefined {
    const p = this.#proxies.find((x) => x.brokerId === brokerId);
    if (p === undefined) return undefined;
    const cut = p.address.lastIndexOf(':');
    return { host: p.address.slice(0, cut), port: Number(p.address.slice(cut + 1)) };
  }

  async #add(brokerId: number, target: string): Promise<void> {
    const { runnel } = loadRunnelGrpc();
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20 });
    const upstream = new grpc.Client(target, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20 });
    const services = [runnel.v1.Log.service, runnel.v1.Admin.service] as unknown as Array<Record<string, grpc.MethodDefinition<object, object>>>;
    for (const service of services) {
      for (const [name, method] of Object.entries(service)) {
        const rewrite = name === 'Metadata' || name === 'DescribeCluster' ? (b: Raw) => this.#rewriteBrokers(method, b) : identity;
        const droppable = name === 'Produce' || name === 'ProduceStream';
        this.#register(server, upstream, method, rewrite, droppable);
      }
    }
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err)));
    });
    this.#proxies.push({ brokerId, server, upstream, address: `127.0.0.1:${port}` });
  }

  /** Points the broker addresses of a Metadata/DescribeCluster answer at the proxies. */
  #rewriteBrokers(method: grpc.MethodDefinition<object, object>, raw: Raw): Raw {
    const message = method.responseDeserialize(raw) as { brokers?: Array<{ id: number; host: string; port: number }> };
    for (const b of message.brokers ?? []) {
      const proxied = this.#addressOf(b.id);
      if (proxied !== undefined) Object.assign(b, proxied);
    }
    return method.responseSerialize(message);
  }

  #dropNow(droppable: boolean): boolean {
    if (!droppable) return false;
    if (this.#drop()) {
      this.dropped++;
      return true;
    }
    this.passed++;
    return false;
  }

  #register(server: grpc.Server, upstream: grpc.Client, method: grpc.MethodDefinition<object, object>, rewrite: (b: Raw) => Raw, droppable: boolean): void {
    const path = method.path;
    const options = (call: { getDeadline(): grpc.Deadline }): grpc.CallOptions => ({ deadline: call.getDeadline() });
    if (!method.requestStream && !method.responseStream) {
      server.register<Raw, Raw>(path, (call: grpc.ServerUnaryCall<Raw, Raw>, callback: grpc.sendUnaryData<Raw>) => {
        upstream.makeUnaryRequest<Raw, Raw>(path, identity, identity, call.request, call.metadata, options(call), (err, value) => {
          if (err !== null) return callback(err);
          // A lost ack: the broker answered, the client is told the connection failed.
          if (this.#dropNow(droppable)) return callback({ code: grpc.status.UNAVAILABLE, details: 'answer dropped by the test proxy' });
          callback(null, rewrite(value as Raw));
        });
      }, identity, identity, 'unary');
    } else if (!method.requestStream && method.responseStream) {
      server.register<Raw, Raw>(path, (call: grpc.ServerWritableStream<Raw, Raw>) => {
        const up = upstream.makeServerStreamRequest<Raw, Raw>(path, identity, identity, call.request, call.metadata, options(call));
        up.on('data', (b: Raw) => call.write(rewrite(b)));
        up.on('end', () => call.end());
        up.on('error', (err: grpc.ServiceError) => call.destroy(err));
        call.on('cancelled', () => up.cancel());
      }, identity, identity, 'serverStream');
    } else {
      server.register<Raw, Raw>(path, (call: grpc.ServerDuplexStream<Raw, Raw>) => {
        const up = upstream.makeBidiStreamRequest<Raw, Raw>(path, identity, identity, call.metadata, options(call));
        call.on('data', (b: Raw) => up.write(b));
        call.on('end', () => up.end());
        call.on('cancelled', () => up.cancel());
        up.on('data', (b: Raw) => {
          // A lost ack on a stream: the client's request times out and is retried.
          if (!this.#dropNow(droppable)) call.write(rewrite(b));
        });
        up.on('end', () => call.end());
        up.on('error', (err: grpc.ServiceError) => call.destroy(err));
      }, identity, identity, 'bidi');
    }
  }

  close(): void {
    for (const p of this.#proxies) {
      p.server.forceShutdown();
      p.upstream.close();
    }
  }
}
