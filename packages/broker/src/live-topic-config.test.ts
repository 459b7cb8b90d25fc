// Topic configs apply live: a changed Topic definition in the store reaches the open partitions
// of the running replication nodes, with no restart (issue 9: "config changes apply live").
import { afterEach, describe, expect, it } from 'vitest';
import { RunnelError } from '@runnel/protocol';
import { batchOf, ReplicationTestCluster } from './replication/replication-test-cluster.ts';

let cluster: ReplicationTestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function setConfigs(c: ReplicationTestCluster, topic: string, configs: Record<string, string>): Promise<void> {
  const current = (await c.store.topics.get(topic))!;
  await c.store.topics.update(topic, { ...current.value, configs }, current.resourceVersion);
}

describe('live topic configs', () => {
  it('a raised min.insync.replicas refuses acks=all at once, a lowered one accepts it again, and retention reaches the log, all on the same node incarnation', async () => {
    const c = await ReplicationTestCluster.create();
    cluster = c;
    const topic = await c.createTopic({ brokers: [0, 1, 2], minIsr: 1 });
    await Promise.all([0, 1, 2].map((id) => c.start(id)));
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    const followers = [0, 1, 2].filter((id) => id !== leader.brokerId);
    await c.crash(followers[0]!);
    await c.until('ISR of 2', () => leader.status(topic, 0)!.state.isr.length === 2);
    await leader.produce({ topic, partition: 0, records: batchOf(['with-min-isr-1']), acks: 'all', timeoutMs: 5000 });
    const epoch = leader.brokerEpoch;

    await setConfigs(c, topic, { 'min.insync.replicas': '3', 'retention.ms': '60000' });
    // Both settings are applied together: the log's retention shows when they arrived.
    await c.until('new configs applied', () => leader.log(topic, 0)!.config.retentionMs === 60_000);
    const refused = await leader.produce({ topic, partition: 0, records: batchOf(['refused']), acks: 'all', timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RunnelError);
    expect((refused as RunnelError).code).toBe('NOT_ENOUGH_REPLICAS');

    await setConfigs(c, topic, { 'min.insync.replicas': '2', 'retention.ms': '120000' });
    await c.until('lowered min.insync.replicas applied', () => leader.log(topic, 0)!.config.retentionMs === 120_000);
    await leader.produce({ topic, partition: 0, records: batchOf(['accepted-again']), acks: 'all', timeoutMs: 5000 });
    expect(leader.brokerEpoch).toBe(epoch);
  });

  it('keeps the current settings when the new configs are invalid', async () => {
    const c = await ReplicationTestCluster.create();
    cluster = c;
    const topic = await c.createTopic({ brokers: [0], minIsr: 1, configs: { 'retention.ms': '1000' } });
    const node = await c.start(0);
    await c.leader(topic);
    await setConfigs(c, topic, { 'min.insync.replicas': '1', 'retention.ms': 'soon' });
    await setConfigs(c, topic, { 'min.insync.replicas': '1', 'retention.ms': 'soon', 'segment.ms': '5000' });
    await new Promise((r) => setTimeout(r, 200));
    expect(node.log(topic, 0)!.config.retentionMs).toBe(1000);
    expect(node.log(topic, 0)!.config.segmentMs).not.toBe(5000);
    await node.produce({ topic, partition: 0, records: batchOf(['still-served']), acks: 'all', timeoutMs: 5000 });
  });
});
