import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '@runnel/broker';
import { encodeRecordBatch, type ProducerRecord } from '@runnel/protocol';
import { pino } from 'pino';
import { call, connect, type TestClients } from './grpc-clients.ts';

/** A fresh temp directory; remove it with `rm` in afterEach/afterAll. */
export function tempDir(prefix = 'runnel-broker-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** An in-process local cluster on free loopback ports with quiet logs. */
export function startTestCluster(dataDir: string, options: Partial<LocalClusterOptions> = {}): Promise<LocalCluster> {
  return startLocalCluster({
    brokers: 1,
    port: 0,
    dataDir,
    demoTopic: null,
    defaultMetrics: false,
    logger: pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'silent' }),
    ...options,
  });
}

/** A random topic name (tests never share names). */
export function randomTopic(prefix = 't'): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Creates a topic through the Admin service and fails the test on any per-topic error. */
export async function createTopic(clients: TestClients, name: string, partitions: number, configs: Record<string, string> = {}): Promise<string> {
  const res = await call(clients.admin, clients.admin.CreateTopics, { topics: [{ name, partitions, replicationFactor: 1, configs }] });
  const result = res.topics[0];
  if (result?.error != null) throw new Error(`CreateTopics ${name} failed: ${result.error.code} ${result.error.message}`);
  return result?.topicId ?? '';
}

/** Values `${prefix}-0..n-1` with keys `k-i`, one batch. */
export function batchOf(prefix: string, n: number, timestamp?: number): Buffer {
  const records: ProducerRecord[] = Array.from({ length: n }, (_, i) => ({
    key: Buffer.from(`k-${i}`),
    value: Buffer.from(`${prefix}-${i}`),
    ...(timestamp === undefined ? {} : { timestamp }),
  }));
  return encodeRecordBatch(records);
}

export { connect, call };
