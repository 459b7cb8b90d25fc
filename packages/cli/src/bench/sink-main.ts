// A receiving end for `runnel bench limits`, run as its own process so that sender and receiver
// do not share an event loop (as the bench client and the broker do not):
//   node sink-main.ts tcp   -> accepts TCP connections on 127.0.0.1 and discards the bytes
//   node sink-main.ts grpc  -> serves runnel.v1.Log/ProduceStream and acknowledges every request
//                              at once (no validation, no storage): the bare grpc-js ceiling.
//                              It also answers Metadata (every topic asked for has one partition,
//                              led by this sink), so the real Producer can run against it and
//                              show what the client alone costs.
// Prints "port: N" when ready; exits when stdin closes.
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadRunnelGrpc, type LogHandlers, type ProduceRequest__Output } from '@runnel/protocol';

const mode = process.argv[2];
const notImplemented = (_call: unknown, cb: (err: grpc.ServiceError) => void): void =>
  cb(Object.assign(new Error('not served by the bench sink'), { code: grpc.status.UNIMPLEMENTED, details: 'not served', metadata: new grpc.Metadata() }));

if (mode === 'tcp') {
  const server = createServer((socket) => {
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`port: ${typeof address === 'object' && address ? address.port : 0}\n`);
  });
} else if (mode === 'grpc') {
  const { runnel } = loadRunnelGrpc();
  const offsets = new Map<string, number>();
  let boundPort = 0;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
  const handlers = {
    ProduceStream: (call: grpc.ServerDuplexStream<ProduceRequest__Output, unknown>) => {
      call.on('data', (req: ProduceRequest__Output) => {
        const partitions = req.partitions.map((p) => {
          // Offsets advance by the records of each batch (recordCount is the last header field).
          const key = `${p.topic}-${p.partition}`;
          const base = offsets.get(key) ?? 0;
          let count = 0;
          for (let pos = 0; pos + 61 <= p.records.length; pos += 12 + p.records.readInt32BE(pos + 8)) count += p.records.readInt32BE(pos + 57);
          offsets.set(key, base + count);
          return { topic: p.topic, partition: p.partition, baseOffset: base, logAppendTime: -1, logStartOffset: 0 };
        });
        call.write({ correlationId: req.correlationId, partitions });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
    Metadata: (call: grpc.ServerUnaryCall<{ topics: string[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      cb(null, {
        clusterId: 'bench-sink',
        brokers: [{ id: 0, host: '127.0.0.1', port: boundPort }],
        topics: call.request.topics.map((name) => ({ name, topicId: 'sink', partitions: [{ partition: 0, leaderId: 0, leaderEpoch: 0, replicas: [0], isr: [0] }] })),
      });
    },
    Produce: notImplemented,
    Fetch: notImplemented,
    ListOffsets: notImplemented,
    Tail: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
  } as unknown as LogHandlers;
  server.addService(runnel.v1.Log.service, handlers);
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    boundPort = port;
    process.stdout.write(`port: ${port}\n`);
  });
} else {
  process.stderr.write(`usage: sink-main.ts tcp|grpc\n`);
  process.exit(2);
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
