import * as grpc from '@grpc/grpc-js';
import { RunnelError } from './errors.ts';

/** One request sent on a {@link PipelinedStream} and not answered yet. */
interface Pending<Res> {
  resolve: (response: Res) => void;
  reject: (err: RunnelError) => void;
  timer: NodeJS.Timeout;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** What a {@link PipelinedStream} needs from its owner. */
export interface PipelinedStreamOptions<Req, Res> {
  /** Opens the bidirectional call (e.g. `() => client.FetchStream()`). */
  readonly open: () => grpc.ClientDuplexStream<Req, Res>;
  /** Names the stream in errors: "Fetch stream to broker 10.0.0.7:9092". */
  readonly what: string;
  /**
   * Maps the stream's failure to the error each pending request fails with. `cancelledByClient`
   * is false for a CANCELLED the client did not ask for (a lost connection).
   */
  readonly mapError: (err: grpc.ServiceError, cancelledByClient: boolean) => RunnelError;
}

/**
 * Unary calls pipelined on one long-lived bidirectional gRPC stream whose responses come in request
 * order (`FetchStream`, `ReplicaFetchStream`): the same requests and answers as the unary RPC, with
 * one HTTP/2 stream for all of them instead of one each.
 *
 * Why: Node's HTTP/2 client keeps every stream's objects (its handle, grpc-js's call, their
 * closures) alive through every scavenge until the next full GC. At a few thousand fetches a
 * second that promoted about 8 MB per scavenge in `runnel bench e2e`, and each scavenge, copying
 * it, paused the process for 10–16 ms. On one stream the same load scavenges in under 1 ms.
 *
 * Failure handling keeps it equivalent to separate calls: a request that times out or whose
 * signal aborts ends the whole stream (as cancelling its own call would) and fails the requests
 * behind it with a retriable BROKER_NOT_AVAILABLE; the next request opens a new stream. A stream
 * the server ends or breaks fails every pending request with that status.
 */
export class PipelinedStream<Req, Res> {
  readonly #o: PipelinedStreamOptions<Req, Res>;
  /** Requests in the order they were sent, which is the order answers come in. */
  readonly #pending: Array<Pending<Res>> = [];
  #call: grpc.ClientDuplexStream<Req, Res> | undefined;
  #unimplemented = false;

  constructor(options: PipelinedStreamOptions<Req, Res>) {
    this.#o = options;
  }

  /** True once the server answered UNIMPLEMENTED (an older broker): the caller uses the unary RPC. */
  get unimplemented(): boolean {
    return this.#unimplemented;
  }

  /** Requests sent and not answered yet. */
  get inFlight(): number {
    return this.#pending.length;
  }

  /**
   * Sends `request` and resolves with its answer, or rejects with the stream's failure,
   * REQUEST_TIMED_OUT after `timeoutMs`, or the signal's reason when it aborts first.
   */
  send(request: Req, options: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<Res> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const call = this.#open();
    return new Promise<Res>((resolve, reject) => {
      const entry: Pending<Res> = {
        resolve,
        reject,
        signal,
        onAbort: undefined,
        timer: setTimeout(() => {
          this.#abandon(call, entry, new RunnelError('REQUEST_TIMED_OUT', `${this.#o.what}: no answer within ${options.timeoutMs} ms`));
        }, options.timeoutMs),
      };
      if (signal !== undefined) {
        entry.onAbort = (): void => this.#abandon(call, entry, signal.reason as RunnelError);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.#pending.push(entry);
      call.write(request);
    });
  }

  /** Ends the stream; pending requests fail with CANCELLED. */
  close(): void {
    const call = this.#call;
    this.#call = undefined;
    this.#failAll(new RunnelError('CANCELLED', `${this.#o.what} closed by the client`, { retriable: false }));
    call?.cancel();
  }

  #open(): grpc.ClientDuplexStream<Req, Res> {
    if (this.#call !== undefined) return this.#call;
    const call = this.#o.open();
    this.#call = call;
    call.on('data', (response: Res) => {
      if (this.#call !== call) return;
      const entry = this.#pending.shift();
      if (entry === undefined) {
        // More answers than requests: the server broke the contract; start over.
        this.#broken(call, new RunnelError('BROKER_NOT_AVAILABLE', `${this.#o.what}: an answer came with no request pending`));
        call.cancel();
        return;
      }
      settle(entry);
      entry.resolve(response);
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (err.code === grpc.status.UNIMPLEMENTED) this.#unimplemented = true;
      // #abandon and close() detach the call before cancelling it, so a CANCELLED here was not ours.
      this.#broken(call, this.#o.mapError(err, this.#call !== call));
    });
    call.on('end', () => this.#broken(call, new RunnelError('BROKER_NOT_AVAILABLE', `${this.#o.what} ended by the broker`)));
    return call;
  }

  /** Gives up on `entry` (timeout or abort): its answer would come on this stream, so end it. */
  #abandon(call: grpc.ClientDuplexStream<Req, Res>, entry: Pending<Res>, err: RunnelError): void {
    const i = this.#pending.indexOf(entry);
    if (i < 0 || this.#call !== call) return;
    this.#pending.splice(i, 1);
    settle(entry);
    entry.reject(err);
    this.#broken(call, new RunnelError('BROKER_NOT_AVAILABLE', `${this.#o.what} was reset: an earlier request on it gave up (${err.message})`));
    call.cancel();
  }

  #broken(call: grpc.ClientDuplexStream<Req, Res>, err: RunnelError): void {
    if (this.#call !== call) return;
    this.#call = undefined;
    this.#failAll(err);
  }

  #failAll(err: RunnelError): void {
    for (const entry of this.#pending.splice(0)) {
      settle(entry);
      entry.reject(err);
    }
  }
}

function settle<Res>(entry: Pending<Res>): void {
  clearTimeout(entry.timer);
  if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
}
