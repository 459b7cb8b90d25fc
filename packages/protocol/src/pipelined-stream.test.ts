import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunnelError } from './errors.ts';
import { PipelinedStream } from './pipelined-stream.ts';

/**
 * PipelinedStream against a real grpc-js server on loopback. The test service has one
 * bidirectional method whose messages are raw Buffers (identity serializers); the server records
 * every stream it is given and answers only when a test tells it to.
 */

const identity = (b: Buffer): Buffer => b;
const PIPE = '/t.T/Pipe';
const service: grpc.ServiceDefinition = {
  Pipe: { path: PIPE, requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

/** One stream as the server saw it. */
interface ServerStream {
  readonly call: grpc.ServerDuplexStream<Buffer, Buffer>;
  readonly requests: string[];
  cancelled: boolean;
}

/** What mapError was called with, in order. */
interface MapErrorCall {
  readonly err: grpc.ServiceError;
  readonly cancelledByClient: boolean;
  readonly returned: RunnelError;
}

let server: grpc.Server;
let client: grpc.Client;
let streams: ServerStream[];
let mapped: MapErrorCall[];
/** What the server does with each request; by default nothing (the test answers). */
let onRequest: (stream: ServerStream) => void;
let pipelines: Array<PipelinedStream<Buffer, Buffer>>;

beforeEach(async () => {
  streams = [];
  mapped = [];
  pipelines = [];
  onRequest = () => {};
  server = new grpc.Server();
  server.addService(service, {
    Pipe: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      const stream: ServerStream = { call, requests: [], cancelled: false };
      streams.push(stream);
      call.on('cancelled', () => (stream.cancelled = true));
      call.on('data', (request: Buffer) => {
        stream.requests.push(request.toString());
        onRequest(stream);
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err))),
  );
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterEach(() => {
  for (const p of pipelines) p.close();
  client.close();
  server.forceShutdown();
});

function pipeline(path = PIPE): PipelinedStream<Buffer, Buffer> {
  // This test's list: a stream of an earlier test may report its cancellation late.
  const log = mapped;
  const p = new PipelinedStream<Buffer, Buffer>({
    open: () => client.makeBidiStreamRequest<Buffer, Buffer>(path, identity, identity),
    what: 'Pipe stream to test server',
    mapError: (err, cancelledByClient) => {
      const returned = new RunnelError('NOT_LEADER', `mapped status ${err.code}: ${err.details}`);
      log.push({ err, cancelledByClient, returned });
      return returned;
    },
  });
  pipelines.push(p);
  return p;
}

function send(p: PipelinedStream<Buffer, Buffer>, request: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
  return p.send(Buffer.from(request), { timeoutMs: options.timeoutMs ?? 60_000, signal: options.signal }).then((b) => b.toString());
}

/** What a promise settled with, to compare rejections field by field. */
function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ value }),
    (err: unknown) => err,
  );
}

function answer(stream: ServerStream, request: string): void {
  stream.call.write(Buffer.from(`answer:${request}`));
}

/** Polls `condition` until it holds (the test's own timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Waits for the next stream the server gets and for `count` requests on it. */
async function serverStream(index: number, count: number): Promise<ServerStream> {
  await until(() => streams[index] !== undefined && streams[index].requests.length >= count);
  return streams[index]!;
}

const retriableUnavailable = { name: 'RunnelError', code: 'BROKER_NOT_AVAILABLE', retriable: true };

describe('PipelinedStream', () => {
  it('answers many requests in flight at once, each with its own answer, all on one HTTP/2 stream', async () => {
    const N = 40;
    onRequest = (stream) => {
      // Answer only once all are in flight, in the order they came.
      if (stream.requests.length === N) for (const r of stream.requests) answer(stream, r);
    };
    const p = pipeline();
    const requests = Array.from({ length: N }, (_, i) => `req-${i}`);
    const answers = requests.map((r) => send(p, r));
    expect(p.inFlight).toBe(N);

    await expect(Promise.all(answers)).resolves.toEqual(requests.map((r) => `answer:${r}`));
    expect(p.inFlight).toBe(0);
    expect(streams).toHaveLength(1);
    expect(streams[0]!.requests).toEqual(requests);

    // Requests sent later, one at a time, go on the same stream.
    onRequest = (stream) => answer(stream, stream.requests.at(-1)!);
    for (const r of ['later-1', 'later-2', 'later-3']) await expect(send(p, r)).resolves.toBe(`answer:${r}`);
    expect(streams).toHaveLength(1);
    expect(streams[0]!.requests).toEqual([...requests, 'later-1', 'later-2', 'later-3']);
    expect(streams[0]!.cancelled).toBe(false);
  });

  it('fails a request past its timeout with REQUEST_TIMED_OUT, the ones behind it with a retriable BROKER_NOT_AVAILABLE, and opens a new stream for the next', async () => {
    const p = pipeline();
    // Open the stream first, so the short timeout below does not race the connection setup.
    const warm = send(p, 'warm');
    const first = await serverStream(0, 1);
    answer(first, 'warm');
    await expect(warm).resolves.toBe('answer:warm');

    const slow = outcome(send(p, 'a', { timeoutMs: 30 }));
    const behind = [outcome(send(p, 'b')), outcome(send(p, 'c'))];
    expect(await slow).toMatchObject({ name: 'RunnelError', code: 'REQUEST_TIMED_OUT', retriable: true, message: expect.stringContaining('Pipe stream to test server') as string });
    for (const o of await Promise.all(behind)) expect(o).toMatchObject(retriableUnavailable);
    expect(p.inFlight).toBe(0);
    // The stream was cancelled, as cancelling a unary call would.
    await until(() => first.cancelled);

    const next = send(p, 'd');
    const second = await serverStream(1, 1);
    expect(second.requests).toEqual(['d']);
    answer(second, 'd');
    await expect(next).resolves.toBe('answer:d');
  });

  it('fails a request whose signal aborts with the signal reason, resets the stream and fails the rest as retriable', async () => {
    const p = pipeline();
    const controller = new AbortController();
    const aborted = outcome(send(p, 'a', { signal: controller.signal }));
    const other = outcome(send(p, 'b'));
    const first = await serverStream(0, 2);

    const reason = new RunnelError('CANCELLED', 'consumer closed', { retriable: false });
    controller.abort(reason);
    expect(await aborted).toBe(reason);
    expect(await other).toMatchObject(retriableUnavailable);
    await until(() => first.cancelled);

    const next = send(p, 'c');
    answer(await serverStream(1, 1), 'c');
    await expect(next).resolves.toBe('answer:c');
  });

  it('rejects a request whose signal already aborted with its reason, without sending it', async () => {
    const p = pipeline();
    const controller = new AbortController();
    const reason = new RunnelError('CANCELLED', 'gave up before sending', { retriable: false });
    controller.abort(reason);
    await expect(send(p, 'never', { signal: controller.signal })).rejects.toBe(reason);
    expect(p.inFlight).toBe(0);

    const next = send(p, 'sent');
    const stream = await serverStream(0, 1);
    answer(stream, 'sent');
    await expect(next).resolves.toBe('answer:sent');
    expect(streams).toHaveLength(1);
    expect(stream.requests).toEqual(['sent']);
  });

  it('leaves the stream alone when the signal of a request already answered aborts', async () => {
    const p = pipeline();
    const controller = new AbortController();
    const first = send(p, 'a', { signal: controller.signal });
    const stream = await serverStream(0, 1);
    answer(stream, 'a');
    await expect(first).resolves.toBe('answer:a');

    controller.abort(new Error('too late to matter'));
    const next = send(p, 'b');
    await serverStream(0, 2);
    answer(stream, 'b');
    await expect(next).resolves.toBe('answer:b');
    expect(streams).toHaveLength(1);
    expect(stream.cancelled).toBe(false);
  });

  it('fails pending requests with a retriable BROKER_NOT_AVAILABLE when the server ends the stream, and opens a new one for the next', async () => {
    const p = pipeline();
    const pending = [outcome(send(p, 'a')), outcome(send(p, 'b'))];
    const first = await serverStream(0, 2);
    first.call.end();

    for (const o of await Promise.all(pending)) expect(o).toMatchObject({ ...retriableUnavailable, message: expect.stringContaining('ended by the broker') as string });
    expect(p.inFlight).toBe(0);
    expect(mapped).toEqual([]);

    const next = send(p, 'c');
    answer(await serverStream(1, 1), 'c');
    await expect(next).resolves.toBe('answer:c');
  });

  it('fails pending requests with what mapError makes of the status the server ends the stream with', async () => {
    const p = pipeline();
    const pending = [outcome(send(p, 'a')), outcome(send(p, 'b'))];
    const first = await serverStream(0, 2);
    first.call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'too many fetches' });

    const results = await Promise.all(pending);
    expect(mapped).toHaveLength(1);
    expect(mapped[0]!.err).toBeInstanceOf(Error);
    expect(mapped[0]!.err).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'too many fetches' });
    expect(mapped[0]!.cancelledByClient).toBe(false);
    expect(results[0]).toBe(mapped[0]!.returned);
    expect(results[1]).toBe(mapped[0]!.returned);
    expect(p.unimplemented).toBe(false);

    const next = send(p, 'c');
    answer(await serverStream(1, 1), 'c');
    await expect(next).resolves.toBe('answer:c');
  });

  it('tells mapError a CANCELLED status the client did not ask for was not its own', async () => {
    const p = pipeline();
    const pending = outcome(send(p, 'a'));
    const first = await serverStream(0, 1);
    first.call.emit('error', { code: grpc.status.CANCELLED, details: 'cancelled by the server' });

    expect(await pending).toBe(mapped[0]!.returned);
    expect(mapped).toHaveLength(1);
    expect(mapped[0]).toMatchObject({ cancelledByClient: false, err: { code: grpc.status.CANCELLED } });
  });

  it('fails pending requests through mapError, not as cancelled by the client, when the connection is lost', async () => {
    const p = pipeline();
    const pending = outcome(send(p, 'a'));
    await serverStream(0, 1);
    server.forceShutdown();

    expect(await pending).toBe(mapped[0]!.returned);
    expect(mapped).toHaveLength(1);
    expect(mapped[0]!.cancelledByClient).toBe(false);
    expect(mapped[0]!.err.code).not.toBe(grpc.status.OK);
  });

  it('sets unimplemented when the server lacks the method', async () => {
    const p = pipeline('/t.T/Missing');
    expect(p.unimplemented).toBe(false);
    const failed = await outcome(send(p, 'a'));

    expect(mapped).toHaveLength(1);
    expect(mapped[0]!.err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(failed).toBe(mapped[0]!.returned);
    expect(p.unimplemented).toBe(true);
  });

  it('close() fails pending requests with a non-retriable CANCELLED and cancels the stream; a later request opens a new one', async () => {
    const p = pipeline();
    const pending = [outcome(send(p, 'a')), outcome(send(p, 'b'))];
    const first = await serverStream(0, 2);
    p.close();

    for (const o of await Promise.all(pending)) expect(o).toMatchObject({ name: 'RunnelError', code: 'CANCELLED', retriable: false });
    expect(p.inFlight).toBe(0);
    await until(() => first.cancelled);

    const next = send(p, 'c');
    const second = await serverStream(1, 1);
    expect(second.requests).toEqual(['c']);
    answer(second, 'c');
    await expect(next).resolves.toBe('answer:c');
  });

  it('resets the stream when an answer comes with no request pending', async () => {
    const p = pipeline();
    const first = send(p, 'a');
    const stream = await serverStream(0, 1);
    answer(stream, 'a');
    await expect(first).resolves.toBe('answer:a');

    stream.call.write(Buffer.from('stray answer'));
    await until(() => stream.cancelled);

    const next = send(p, 'b');
    const second = await serverStream(1, 1);
    answer(second, 'b');
    await expect(next).resolves.toBe('answer:b');
    expect(stream.requests).toEqual(['a']);
  });
});
