import type * as grpc from '@grpc/grpc-js';
import { type ProduceRequest__Output, type ProduceResponse } from '@runnel/protocol';
import { partitionError, type BrokerContext } from './broker-context.ts';
import { checkProduceRequest, runProduce } from './produce-handler.ts';

interface PendingRequest {
  /** `topic\0partition` keys of the request, for per-partition response order. */
  readonly partitions: string[];
  done: boolean;
  response: ProduceResponse | null;
  readonly bytes: number;
  readonly stopTimer: () => void;
}

/** Requests one stream may have in flight before the broker stops reading from it. */
export const MAX_STREAM_IN_FLIGHT_REQUESTS = 1024;

/** Record bytes one stream may have in flight before the broker stops reading from it. */
export const MAX_STREAM_IN_FLIGHT_BYTES = 64 * 1024 * 1024;

/**
 * Serves one ProduceStream call. Requests are started in arrival order (which keeps per-partition
 * order of the log), and a response is written as soon as its request is done and no earlier
 * request naming one of its partitions is still unanswered: "in request order for any one
 * partition", without a slow partition holding back the others. acks=none requests get no
 * response. Backpressure both ways: the broker stops reading when too many requests or bytes are
 * in flight, or when the client does not read responses (write() returned false) until 'drain'.
 */
export function serveProduceStream(ctx: BrokerContext, call: grpc.ServerDuplexStream<ProduceRequest__Output, ProduceResponse>): void {
  /** Requests not answered yet, in arrival order; a null response marks acks=none (nothing to write). */
  const pending: PendingRequest[] = [];
  let inFlightBytes = 0;
  let ended = false;
  let waitingForDrain = false;
  let paused = false;
  let closed = false;
  let draining = false;

  const updateFlow = (): void => {
    const overloaded = pending.length >= MAX_STREAM_IN_FLIGHT_REQUESTS || inFlightBytes >= MAX_STREAM_IN_FLIGHT_BYTES || waitingForDrain;
    if ((overloaded || draining) && !paused) {
      paused = true;
      call.pause();
    } else if (!overloaded && !draining && paused) {
      paused = false;
      call.resume();
    }
  };

  const flush = (): void => {
    // Partitions of earlier requests still unanswered: a later request on them must wait.
    const blocked = new Set<string>();
    for (let i = 0; i < pending.length; ) {
      const entry = pending[i] as PendingRequest;
      if (entry.done && !entry.partitions.some((k) => blocked.has(k))) {
        pending.splice(i, 1);
        inFlightBytes -= entry.bytes;
        entry.stopTimer();
        if (entry.response !== null && !closed && !call.cancelled) {
          if (!call.write(entry.response)) waitingForDrain = true;
        }
        continue;
      }
      for (const k of entry.partitions) blocked.add(k);
      i++;
    }
    updateFlow();
    if (ended && pending.length === 0 && !closed) {
      closed = true;
      ctx.shutdownSignal.removeEventListener('abort', onShutdown);
      call.end();
    }
  };

  // Shutdown: read no more requests, answer those started, then end the stream with OK so the
  // client reconnects elsewhere (requests it sent that were not read were never appended).
  const onShutdown = (): void => {
    draining = true;
    ended = true;
    flush();
  };
  ctx.shutdownSignal.addEventListener('abort', onShutdown, { once: true });
  if (ctx.shutdownSignal.aborted) onShutdown();

  call.on('drain', () => {
    waitingForDrain = false;
    updateFlow();
  });

  call.on('data', (request: ProduceRequest__Output) => {
    if (draining) return;
    let bytes = 0;
    const partitions: string[] = [];
    for (const p of request.partitions) {
      bytes += p.records.length;
      partitions.push(`${p.topic}\u0000${p.partition}`);
    }
    const entry: PendingRequest = { partitions, done: false, response: null, bytes, stopTimer: ctx.metrics.startTimer('ProduceStream') };
    pending.push(entry);
    inFlightBytes += bytes;
    let result: Promise<ProduceResponse | null>;
    try {
      const checked = checkProduceRequest(request);
      const running = runProduce(ctx, 'ProduceStream', request, checked);
      result = checked.acks === 'none' ? running.then(() => null) : running;
    } catch (err) {
      // A malformed request on a stream fails only that request, answered in each partition's error.
      const wire = partitionError(ctx, 'ProduceStream', err);
      result = Promise.resolve({
        correlationId: request.correlationId,
        partitions: request.partitions.map((p) => ({ topic: p.topic, partition: p.partition, error: wire, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 })),
      });
    }
    updateFlow();
    void result.then((response) => {
      entry.response = response;
      entry.done = true;
      flush();
    });
  });

  call.on('end', () => {
    ended = true;
    flush();
  });
  call.on('cancelled', () => {
    closed = true;
    ctx.shutdownSignal.removeEventListener('abort', onShutdown);
  });
  call.on('error', () => {
    closed = true;
    ctx.shutdownSignal.removeEventListener('abort', onShutdown);
  });
}
