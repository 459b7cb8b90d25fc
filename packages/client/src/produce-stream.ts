import type * as grpc from '@grpc/grpc-js';
import { RunnelError, type ProduceRequest, type ProduceResponse__Output } from '@runnel/protocol';
import { callError } from './call-error.ts';
import type { BrokerConnection } from './broker-connections.ts';

interface Pending {
  resolve: (response: ProduceResponse__Output) => void;
  reject: (err: RunnelError) => void;
  timer: NodeJS.Timeout;
}

/**
 * One pipelined `ProduceStream` to one broker. Requests carry a correlation id and may be answered
 * in any order across partitions (in request order for any one partition, per the contract). The
 * caller bounds how many requests are in flight; this class only matches answers to requests.
 * When the stream breaks, every pending request fails with a retriable BROKER_NOT_AVAILABLE and
 * the next request opens a new stream.
 */
export class ProduceStream {
  readonly #connection: BrokerConnection;
  readonly #requestTimeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #call: grpc.ClientDuplexStream<ProduceRequest, ProduceResponse__Output> | undefined;
  #nextCorrelationId = 1;

  constructor(connection: BrokerConnection, requestTimeoutMs: number) {
    this.#connection = connection;
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Sends `request` and resolves with its response. With `expectResponse` false (acks=0, where the
   * broker sends none) it resolves once the request is handed to the transport.
   */
  send(request: Omit<ProduceRequest, 'correlationId'>, expectResponse = true): Promise<ProduceResponse__Output> {
    const call = this.#open();
    const correlationId = this.#nextCorrelationId++;
    if (!expectResponse) {
      return new Promise((resolve) => {
        call.write({ ...request, correlationId }, () => resolve({ correlationId, partitions: [] }));
      });
    }
    return new Promise<ProduceResponse__Output>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(correlationId);
        reject(new RunnelError('REQUEST_TIMED_OUT', `Produce request ${correlationId} to broker ${this.#connection.address} got no answer within ${this.#requestTimeoutMs} ms`));
      }, this.#requestTimeoutMs);
      this.#pending.set(correlationId, { resolve, reject, timer });
      call.write({ ...request, correlationId });
    });
  }

  /**
   * Ends the stream. With nothing pending it half-closes and waits (up to `graceMs`) for the broker
   * to finish, so acks=0 requests already written are not cut off; pending requests fail with
   * CANCELLED.
   */
  async close(graceMs = 1000): Promise<void> {
    const call = this.#call;
    this.#call = undefined;
    this.#failAll(new RunnelError('CANCELLED', `Produce stream to broker ${this.#connection.address} closed by the client`, { retriable: false }));
    if (!call) return;
    const finished = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      call.once('status', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    call.end();
    await finished;
    call.cancel();
  }

  #open(): grpc.ClientDuplexStream<ProduceRequest, ProduceResponse__Output> {
    if (this.#call) return this.#call;
    const call = this.#connection.log.ProduceStream();
    this.#call = call;
    call.on('data', (response: ProduceResponse__Output) => {
      const pending = this.#pending.get(response.correlationId);
      if (!pending) return; // timed out already; the answer is stale
      this.#pending.delete(response.correlationId);
      clearTimeout(pending.timer);
      pending.resolve(response);
    });
    const broken = (err: RunnelError): void => {
      if (this.#call === call) this.#call = undefined;
      this.#failAll(err);
    };
    call.on('error', (err: grpc.ServiceError) => {
      // close() detaches the call before cancelling it, so a CANCELLED here was not the client's doing.
      broken(callError(err, `Produce stream to broker ${this.#connection.address}`, this.#call !== call));
    });
    call.on('end', () => broken(new RunnelError('BROKER_NOT_AVAILABLE', `Produce stream to broker ${this.#connection.address} ended by the broker`)));
    return call;
  }

  #failAll(err: RunnelError): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(id);
      p.reject(err);
    }
  }
}
