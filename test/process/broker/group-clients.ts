import * as grpc from '@grpc/grpc-js';
import { loadRunnelGrpc, RunnelError, type GroupClient } from '@runnel/protocol';
import { call } from './grpc-clients.ts';

/** A Group service client on one broker address. */
export function groupClient(address: string): GroupClient {
  const { runnel } = loadRunnelGrpc();
  return new runnel.v1.Group(address, grpc.credentials.createInsecure()) as unknown as GroupClient;
}

/**
 * The coordinator of `groupId` as the brokers at `addresses` say, retried while it is not
 * available (the offsets topic is being created, or its partition is electing a leader), until
 * `ok` accepts it.
 */
export async function findCoordinator(addresses: readonly string[], groupId: string, ok: (nodeId: number) => boolean = () => true, timeoutMs = 30_000): Promise<{ nodeId: number; address: string }> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    for (const address of addresses) {
      const client = groupClient(address);
      try {
        const res = await call(client, client.FindCoordinator, { groupId });
        if (res.error == null && res.nodeId >= 0 && ok(res.nodeId)) return { nodeId: res.nodeId, address: `${res.host}:${res.port}` };
        last = res.error ?? `coordinator ${res.nodeId} not accepted`;
      } catch (err) {
        last = err;
      } finally {
        client.close();
      }
    }
    if (Date.now() > deadline) throw new Error(`No coordinator for group ${groupId} within ${timeoutMs} ms: ${String((last as Error)?.message ?? JSON.stringify(last))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Retries `fn` while it fails with a retriable RunnelError (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, ...). */
export async function retrying<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof RunnelError && err.retriable) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
