import * as grpc from '@grpc/grpc-js';
import { loadRunnelGrpc, type AdminClient, type PostRestartCheckResponse__Output, type PreRestartCheckResponse__Output } from '@runnel/protocol';

/** The brokers' restart checks, as the roll asks them. */
export interface BrokerChecks {
  /** `PreRestartCheck` of the broker at `address` (`host:port`). */
  preRestart(address: string): Promise<PreRestartCheckResponse__Output>;
  /** `PostRestartCheck` of the broker at `address`. */
  postRestart(address: string): Promise<PostRestartCheckResponse__Output>;
  close(): void;
}

/**
 * The restart checks over gRPC (the Admin service of each broker, by pod IP), one client per
 * address, each call with a deadline.
 */
export function grpcBrokerChecks(options: { timeoutMs?: number } = {}): BrokerChecks {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const clients = new Map<string, AdminClient>();
  const { runnel } = loadRunnelGrpc();
  const client = (address: string): AdminClient => {
    let c = clients.get(address);
    if (c === undefined) {
      c = new runnel.v1.Admin(address, grpc.credentials.createInsecure()) as unknown as AdminClient;
      clients.set(address, c);
    }
    return c;
  };
  const deadline = (): grpc.CallOptions => ({ deadline: Date.now() + timeoutMs });
  return {
    preRestart: (address) =>
      new Promise((resolve, reject) => client(address).PreRestartCheck({}, deadline(), (err, res) => (err || res === undefined ? reject(err ?? new Error('no answer')) : resolve(res)))),
    postRestart: (address) =>
      new Promise((resolve, reject) => client(address).PostRestartCheck({}, deadline(), (err, res) => (err || res === undefined ? reject(err ?? new Error('no answer')) : resolve(res)))),
    close() {
      for (const c of clients.values()) (c as unknown as grpc.Client).close();
      clients.clear();
    },
  };
}
