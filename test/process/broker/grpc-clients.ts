import * as grpc from '@grpc/grpc-js';
import { fromGrpcError, loadRunnelGrpc, type AdminClient, type LogClient } from '@runnel/protocol';

/** Log and Admin clients on one broker address, with promise helpers for unary calls. */
export interface TestClients {
  readonly log: LogClient;
  readonly admin: AdminClient;
  close(): void;
}

export function connect(address: string): TestClients {
  const { runnel } = loadRunnelGrpc();
  const options = { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 };
  const log = new runnel.v1.Log(address, grpc.credentials.createInsecure(), options) as unknown as LogClient;
  const admin = new runnel.v1.Admin(address, grpc.credentials.createInsecure(), options) as unknown as AdminClient;
  return {
    log,
    admin,
    close() {
      log.close();
      admin.close();
    },
  };
}

type Unary<Req, Res> = (request: Req, callback: (err: grpc.ServiceError | null, value?: Res) => void) => unknown;

/** Promisifies a unary client method; failures become the RunnelError of the status. */
export function call<Req, Res>(client: object, method: Unary<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, (err, value) => {
      if (err !== null) reject(fromGrpcError(err));
      else resolve(value as Res);
    });
  });
}

/** The raw ServiceError of a failing unary call (to check status and trailers). */
export function callRaw<Req, Res>(client: object, method: Unary<Req, Res>, request: Req): Promise<{ err: grpc.ServiceError | null; value: Res | undefined }> {
  return new Promise((resolve) => {
    method.call(client, request, (err, value) => resolve({ err, value }));
  });
}
