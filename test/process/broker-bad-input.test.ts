import { connect as netConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ERROR_DOMAIN, decodeRecords, fromGrpcError, type ProduceResponse__Output, type WireError } from '@runnel/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from './broker/broker-process.ts';
import { call, callRaw, connect, type TestClients } from './broker/grpc-clients.ts';
import { batchOf, createTopic, randomTopic, removeDir, tempDir } from './broker/test-cluster.ts';

// Every case runs against one real broker process; after each, the broker must still serve and
// the logs must read back exactly what was acknowledged before.
let dir: string;
let broker: BrokerProcess;
let clients: TestClients;
let topic: string;

beforeAll(async () => {
  dir = await tempDir('runnel-bad-input-');
  broker = await startBrokerProcess({ brokers: 1, dataDir: dir });
  clients = connect(broker.bootstrap);
  topic = randomTopic('bad');
  await createTopic(clients, topic, 2, { 'max.message.bytes': '1024' });
  const ok = await produce(topic, 0, batchOf('good', 3));
  expect(ok.partitions[0]?.error ?? null).toBeNull();
});

afterAll(async () => {
  clients?.close();
  const code = await broker?.stop();
  await removeDir(dir);
  expect(code).toBe(0);
});

function produce(t: string, partition: number, records: Buffer): Promise<ProduceResponse__Output> {
  return call(clients.log, clients.log.Produce, { correlationId: 1, acks: 'ACKS_ALL', timeoutMs: 5000, partitions: [{ topic: t, partition, records }] });
}

async function producePartitionError(t: string, partition: number, records: Buffer): Promise<WireError> {
  const res = await produce(t, partition, records);
  const error = res.partitions[0]?.error;
  if (error == null) throw new Error('expected a partition error');
  return error;
}

/** The log still holds exactly the three records written in beforeAll (plus `more`), and nothing was damaged. */
async function expectLogIntact(more: string[] = []): Promise<void> {
  const res = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
  const p = res.partitions[0];
  expect(p?.error ?? null).toBeNull();
  expect(decodeRecords(p?.records ?? Buffer.alloc(0)).map((r) => r.value?.toString())).toEqual(['good-0', 'good-1', 'good-2', ...more]);
  expect(p?.highWatermark).toBe(3 + more.length);
  expect(p?.logEndOffset).toBe(3 + more.length);
}

describe('bad input against a broker process', () => {
  it('a batch with a wrong CRC: CORRUPT_BATCH naming the CRC, nothing appended', async () => {
    const batch = batchOf('crc', 2);
    batch[batch.length - 1] = (batch[batch.length - 1] as number) ^ 0xff;
    const error = await producePartitionError(topic, 0, batch);
    expect(error.code).toBe('CORRUPT_BATCH');
    expect(error.message).toMatch(new RegExp(`Cannot append to ${topic}-0: .*CRC`, 'i'));
    await expectLogIntact();
  });

  it('a truncated batch: CORRUPT_BATCH naming the position', async () => {
    const batch = batchOf('cut', 2);
    const error = await producePartitionError(topic, 0, batch.subarray(0, batch.length - 5));
    expect(error.code).toBe('CORRUPT_BATCH');
    expect(error.message).toMatch(/position 0/);
    await expectLogIntact();
  });

  it('a batch over max.message.bytes: RECORD_TOO_LARGE naming both sizes', async () => {
    const big = batchOf('x'.repeat(2000), 1);
    const error = await producePartitionError(topic, 0, big);
    expect(error.code).toBe('RECORD_TOO_LARGE');
    expect(error.message).toContain(String(big.length));
    expect(error.message).toContain('more than the maximum of 1024 (the topic\'s max.message.bytes)');
    await expectLogIntact();
  });

  it('an unknown topic, an unknown partition and an invalid topic name', async () => {
    const missing = randomTopic('missing');
    expect(await producePartitionError(missing, 0, batchOf('u', 1))).toMatchObject({ code: 'UNKNOWN_TOPIC', retriable: true });
    const partition = await producePartitionError(topic, 7, batchOf('u', 1));
    expect(partition.code).toBe('UNKNOWN_PARTITION');
    expect(partition.message).toContain('has 2 partition(s) (0..1); partition 7 does not exist');
    const invalid = await producePartitionError('bad/name', 0, batchOf('u', 1));
    expect(invalid.code).toBe('INVALID_TOPIC_NAME');
    const md = await call(clients.log, clients.log.Metadata, { topics: ['bad/name', missing] });
    expect(md.topics.map((t) => t.error?.code)).toEqual(['INVALID_TOPIC_NAME', 'UNKNOWN_TOPIC']);
    const created = await call(clients.admin, clients.admin.CreateTopics, { topics: [{ name: 'no spaces allowed', partitions: 1, replicationFactor: 1 }] });
    expect(created.topics[0]?.error?.code).toBe('INVALID_TOPIC_NAME');
    expect(created.topics[0]?.error?.message).toContain('character " " is not allowed');
    await expectLogIntact();
  });

  it('bad topic specs: partitions, replication factor and configs are named', async () => {
    const res = await call(clients.admin, clients.admin.CreateTopics, {
      topics: [
        { name: randomTopic(), partitions: 0, replicationFactor: 1 },
        { name: randomTopic(), partitions: 1, replicationFactor: 3 },
        { name: randomTopic(), partitions: 1, replicationFactor: 1, configs: { 'retention.ms': 'soon' } },
        { name: randomTopic(), partitions: 1, replicationFactor: 1, configs: { 'retention.msx': '1' } },
      ],
    });
    expect(res.topics.map((t) => t.error?.code)).toEqual(['INVALID_PARTITIONS', 'INVALID_REPLICATION_FACTOR', 'INVALID_CONFIG', 'INVALID_CONFIG']);
    expect(res.topics[1]?.error?.message).toContain('the cluster has only 1 broker(s)');
    expect(res.topics[2]?.error?.message).toContain('retention.ms');
    expect(res.topics[3]?.error?.message).toContain('unknown config key "retention.msx"');
  });

  it('topic names: the longest accepted name works on disk, one character more is refused naming the limit', async () => {
    // `<name>-<partition>-<topic id>` (and its `-delete` rename) must fit NAME_MAX (255 bytes).
    const longest = `long-${'x'.repeat(219)}`;
    const created = await call(clients.admin, clients.admin.CreateTopics, { topics: [{ name: longest, partitions: 1, replicationFactor: 1 }] });
    expect(created.topics[0]?.error ?? null).toBeNull();
    const res = await produce(longest, 0, batchOf('fits', 1));
    expect(res.partitions[0]?.error ?? null).toBeNull();
    const fetched = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic: longest, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
    expect(decodeRecords(fetched.partitions[0]?.records ?? Buffer.alloc(0)).map((r) => r.value?.toString())).toEqual(['fits-0']);
    const deleted = await call(clients.admin, clients.admin.DeleteTopics, { names: [longest] });
    expect(deleted.topics[0]?.error ?? null).toBeNull();

    const tooLong = `${longest}x`;
    const refused = await call(clients.admin, clients.admin.CreateTopics, { topics: [{ name: tooLong, partitions: 1, replicationFactor: 1 }] });
    expect(refused.topics[0]?.error?.code).toBe('INVALID_TOPIC_NAME');
    expect(refused.topics[0]?.error?.message).toContain('225 characters, the limit is 224');
    await expectLogIntact();
  });

  it('a fetch at an offset out of range: OFFSET_OUT_OF_RANGE naming the range; a wrong leader epoch is fenced', async () => {
    const res = await call(clients.log, clients.log.Fetch, {
      maxWaitMs: 0, minBytes: 0, maxBytes: 0,
      partitions: [
        { topic, partition: 0, offset: 99, maxBytes: 0, currentLeaderEpoch: -1 },
        { topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: 5 },
      ],
    });
    expect(res.partitions[0]?.error?.code).toBe('OFFSET_OUT_OF_RANGE');
    expect(res.partitions[0]?.error?.message).toContain(`Offset 99 is out of range for ${topic}-0: the log holds offsets 0..2`);
    expect(res.partitions[1]?.error?.code).toBe('UNKNOWN_LEADER_EPOCH');
    await expectLogIntact();
  });

  it('Tail from an out-of-range offset or of an unknown partition: one message carrying the error, then the stream ends', async () => {
    for (const [request, code] of [
      [{ topic, partition: 0, offset: 50, maxBytes: 0 }, 'OFFSET_OUT_OF_RANGE'],
      [{ topic, partition: 9, offset: 0, maxBytes: 0 }, 'UNKNOWN_PARTITION'],
    ] as const) {
      const stream = clients.log.Tail(request);
      const messages: Array<{ error?: { code: string } | null }> = [];
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (m: { error?: { code: string } | null }) => messages.push(m));
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      expect(messages.map((m) => m.error?.code)).toEqual([code]);
    }
    const invalid = clients.log.Tail({ topic, partition: 0, offset: -1, maxBytes: 0 });
    const status = await new Promise<grpc.ServiceError>((resolve) => {
      invalid.on('data', () => undefined);
      invalid.on('error', (err: grpc.ServiceError) => resolve(err));
    });
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(fromGrpcError(status).code).toBe('INVALID_REQUEST');
    await expectLogIntact();
  });

  it('a malformed whole request: INVALID_ARGUMENT status with ErrorInfo reason INVALID_REQUEST', async () => {
    const { err } = await callRaw(clients.log, clients.log.Fetch, { maxWaitMs: -5, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0 }] });
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toContain('Invalid max_wait_ms -5');
    const mapped = fromGrpcError(err as grpc.ServiceError);
    expect(mapped.code).toBe('INVALID_REQUEST');
    expect(err?.metadata.get('grpc-status-details-bin').length).toBe(1);
    expect(ERROR_DOMAIN).toBe('runnel.dev');
    const produceErr = await callRaw(clients.log, clients.log.Produce, { correlationId: 1, acks: 'ACKS_ALL', partitions: [] });
    expect(fromGrpcError(produceErr.err as grpc.ServiceError).code).toBe('INVALID_REQUEST');
  });

  it('DeleteRecords with a timeout_ms out of range: INVALID_REQUEST naming it, nothing deleted', async () => {
    for (const timeoutMs of [-1, 300_001]) {
      const { err } = await callRaw(clients.admin, clients.admin.DeleteRecords, { timeoutMs, partitions: [{ topic, partition: 0, offset: 1 }] });
      expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.details).toContain(`Invalid timeout_ms ${timeoutMs}`);
    }
    await expectLogIntact();
  });

  it('a request body that is not protobuf: the call fails, the broker keeps serving', async () => {
    const raw = new grpc.Client(broker.bootstrap, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.ServiceError | null>((resolve) => {
      raw.makeUnaryRequest('/runnel.v1.Log/Produce', () => randomBytes(64), (b: Buffer) => b, {}, (err) => resolve(err));
    });
    raw.close();
    expect(status).not.toBeNull();
    await expectLogIntact();
  });

  it('garbage bytes on the gRPC port: the connection is dropped, the broker keeps serving', async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const socket = netConnect(Number(broker.bootstrap.split(':')[1]), '127.0.0.1', () => socket.end(randomBytes(4096)));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.resume();
      });
    }
    expect(broker.child.exitCode).toBeNull();
    const ok = await produce(topic, 1, batchOf('after-garbage', 1));
    expect(ok.partitions[0]?.error ?? null).toBeNull();
    await expectLogIntact();
  });

  it('a full disk: DISK_FULL on append, reads keep working, appends resume once space is back', async () => {
    broker.child.kill('SIGUSR2');
    await broker.nextLine('disk');
    const error = await producePartitionError(topic, 0, batchOf('nospace', 2));
    expect(error.code).toBe('DISK_FULL');
    expect(error.retriable).toBe(true);
    expect(error.message).toContain(`${topic}-0`);
    await expectLogIntact();
    broker.child.kill('SIGUSR1');
    await broker.nextLine('disk');
    const ok = await produce(topic, 0, batchOf('later', 1));
    expect(ok.partitions[0]?.error ?? null).toBeNull();
    expect(ok.partitions[0]?.baseOffset).toBe(3);
    await expectLogIntact(['later-0']);
  });
});
