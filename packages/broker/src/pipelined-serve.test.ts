import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PIPELINED_IN_FLIGHT, servePipelined } from './pipelined-serve.ts';
import { readBuffers } from './read-buffers.ts';

/**
 * servePipelined on a real grpc-js server on loopback, driven by a raw grpc-js client stream. The
 * test service has one bidirectional method whose messages are raw Buffers (identity
 * serializers); every request's handler waits until the test finishes it.
 */

const identity = (b: Buffer): Buffer => b;
const PIPE = '/t.T/Pipe';
const service: grpc.ServiceDefinition = {
  Pipe: { path: PIPE, requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

/** One request the server's handler is working on. */
interface Handled {
  readonly request: string;
  readonly signal: AbortSignal;
  readonly leased: Buffer[];
  /** Answers with `answer` (by default `answer:<request>`). */
  readonly finish: (answer?: Buffer) => void;
  readonly fail: (err: unknown) => void;
}

/** A client stream and what came back on it: `answer:…` per message, then `status <code> <details>`. */
interface ClientStream {
  readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  readonly log: string[];
}

let server: grpc.Server;
let client: grpc.Client;
let handled: Handled[];
let shutdown: AbortController;
let toStatusCalls: unknown[];
let timersStarted: number;
let timersStopped: number;
let serverSawHalfClose: boolean;

beforeEach(async () => {
  handled = [];
  shutdown = new AbortController();
  toStatusCalls = [];
  timersStarted = 0;
  timersStopped = 0;
  serverSawHalfClose = false;
  server = new grpc.Server();
  server.addService(service, {
    Pipe: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      servePipelined(call, {
        handle: (request, signal, leased) =>
          new Promise<Buffer>((resolve, reject) => {
            handled.push({ request: request.toString(), signal, leased, finish: (answer) => resolve(answer ?? Buffer.from(`answer:${request.toString()}`)), fail: reject });
          }),
        toStatus: (err) => {
          toStatusCalls.push(err);
          return { code: grpc.status.FAILED_PRECONDITION, details: `failed: ${(err as Error).message}` };
        },
        startTimer: () => {
          timersStarted++;
          return () => timersStopped++;
        },
        shutdown: shutdown.signal,
      });
      call.on('end', () => (serverSawHalfClose = true));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err))),
  );
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterEach(() => {
  client.close();
  server.forceShutdown();
});

function open(): ClientStream {
  const call = client.makeBidiStreamRequest<Buffer, Buffer>(PIPE, identity, identity);
  const log: string[] = [];
  call.on('data', (answer: Buffer) => log.push(answer.toString()));
  call.on('status', (status: grpc.StatusObject) => log.push(`status ${status.code} ${status.details}`));
  call.on('error', () => {}); // the status above says it all
  return { call, log };
}

function send(stream: ClientStream, ...requests: string[]): void {
  for (const r of requests) stream.call.write(Buffer.from(r));
}

/** Polls `condition` until it holds (the test's own timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The handler of `request`, once it runs. */
async function handlerOf(request: string): Promise<Handled> {
  await until(() => handled.some((h) => h.request === request));
  return handled.find((h) => h.request === request)!;
}

const finished = (stream: ClientStream): boolean => stream.log.some((l) => l.startsWith('status '));

/** Takes a read buffer the way a fetch handler does, with something written in it. */
function leaseInto(h: Handled, size: number, text: string): Buffer {
  const buf = readBuffers.acquire(size);
  buf.write(text);
  h.leased.push(buf);
  return buf;
}

/** True when `buf` is the next buffer readBuffers hands out for its size (i.e. it was given back). */
function givenBack(buf: Buffer): boolean {
  const next = readBuffers.acquire(buf.length);
  if (next === buf) return true;
  readBuffers.release([next]);
  return false;
}

describe('servePipelined', () => {
  it('handles requests concurrently and answers them in request order, whatever order they finish in', async () => {
    const stream = open();
    const requests = ['r0', 'r1', 'r2', 'r3', 'r4'];
    send(stream, ...requests);
    await until(() => handled.length === requests.length); // all running, none finished
    const [h0, h1, h2, h3, h4] = handled;

    h3!.finish();
    h0!.finish();
    await until(() => stream.log.length === 1);
    await sleep(20);
    expect(stream.log).toEqual(['answer:r0']); // r3 waits for r1 and r2

    h4!.finish();
    h2!.finish();
    h1!.finish();
    await until(() => stream.log.length === requests.length);
    expect(stream.log).toEqual(requests.map((r) => `answer:${r}`));
    expect(handled.map((h) => h.request)).toEqual(requests);
    expect(timersStarted).toBe(requests.length);
    expect(timersStopped).toBe(requests.length);
    expect(finished(stream)).toBe(false); // the stream stays open for more

    send(stream, 'r5');
    (await handlerOf('r5')).finish();
    await until(() => stream.log.length === requests.length + 1);
    expect(stream.log.at(-1)).toBe('answer:r5');
  });

  it('ends the stream with a failed request’s status after the answers before it, answers nothing after it and aborts what still runs', async () => {
    const stream = open();
    send(stream, 'r0', 'r1', 'r2', 'r3', 'r4');
    await until(() => handled.length === 5);
    const [h0, h1, h2, h3, h4] = handled;

    const failure = new Error('offset out of range');
    h2!.fail(failure); // fails first, before the answers it must wait for
    h3!.finish(); // ready, but after the failure
    h0!.finish();
    await until(() => stream.log.length === 1);
    await sleep(20);
    expect(stream.log).toEqual(['answer:r0']);
    expect(h4!.signal.aborted).toBe(false);

    h1!.finish();
    await until(() => finished(stream));
    expect(stream.log).toEqual(['answer:r0', 'answer:r1', `status ${grpc.status.FAILED_PRECONDITION} failed: offset out of range`]);
    expect(toStatusCalls).toEqual([failure]);
    expect(toStatusCalls[0]).toBe(failure);
    expect(h4!.signal.aborted).toBe(true);

    h4!.finish();
    await sleep(20);
    expect(stream.log).toHaveLength(3);
    expect(timersStopped).toBe(5);
  });

  it(`stops reading requests while ${MAX_PIPELINED_IN_FLIGHT} are unanswered`, async () => {
    const stream = open();
    const requests = Array.from({ length: MAX_PIPELINED_IN_FLIGHT + 2 }, (_, i) => `r${i}`);
    send(stream, ...requests);
    await until(() => handled.length === MAX_PIPELINED_IN_FLIGHT);
    await sleep(100);
    expect(handled).toHaveLength(MAX_PIPELINED_IN_FLIGHT);

    // Finished but not answered (it waits for r0): still in flight.
    handled[1]!.finish();
    await sleep(50);
    expect(handled).toHaveLength(MAX_PIPELINED_IN_FLIGHT);
    expect(stream.log).toEqual([]);

    // Answering r0 and r1 frees room for the two requests the server has not read yet.
    handled[0]!.finish();
    await until(() => handled.length === requests.length);
    for (const h of handled.slice(2)) h.finish();
    await until(() => stream.log.length === requests.length);
    expect(stream.log).toEqual(requests.map((r) => `answer:${r}`));
  });

  it('gives a read buffer back once the answer that used it is written, not before', async () => {
    const size = 256 * 1024;
    const stream = open();
    send(stream, 'r0', 'r1');
    await until(() => handled.length === 2);
    const [h0, h1] = handled;

    const buf = leaseInto(h1!, size, 'bytes-of-r1');
    h1!.finish(buf.subarray(0, 11)); // the answer is a view of the leased buffer
    await sleep(20);
    expect(stream.log).toEqual([]);
    expect(givenBack(buf)).toBe(false); // its answer waits for r0's

    h0!.finish();
    await until(() => stream.log.length === 2);
    expect(stream.log).toEqual(['answer:r0', 'bytes-of-r1']);
    await until(() => givenBack(buf));
  });

  it('gives back the read buffers of a request that failed', async () => {
    const size = 512 * 1024;
    const stream = open();
    send(stream, 'r0');
    const h0 = await handlerOf('r0');
    const buf = leaseInto(h0, size, 'partial read');
    h0.fail(new Error('disk gone'));

    await until(() => finished(stream));
    expect(stream.log).toEqual([`status ${grpc.status.FAILED_PRECONDITION} failed: disk gone`]);
    await until(() => givenBack(buf));
  });

  it('aborts the signal of running handlers when the client cancels, and still gives their read buffers back', async () => {
    const size = 1024 * 1024;
    const stream = open();
    send(stream, 'r0', 'r1');
    await until(() => handled.length === 2);
    const [h0, h1] = handled;
    const running = leaseInto(h0!, size, 'r0 is still reading');
    const done = leaseInto(h1!, size, 'r1 finished, waits for r0');
    h1!.finish(done.subarray(0, 4));
    await sleep(20);
    expect(givenBack(done)).toBe(false);
    const aborted = new Promise<void>((resolve) => h0!.signal.addEventListener('abort', () => resolve(), { once: true }));

    stream.call.cancel();
    await aborted;
    expect(h0!.signal.aborted).toBe(true);
    expect(h1!.signal.aborted).toBe(true);
    // r1's answer will never be written: its buffer comes back now.
    await until(() => givenBack(done));

    // r0's handler stops on the abort; its buffer comes back then.
    expect(givenBack(running)).toBe(false);
    h0!.finish(running.subarray(0, 4));
    await until(() => givenBack(running));
    expect(timersStopped).toBe(2);
  });

  it('on shutdown answers the requests already started, then ends the stream with OK and handles nothing more', async () => {
    const stream = open();
    send(stream, 'r0', 'r1');
    await until(() => handled.length === 2);
    const [h0, h1] = handled;

    shutdown.abort();
    send(stream, 'r2');
    await sleep(50);
    expect(finished(stream)).toBe(false); // r0 and r1 are still being answered

    h1!.finish();
    h0!.finish();
    await until(() => finished(stream));
    expect(stream.log).toEqual(['answer:r0', 'answer:r1', `status ${grpc.status.OK} OK`]);
    expect(handled.map((h) => h.request)).toEqual(['r0', 'r1']);
  });

  it('ends a stream opened after shutdown with OK at once, handling nothing', async () => {
    shutdown.abort();
    const stream = open();
    send(stream, 'r0');
    await until(() => finished(stream));
    expect(stream.log).toEqual([`status ${grpc.status.OK} OK`]);
    expect(handled).toEqual([]);
  });

  it('ends the stream once the client half-closed and the answers pending then are written', async () => {
    const stream = open();
    send(stream, 'r0', 'r1');
    stream.call.end();
    await until(() => handled.length === 2 && serverSawHalfClose);
    const [h0, h1] = handled;
    await sleep(20);
    expect(stream.log).toEqual([]);

    h1!.finish();
    await sleep(20);
    expect(stream.log).toEqual([]);
    h0!.finish();
    await until(() => finished(stream));
    expect(stream.log).toEqual(['answer:r0', 'answer:r1', `status ${grpc.status.OK} OK`]);
  });
});
