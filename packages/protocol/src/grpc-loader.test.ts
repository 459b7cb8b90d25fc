import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogClient, LogHandlers, ProduceRequest__Output, ProduceResponse__Output } from './index.ts';
import { loadRunnelGrpc } from './grpc-loader.ts';

const { runnel } = loadRunnelGrpc();
let server: grpc.Server;
let client: LogClient;
let received: ProduceRequest__Output | undefined;

function unimplemented(_call: unknown, callback: grpc.sendUnaryData<never>): void {
  callback({ code: grpc.status.UNIMPLEMENTED, details: 'not in this test' });
}

beforeAll(async () => {
  server = new grpc.Server();
  const handlers: LogHandlers = {
    Produce(call, callback) {
      received = call.request;
      callback(null, {
        correlationId: call.request.correlationId,
        partitions: [{ topic: 'orders', partition: 2, baseOffset: 2 ** 40, logAppendTime: -1, logStartOffset: 0 }],
      });
    },
    Metadata: unimplemented,
    Fetch: unimplemented,
    ListOffsets: unimplemented,
    InitProducerId: unimplemented,
    ProduceStream: (call) => call.end(),
    FetchStream: (call) => call.end(),
    Tail: (call) => call.end(),
  };
  server.addService(runnel.v1.Log.service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  client = new runnel.v1.Log(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client.close();
  server.forceShutdown();
});

describe('loadRunnelGrpc', () => {
  it('loads both services from the repository proto directory, whatever the working directory', () => {
    expect(Object.keys(runnel.v1.Log.service).sort()).toEqual(['Fetch', 'FetchStream', 'InitProducerId', 'ListOffsets', 'Metadata', 'Produce', 'ProduceStream', 'Tail']);
    expect(Object.keys(runnel.v1.Admin.service).sort()).toEqual(['CreateTopics', 'DeleteRecords', 'DeleteTopics', 'DescribeCluster', 'DescribeTopics', 'PostRestartCheck', 'PreRestartCheck']);
    expect(Object.keys(runnel.v1.Replica.service).sort()).toEqual(['Handover', 'OffsetForLeaderEpoch', 'ReplicaFetch', 'ReplicaFetchStream']);
    expect(loadRunnelGrpc().runnel).toBe(runnel);
  });

  it('finds proto/ from its own location when the process runs elsewhere', () => {
    const loader = new URL('./grpc-loader.ts', import.meta.url).href;
    const script = `const { loadRunnelGrpc } = await import(${JSON.stringify(loader)});
      console.log(Object.keys(loadRunnelGrpc().runnel.v1.Log.service).length);`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir(), encoding: 'utf8' });
    expect(output.trim()).toBe('8');
  });

  it('carries int64 as numbers, enums as names and bytes as Buffers, with defaults filled in', async () => {
    const response = await new Promise<ProduceResponse__Output>((resolve, reject) => {
      client.produce(
        { correlationId: 7, acks: 'ACKS_LEADER', partitions: [{ topic: 'orders', partition: 2, records: Buffer.from([1, 2, 3]) }] },
        (error, value) => (error !== null ? reject(error) : value === undefined ? reject(new Error('no response')) : resolve(value)),
      );
    });
    expect(received).toEqual({
      correlationId: 7,
      acks: 'ACKS_LEADER',
      timeoutMs: 0,
      partitions: [{ topic: 'orders', partition: 2, records: Buffer.from([1, 2, 3]) }],
    });
    expect(response).toEqual({
      correlationId: 7,
      partitions: [{ topic: 'orders', partition: 2, error: null, baseOffset: 2 ** 40, logAppendTime: -1, logStartOffset: 0 }],
    });
  });
});
