import * as grpc from '@grpc/grpc-js';
import { loadRunnelGrpc, RunnelError, type AdminClient, type GroupClient, type LogClient } from '@runnel/protocol';
import { callError } from './call-error.ts';

/** The HTTP/2 receive window (per stream and per connection) of every client connection. */
export const CLIENT_RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;

/** gRPC channel options shared by every client connection. */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Fetch responses and produce requests carry whole batches; the broker enforces its own limits.
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  // Reconnect quickly after a broker restart; the client's own retry() spaces out requests.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  // HTTP/2's default receive window (64 KiB) makes the broker wait for a WINDOW_UPDATE, sent once
  // this event loop has read the data, after every 64 KiB of a Fetch response. Measured with
  // `runnel bench consume --records 1000000` (1 KiB records, 4 MiB fetches): 241–249 MB/s with the
  // default; 397–474 with 1–16 MiB (noisy), best at 4 MiB; 355–397 MB/s with 64 MiB.
  'grpc-node.flow_control_window': CLIENT_RECEIVE_WINDOW_BYTES,
};

/** The gRPC stubs of one broker address. */
export interface BrokerConnection {
  readonly address: string;
  readonly log: LogClient;
  readonly admin: AdminClient;
  readonly group: GroupClient;
}

/**
 * One gRPC channel per broker address, shared by the Log and Admin stubs and by every request to
 * that broker (HTTP/2 multiplexes them). Closed together with the client that owns the pool.
 */
export class BrokerConnections {
  readonly #connections = new Map<string, BrokerConnection>();
  #closed = false;

  /** The connection to `address` (host:port), created on first use. */
  get(address: string): BrokerConnection {
    if (this.#closed) throw new RunnelError('CANCELLED', `Cannot connect to broker ${address}: the client is closed`);
    let conn = this.#connections.get(address);
    if (!conn) {
      const { runnel } = loadRunnelGrpc();
      const log = new runnel.v1.Log(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      const admin = new runnel.v1.Admin(address, grpc.credentials.createInsecure(), { ...CHANNEL_OPTIONS, channelOverride: log.getChannel() });
      const group = new runnel.v1.Group(address, grpc.credentials.createInsecure(), { ...CHANNEL_OPTIONS, channelOverride: log.getChannel() }) as unknown as GroupClient;
      conn = { address, log, admin, group };
      this.#connections.set(address, conn);
    }
    return conn;
  }

  /** Closes every channel; later calls to {@link get} fail with CANCELLED. */
  close(): void {
    this.#closed = true;
    for (const conn of this.#connections.values()) conn.log.close();
    this.#connections.clear();
  }
}

/** Starts a unary call with the given options and callback (a closure over the stub and request). */
export type StartUnary<Res> = (options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

/**
 * Calls a unary RPC with a deadline and an AbortSignal, mapping failures to RunnelError through
 * the protocol's one table (so callers decide on `code` and `retriable`, never on text).
 */
export function unaryCall<Res>(start: StartUnary<Res>, options: { timeoutMs: number; signal?: AbortSignal | undefined; what: string }): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason as Error);
      return;
    }
    const onAbort = (): void => call.cancel();
    const call = start({ deadline: Date.now() + options.timeoutMs }, (err, response) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (err) {
        if (options.signal?.aborted) reject(options.signal.reason as Error);
        // Only an abort cancels a unary call from this side; any other CANCELLED is a lost connection.
        else reject(callError(err, options.what, false));
      } else resolve(response!);
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
