import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { RunnelError, fromGrpcError, loadRunnelGrpc, type LogClient, type LogHandlers } from '@runnel/protocol';
import { gatedHandlers } from './starting-gate.ts';

const { runnel } = loadRunnelGrpc();
let server: grpc.Server | undefined;
let client: LogClient | undefined;

afterEach(() => {
  client?.close();
  server?.forceShutdown();
});

/** A real gRPC server on loopback whose Log service is gated until `open()` is called. */
async function gatedServer(): Promise<{ open: () => void }> {
  let handlers: grpc.UntypedServiceImplementation | undefined;
  const real: Partial<LogHandlers> = {
    Metadata: (_call, callback) => callback(null, { clusterId: 'c1', brokers: [], topics: [] }),
  };
  server = new grpc.Server();
  const starting = (): RunnelError => new RunnelError('BROKER_NOT_AVAILABLE', 'Broker 3 is starting; retry shortly');
  server.addService(runnel.v1.Log.service, gatedHandlers(runnel.v1.Log.service, () => handlers, starting));
  const port = await new Promise<number>((resolve, reject) => {
    server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err)));
  });
  client = new runnel.v1.Log(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return { open: () => (handlers = real as grpc.UntypedServiceImplementation) };
}

function metadata(c: LogClient): Promise<string> {
  return new Promise((resolve, reject) => c.Metadata({ topics: [] }, (err, res) => (err ? reject(fromGrpcError(err)) : resolve(res!.clusterId))));
}

describe('a starting broker', () => {
  it('answers every kind of call with a retriable BROKER_NOT_AVAILABLE, never UNIMPLEMENTED, then serves', async () => {
    const { open } = await gatedServer();
    const unary = await metadata(client!).catch((err: unknown) => err);
    expect(unary).toMatchObject({ code: 'BROKER_NOT_AVAILABLE', retriable: true, message: expect.stringContaining('starting') as string });

    const serverStream = await new Promise((resolve) => {
      client!.Tail({ topic: 't', partition: 0, offset: 0, maxBytes: 1024 }).on('error', (err: grpc.ServiceError) => resolve(fromGrpcError(err))).on('data', () => resolve('data'));
    });
    expect(serverStream).toMatchObject({ code: 'BROKER_NOT_AVAILABLE', retriable: true });

    const bidi = await new Promise((resolve) => {
      const call = client!.ProduceStream();
      call.on('error', (err: grpc.ServiceError) => resolve(fromGrpcError(err))).on('data', () => resolve('data'));
    });
    expect(bidi).toMatchObject({ code: 'BROKER_NOT_AVAILABLE', retriable: true });

    open();
    await expect(metadata(client!)).resolves.toBe('c1');
  });
});
