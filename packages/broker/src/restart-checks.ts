import type { PartitionState } from '@runnel/metadata';
import { brokerRegistrationName } from '@runnel/metadata';
import type { AdminHandlers, PartitionAtRisk } from '@runnel/protocol';
import type { BrokerContext } from './broker-context.ts';
import { minIsrOf as topicMinIsr } from './topic-settings.ts';

/** min.insync.replicas of a topic as the broker enforces it (its own, else the cluster default, else 1). */
function minIsrOf(ctx: BrokerContext, topic: string): number {
  const definition = ctx.view.topics.get(topic)?.value;
  return definition === undefined ? 1 : topicMinIsr(definition, ctx.topicDefaults);
}

/**
 * The partitions this broker replicates, from the broker's view of the partition states: only
 * those of a topic that exists (a retained partition of a deleted topic is not served, so it
 * neither blocks nor waits for a restart).
 */
function ownPartitions(ctx: BrokerContext): PartitionState[] {
  return [...ctx.view.partitions.values()].map((v) => v.value).filter((p) => p.replicas.includes(ctx.brokerId) && ctx.view.topics.get(p.topic)?.value.topicId === p.topicId);
}

/**
 * `PreRestartCheck`: would stopping this broker now take any partition it is in the ISR of below
 * its min.insync.replicas, or leave it without an in-sync replica?
 */
export function preRestartCheck(ctx: BrokerContext): { safe: boolean; atRisk: PartitionAtRisk[]; leaderships: number } {
  const atRisk: PartitionAtRisk[] = [];
  let leaderships = 0;
  for (const p of ownPartitions(ctx)) {
    if (p.holder?.id === ctx.brokerId) leaderships++;
    if (!p.isr.some((r) => r.id === ctx.brokerId)) continue;
    const remaining = p.isr.length - 1;
    const minIsr = minIsrOf(ctx, p.topic);
    if (remaining < 1 || remaining < minIsr) {
      atRisk.push({
        topic: p.topic,
        partition: p.partition,
        isrSize: p.isr.length,
        minInsyncReplicas: minIsr,
        reason: remaining < 1 ? 'this broker is its last in-sync replica' : `ISR ${p.isr.length} → ${remaining} below min.insync.replicas ${minIsr}`,
      });
    }
  }
  return { safe: atRisk.length === 0, atRisk, leaderships };
}

/** `PostRestartCheck`: is this broker's current incarnation in the ISR of every partition it replicates? */
export function postRestartCheck(ctx: BrokerContext): { caughtUp: boolean; partitions: number; inSync: number; lagging: PartitionAtRisk[] } {
  const epoch = ctx.view.brokers.get(brokerRegistrationName(ctx.brokerId))?.value.brokerEpoch;
  const own = ownPartitions(ctx);
  const lagging: PartitionAtRisk[] = [];
  for (const p of own) {
    if (p.isr.some((r) => r.id === ctx.brokerId && (epoch === undefined || r.brokerEpoch === epoch))) continue;
    lagging.push({ topic: p.topic, partition: p.partition, isrSize: p.isr.length, minInsyncReplicas: minIsrOf(ctx, p.topic), reason: 'not in the ISR yet' });
  }
  return { caughtUp: lagging.length === 0 && epoch !== undefined, partitions: own.length, inSync: own.length - lagging.length, lagging };
}

/** The Admin handlers of the two restart checks. */
export function restartCheckHandlers(ctx: BrokerContext): Pick<AdminHandlers, 'PreRestartCheck' | 'PostRestartCheck'> {
  return {
    PreRestartCheck(_call, callback) {
      callback(null, preRestartCheck(ctx));
    },
    PostRestartCheck(_call, callback) {
      callback(null, postRestartCheck(ctx));
    },
  };
}
