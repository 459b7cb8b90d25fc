import type * as grpc from '@grpc/grpc-js';
import { type FetchPartitionResponse, type TailRequest__Output } from '@runnel/protocol';
import type { BrokerContext } from './broker-context.ts';
import { readBuffers, readPartition } from './fetch-handler.ts';
import { batchStats } from './batch-stats.ts';
import { DEFAULT_PARTITION_FETCH_MAX_BYTES, MAX_FETCH_RESPONSE_BYTES } from './grpc-limits.ts';
import { requireIntInRange } from './request-validation.ts';

/**
 * Serves a Tail: streams committed batches of one partition from `offset`, then follows appends
 * until the client cancels or the broker shuts down. Bounded buffering: at most one response is
 * queued beyond what the transport accepted; when write() returns false the tail waits for
 * 'drain' before reading more. A partition error (e.g. OFFSET_OUT_OF_RANGE, NOT_LEADER) is sent as
 * a last message with `error` set, then the stream ends normally.
 * @throws RunnelError INVALID_REQUEST for malformed fields (sent as the call's status)
 */
export async function serveTail(ctx: BrokerContext, call: grpc.ServerWritableStream<TailRequest__Output, FetchPartitionResponse>): Promise<void> {
  const request = call.request;
  requireIntInRange('offset', request.offset, 0, Number.MAX_SAFE_INTEGER);
  const maxBytes = Math.min(requireIntInRange('max_bytes', request.maxBytes, 0, 2 ** 31 - 1) || DEFAULT_PARTITION_FETCH_MAX_BYTES, MAX_FETCH_RESPONSE_BYTES);
  const cancel = new AbortController();
  const stop = (): void => cancel.abort();
  call.on('cancelled', stop);
  call.on('error', stop);
  call.on('close', stop);
  ctx.shutdownSignal.addEventListener('abort', stop, { once: true });
  try {
    let offset = request.offset;
    const leased: Buffer[] = [];
    while (!cancel.signal.aborted) {
      const response = await readPartition(
        ctx,
        'Tail',
        { topic: request.topic, partition: request.partition, offset, maxBytes, currentLeaderEpoch: -1 },
        maxBytes,
        true,
        leased,
      );
      if (cancel.signal.aborted) {
        readBuffers.release(leased.splice(0));
        break;
      }
      const { bytes, ...message } = response;
      if (message.error != null) {
        call.write(message);
        readBuffers.release(leased.splice(0));
        break;
      }
      if (bytes > 0) {
        offset = Math.max(offset, batchStats(message.records as Buffer).nextOffset);
        // The stream may queue the message and serialize (copy) it later: the read buffer is
        // free once write() calls back. A stream destroyed first never calls back, and its
        // buffer is simply left to the GC.
        const lease = leased.splice(0);
        const flowing = call.write(message, () => readBuffers.release(lease));
        if (!flowing) await waitFor(call, 'drain', cancel.signal);
        continue;
      }
      readBuffers.release(leased.splice(0));
      await waitForHighWatermark(ctx, request.topic, request.partition, offset, cancel.signal);
    }
  } finally {
    ctx.shutdownSignal.removeEventListener('abort', stop);
    if (!call.cancelled && !call.destroyed) call.end();
  }
}

function waitFor(emitter: NodeJS.EventEmitter, event: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      emitter.off(event, done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted) return resolve();
    emitter.once(event, done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when the partition's HW passes `offset`, its role or state changes, or `signal` aborts. */
function waitForHighWatermark(ctx: BrokerContext, topic: string, partition: number, offset: number, signal: AbortSignal): Promise<void> {
  const replica = ctx.partitions.get(topic, partition);
  // Gone meanwhile: the next read answers the right error.
  if (replica === undefined || replica.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      unlisten();
      signal.removeEventListener('abort', done);
      resolve();
    };
    if (signal.aborted || replica.log.highWatermark > offset) return resolve();
    const unlisten = replica.listen(done);
    signal.addEventListener('abort', done, { once: true });
  });
}
