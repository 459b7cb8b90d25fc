import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Admin, Consumer, Producer, type ConsumerRecord } from '@runnel/client';
import { randomTopic, removeDir, startServer, tempDir, type ServerProcess } from './cli/runnel-process.ts';

let local: ServerProcess;
let data: string;
let admin: Admin;
const closers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  data = await tempDir();
  local = await startServer('local', ['--port', '0', '--data-dir', data]);
  admin = new Admin({ bootstrap: local.bootstrap });
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await admin?.close();
  if (local && local.child.signalCode === 'SIGSTOP') local.child.kill('SIGCONT');
  await local?.stop('SIGKILL');
  await removeDir(data);
});

async function take(consumer: Consumer, n: number): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  for await (const r of consumer.records()) {
    out.push(r);
    if (out.length >= n) break;
  }
  return out;
}

describe('client against runnel local (3 brokers in a child process)', () => {
  it('round-trips exact values, keys, headers and order per partition', async () => {
    const topic = randomTopic();
    await admin.createTopics([{ name: topic, partitions: 3 }]);
    const producer = new Producer({ bootstrap: local.bootstrap, lingerMs: 2 });
    closers.push(producer);
    const sent = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      producer.send({ topic, key: `k${i % 7}`, value: Buffer.from([i & 0xff, i >> 8]), headers: { n: String(i) } })));
    expect(new Set(sent.map((m) => m.partition)).size).toBeGreaterThan(1);

    const consumer = new Consumer({ bootstrap: local.bootstrap, maxWaitMs: 100 });
    closers.push(consumer);
    consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    for (let partition = 0; partition < 3; partition++) consumer.seek({ topic, partition }, 'earliest');
    const got = await take(consumer, 300);
    const index = (r: ConsumerRecord): number => Number(r.headers.find((h) => h.key === 'n')!.value!.toString());
    for (const r of got) {
      const i = index(r);
      expect(r.key!.toString()).toBe(`k${i % 7}`);
      expect([...r.value!]).toEqual([i & 0xff, i >> 8]);
      expect({ partition: r.partition, offset: r.offset }).toEqual({ partition: sent[i]!.partition, offset: sent[i]!.offset });
    }
    for (let partition = 0; partition < 3; partition++) {
      const mine = got.filter((r) => r.partition === partition).map(index);
      expect(mine).toEqual([...mine].sort((a, b) => a - b)); // send order within the partition
    }
    expect(got.map(index).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('seeks by timestamp to the first record at or after it', async () => {
    const topic = randomTopic();
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = new Producer({ bootstrap: local.bootstrap, lingerMs: 0 });
    closers.push(producer);
    const base = Date.now() - 60_000;
    for (let i = 0; i < 10; i++) await producer.send({ topic, value: `v${i}`, timestamp: base + i * 1000 });
    const consumer = new Consumer({ bootstrap: local.bootstrap, maxWaitMs: 100 });
    closers.push(consumer);
    consumer.assign([{ topic, partition: 0 }]);
    consumer.seek({ topic, partition: 0 }, { timestamp: base + 6_500 });
    const got = await take(consumer, 3);
    expect(got.map((r) => [r.offset, r.value!.toString(), r.timestamp])).toEqual([
      [7, 'v7', base + 7000],
      [8, 'v8', base + 8000],
      [9, 'v9', base + 9000],
    ]);
  });

  it('describes topics with log end offsets from the leaders', async () => {
    const topic = randomTopic();
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    const producer = new Producer({ bootstrap: local.bootstrap });
    closers.push(producer);
    await Promise.all(['a', 'b', 'c'].map((value) => producer.send({ topic, value, partition: 1 })));
    const [d] = await admin.describeTopics([topic]);
    expect(d!.partitions.map((p) => [p.partition, p.logEndOffset])).toEqual([[0, 0], [1, 3]]);
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((b) => b.id).sort()).toEqual([0, 1, 2]);
  });

  it('makes send wait when the buffer is full (broker stopped), abortable, and delivers once it resumes', async () => {
    const topic = randomTopic();
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = new Producer({ bootstrap: local.bootstrap, bufferMemory: 8 * 1024, lingerMs: 0, requestTimeoutMs: 60_000 });
    closers.push(producer);
    await producer.send({ topic, value: 'warm-up' }); // metadata known, stream open
    local.child.kill('SIGSTOP'); // the broker process stops answering: nothing is acknowledged
    try {
      const filling = producer.send({ topic, value: Buffer.alloc(6 * 1024, 1) });
      const controller = new AbortController();
      const blocked = producer.send({ topic, value: Buffer.alloc(4 * 1024, 2) }, { signal: controller.signal });
      let blockedSettled = false;
      blocked.then(() => (blockedSettled = true), () => (blockedSettled = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(blockedSettled).toBe(false);
      controller.abort(new Error('no buffer memory within the deadline'));
      await expect(blocked).rejects.toThrow('no buffer memory within the deadline');
      local.child.kill('SIGCONT');
      await expect(filling).resolves.toMatchObject({ topic, partition: 0, offset: 1 });
      await expect(producer.send({ topic, value: 'after' })).resolves.toMatchObject({ offset: 2 });
    } finally {
      local.child.kill('SIGCONT');
    }
  });
});
