import type * as grpc from '@grpc/grpc-js';
import { readBuffers } from './read-buffers.ts';

/** Requests one pipelined stream may have in flight before the broker stops reading from it. */
export const MAX_PIPELINED_IN_FLIGHT = 16;

interface Entry<Res> {
  done: boolean;
  response: Res | undefined;
  failure: unknown;
  readonly leased: Buffer[];
  readonly stopTimer: () => void;
}

/** How one pipelined stream's requests are answered. */
export interface PipelinedHandler<Req, Res> {
  /**
   * Answers one request, as the unary RPC would. Large reads go into buffers pushed to `leased`,
   * given back once the answer is serialized. A rejection ends the stream with that status.
   */
  readonly handle: (request: Req, signal: AbortSignal, leased: Buffer[]) => Promise<Res>;
  /** The status a failed request ends the stream with. */
  readonly toStatus: (err: unknown) => Partial<grpc.StatusObject>;
  /** Starts the request-duration timer of one request; the returned function stops it. */
  readonly startTimer: () => () => void;
  /** Fires when the broker shuts down: stop reading, answer what was started, end the stream. */
  readonly shutdown: AbortSignal;
}

/**
 * Serves a stream of the `FetchStream` kind: each request is handled as its unary twin would be,
 * concurrently with the others in flight, and answered in request order. A failed request ends
 * the stream with its status once the answers before it are written. Backpressure: the broker
 * stops reading requests while {@link MAX_PIPELINED_IN_FLIGHT} are unanswered or the client is
 * not reading answers. A read buffer is given back when grpc-js has serialized (copied) the answer
 * that used it: a stream destroyed first never calls back, and the buffer is left to the GC.
 */
export function servePipelined<Req, Res>(call: grpc.ServerDuplexStream<Req, Res>, handler: PipelinedHandler<Req, Res>): void {
  const pending: Array<Entry<Res>> = [];
  const cancel = new AbortController();
  let ended = false;
  let closed = false;
  let paused = false;
  let waitingForDrain = false;

  const close = (): void => {
    if (closed) return;
    closed = true;
    cancel.abort();
    handler.shutdown.removeEventListener('abort', onShutdown);
    for (const entry of pending.splice(0)) {
      entry.stopTimer();
      if (entry.done) readBuffers.release(entry.leased);
    }
  };

  const updateFlow = (): void => {
    const hold = pending.length >= MAX_PIPELINED_IN_FLIGHT || waitingForDrain || ended;
    if (hold && !paused) {
      paused = true;
      call.pause();
    } else if (!hold && paused) {
      paused = false;
      call.resume();
    }
  };

  const flush = (): void => {
    while (!closed && pending.length > 0 && pending[0]!.done) {
      const entry = pending.shift()!;
      entry.stopTimer();
      if (entry.failure !== undefined) {
        readBuffers.release(entry.leased);
        close();
        call.emit('error', handler.toStatus(entry.failure));
        return;
      }
      const lease = entry.leased;
      if (!call.write(entry.response as Res, () => readBuffers.release(lease))) waitingForDrain = true;
    }
    if (closed) return;
    updateFlow();
    if (ended && pending.length === 0) {
      close();
      call.end();
    }
  };

  // Shutdown: read no more requests, answer those started, then end the stream with OK; the
  // client fails whatever it sent after them as retriable and goes elsewhere.
  const onShutdown = (): void => {
    ended = true;
    flush();
  };
  handler.shutdown.addEventListener('abort', onShutdown, { once: true });

  call.on('data', (request: Req) => {
    if (ended || closed) return;
    const entry: Entry<Res> = { done: false, response: undefined, failure: undefined, leased: [], stopTimer: handler.startTimer() };
    pending.push(entry);
    updateFlow();
    let running: Promise<Res>;
    try {
      running = handler.handle(request, cancel.signal, entry.leased);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (response) => {
        entry.response = response;
        entry.done = true;
        if (closed) readBuffers.release(entry.leased);
        else flush();
      },
      (err: unknown) => {
        entry.failure = err ?? new Error('request failed');
        entry.done = true;
        if (closed) readBuffers.release(entry.leased);
        else flush();
      },
    );
  });
  call.on('drain', () => {
    waitingForDrain = false;
    if (!closed) updateFlow();
  });
  call.on('end', () => {
    ended = true;
    flush();
  });
  call.on('cancelled', close);
  call.on('error', close);
  if (handler.shutdown.aborted) onShutdown();
}
