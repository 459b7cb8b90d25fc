import { afterEach, describe, expect, it } from 'vitest';
import { batchSizeAt, readBatchHeader } from '@runnel/protocol';
import { join } from 'node:path';
import { DataDirectory, nodeStorageIo, parseLogConfig, type StorageIo } from '@runnel/storage';
import { batchOf, ReplicationTestCluster, valuesOf } from './replication-test-cluster.ts';

let cluster: ReplicationTestCluster | undefined;
let releaseWrites: (() => void) | undefined;
afterEach(async () => {
  releaseWrites?.();
  releaseWrites = undefined;
  await cluster?.close();
  cluster = undefined;
});

/** A file-I/O seam whose segment writes wait, while `hold` is set, until `release` is called. */
function gatedWrites(): { io: StorageIo; hold: () => void; release: () => void; held: () => number } {
  let holding = false;
  const waiting: Array<() => void> = [];
  const io: StorageIo = {
    ...nodeStorageIo,
    async open(path, flags) {
      const f = await nodeStorageIo.open(path, flags);
      if (!path.endsWith('.log')) return f;
      return {
        read: (b, o, l, p) => f.read(b, o, l, p), datasync: () => f.datasync(), sync: () => f.sync(), truncate: (l) => f.truncate(l), stat: () => f.stat(), close: () => f.close(),
        writev: async (b, p) => {
          if (holding) await new Promise<void>((resolve) => waiting.push(resolve));
          return f.writev(b, p);
        },
      };
    },
  };
  return {
    io,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const go of waiting.splice(0)) go();
    },
    held: () => waiting.length,
  };
}

describe('a leader deposed while its own append is still being written', () => {
  it('converges on the new leader once that append lands, instead of being stuck behind it', async () => {
    const gate = gatedWrites();
    releaseWrites = gate.release;
    const c = await ReplicationTestCluster.create({ io: (id) => (id === 0 ? gate.io : undefined) });
    cluster = c;
    const topic = await c.createTopic({ brokers: [0, 1, 2], minIsr: 2 });
    await Promise.all([0, 1, 2].map((id) => c.start(id)));
    const old = await c.leader(topic);
    expect(old.brokerId).toBe(0);
    await c.until('ISR of 3', () => old.status(topic, 0)!.state.isr.length === 3);
    await old.produce({ topic, partition: 0, records: batchOf(['committed']), acks: 'all', timeoutMs: 5000 });
    await c.until('every replica holds offset 0', () => [1, 2].every((id) => c.nodes.get(id)!.log(topic, 0)!.logEndOffset === 1));

    // Broker 0 hands out offset 1 to an append whose write does not finish yet (a slow disk, or a
    // process stopped mid-write).
    gate.hold();
    const stale = old.produce({ topic, partition: 0, records: batchOf(['stale-on-0']), acks: 'leader', timeoutMs: 5000 }).catch((e: unknown) => e);
    await c.until('the stale write to be in progress', () => gate.held() > 0);
    expect(old.log(topic, 0)!.logEndOffset).toBe(1);

    // Meanwhile broker 1 takes the partition (as after broker 0 missed its lease) and writes a
    // two-record batch at offset 1 in the new epoch.
    const current = (await c.store.partitions.get(`${topic}-0`))!;
    const b1 = c.nodes.get(1)!;
    await c.store.partitions.update(current.name, {
      ...current.value,
      holder: { id: 1, brokerEpoch: b1.brokerEpoch },
      leaderEpoch: current.value.leaderEpoch + 1,
      partitionEpoch: current.value.partitionEpoch + 1,
      epochStartOffset: 1,
      handoverTo: null,
    }, current.resourceVersion);
    await c.until('broker 1 leads', () => b1.status(topic, 0)?.role === 'leader');
    await c.until('broker 0 follows', () => old.status(topic, 0)?.role === 'follower');
    await b1.produce({ topic, partition: 0, records: batchOf(['new-1', 'new-2']), acks: 'leader', timeoutMs: 5000 });
    // Broker 0 fetches from the new leader (which answers at once: it has data) while its own
    // append at offset 1 is still unwritten.
    await new Promise((r) => setTimeout(r, 10 * c.timing.replicaFetchWaitMs));
    expect(old.log(topic, 0)!.logEndOffset).toBe(1);

    // The stale write lands (offset 1, old epoch). Broker 0 must cut it and copy the new leader's log.
    gate.release();
    await stale;
    await c.until('broker 0 converges on broker 1', () => old.status(topic, 0)?.logEndOffset === 3 && old.status(topic, 0)?.highWatermark === 3);
    const replica = await old.log(topic, 0)!.read(0, { maxBytes: 1 << 20 });
    expect(valuesOf(replica.records)).toEqual(['committed', 'new-1', 'new-2']);
    expect(old.log(topic, 0)!.leaderEpochs.entries()).toEqual(b1.log(topic, 0)!.leaderEpochs.entries());
  });

  it('a replica whose epoch cache already claims the new epoch for its stale record (as an earlier version left it) cuts that record and converges', async () => {
    const c = await ReplicationTestCluster.create();
    cluster = c;
    const topic = await c.createTopic({ brokers: [0, 1, 2], minIsr: 2 });
    await Promise.all([0, 1, 2].map((id) => c.start(id)));
    const first = await c.leader(topic);
    expect(first.brokerId).toBe(0);
    await c.until('ISR of 3', () => first.status(topic, 0)!.state.isr.length === 3);
    await first.produce({ topic, partition: 0, records: batchOf(['committed']), acks: 'all', timeoutMs: 5000 });
    await c.crash(0);
    const next = await c.leader(topic);
    expect(next.status(topic, 0)!.leaderEpoch).toBe(1);
    await next.produce({ topic, partition: 0, records: batchOf(['new-1', 'new-2']), acks: 'all', timeoutMs: 5000 });

    // Broker 0's disk: its own record at offset 1 (epoch 0), and an epoch cache that says epoch 1 starts there.
    const definition = (await c.store.topics.get(topic))!.value;
    const dir = await DataDirectory.open({ path: join(c.root, 'broker-0'), clusterId: 'test', brokerId: 0, logger: { warn: () => undefined, info: () => undefined, error: () => undefined } });
    const log = await dir.openPartition(topic, 0, definition.topicId, parseLogConfig({ ...definition.configs }));
    await log.append(batchOf(['stale-on-0']), { leaderEpoch: 0, assignOffsets: true });
    await log.leaderEpochs.assign(1, 1);
    await log.close();
    await dir.close({ clean: true });

    const restarted = await c.start(0);
    await c.until('broker 0 converges on the leader', () => restarted.status(topic, 0)?.logEndOffset === 3 && restarted.status(topic, 0)?.highWatermark === 3);
    const replica = await restarted.log(topic, 0)!.read(0, { maxBytes: 1 << 20 });
    expect(valuesOf(replica.records)).toEqual(['committed', 'new-1', 'new-2']);
    expect(restarted.log(topic, 0)!.leaderEpochs.entries()).toEqual(next.log(topic, 0)!.leaderEpochs.entries());
  });

  it('a deposed leader that fails over again starts its new epoch after its own append still being written, so its epoch cache matches its batches', async () => {
    const gate = gatedWrites();
    releaseWrites = gate.release;
    const c = await ReplicationTestCluster.create({ io: (id) => (id === 0 ? gate.io : undefined) });
    cluster = c;
    const topic = await c.createTopic({ brokers: [0, 1, 2], minIsr: 2 });
    await Promise.all([0, 1, 2].map((id) => c.start(id)));
    const old = await c.leader(topic);
    expect(old.brokerId).toBe(0);
    await c.until('ISR of 3', () => old.status(topic, 0)!.state.isr.length === 3);
    await old.produce({ topic, partition: 0, records: batchOf(['committed']), acks: 'all', timeoutMs: 5000 });
    await c.until('every replica holds offset 0', () => [1, 2].every((id) => c.nodes.get(id)!.log(topic, 0)!.logEndOffset === 1));
    gate.hold();
    const stale = old.produce({ topic, partition: 0, records: batchOf(['stale-on-0']), acks: 'leader', timeoutMs: 5000 }).catch((e: unknown) => e);
    await c.until('the stale write to be in progress', () => gate.held() > 0);
    // Broker 1 is named leader but dies at once, unreachable; broker 2 is gone too: broker 0 fails over again.
    c.network.isolate(1, true);
    await c.crash(2);
    const current = (await c.store.partitions.get(`${topic}-0`))!;
    const b1 = c.nodes.get(1)!;
    await c.store.partitions.update(current.name, {
      ...current.value,
      holder: { id: 1, brokerEpoch: b1.brokerEpoch },
      leaderEpoch: current.value.leaderEpoch + 1,
      partitionEpoch: current.value.partitionEpoch + 1,
      epochStartOffset: 1,
      handoverTo: null,
    }, current.resourceVersion);
    await c.until('broker 0 follows', () => old.status(topic, 0)?.role === 'follower');
    await c.crash(1);
    // Broker 1's Lease runs out while broker 0's own append is still unwritten.
    await new Promise((r) => setTimeout(r, 3 * c.timing.leaseDurationMs));
    gate.release();
    await stale;
    await c.until('broker 0 leads again', () => old.status(topic, 0)?.role === 'leader', 20_000);
    const log = old.log(topic, 0)!;
    const entries = log.leaderEpochs.entries();
    expect(entries.at(-1)).toEqual({ epoch: old.status(topic, 0)!.leaderEpoch, startOffset: log.logEndOffset });
    // Every batch carries the epoch the cache gives its offset.
    const { records } = await log.read(0, { maxBytes: 1 << 20 });
    for (let pos = 0; pos < records.length; pos += batchSizeAt(records, pos)) {
      const h = readBatchHeader(records, pos);
      expect(entries.findLast((e) => e.startOffset <= h.baseOffset)?.epoch).toBe(h.partitionLeaderEpoch);
    }
  });
});
