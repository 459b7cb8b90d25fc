import {
  RunnelError,
  type AdminHandlers,
  type CreateTopicResult,
  type DeleteTopicResult,
  type PartitionDescription,
  type TopicDescription,
  type TopicSpec__Output,
} from '@runnel/protocol';
import { partitionError, requestError, type BrokerContext } from './broker-context.ts';
import { createTopic, deleteTopic, planTopic } from './topic-admin.ts';
import { MAX_PARTITIONS_PER_REQUEST, requireIntInRange } from './request-validation.ts';
import { restartCheckHandlers } from './restart-checks.ts';
import { deleteRecordsHandler } from './delete-records.ts';

/** How long CreateTopics waits for the new partitions to have leaders before answering anyway. */
const LEADER_WAIT_MS = 10_000;

/**
 * Resolves once every partition of the topic incarnation has a leader in the view (one that is this
 * broker serving it as leader, when the view names this broker) or is offline on this broker (its
 * log could not be opened: no leader will come), or after `timeoutMs`.
 */
export function waitForLeaders(ctx: BrokerContext, name: string, topicId: string, partitions: number, timeoutMs: number): Promise<void> {
  const isReady = (p: number): boolean => {
    if (ctx.partitions.offlineError(name, p) !== undefined) return true;
    const state = ctx.view.partition(name, p);
    if (state?.topicId !== topicId || state.holder === null) return false;
    if (state.holder.id !== ctx.brokerId) return true;
    // Led here: the view shows the election before this broker has opened the partition as leader
    // (opens go through a queue), and an answer then would send clients to a leader not serving yet.
    const local = ctx.partitions.leaderFor(name, p);
    return !(local instanceof RunnelError) && local.notLeaderError(ctx.brokerId) === undefined;
  };
  // Partitions below `from` were ready when last looked at: each change resumes the scan there
  // (a topic of n partitions would otherwise cost n scans of n), and once it reaches the end one
  // full pass confirms that none lost its leader meanwhile.
  let from = 0;
  const ready = (): boolean => {
    while (from < partitions && isReady(from)) from++;
    if (from < partitions) return false;
    for (let p = 0; p < partitions; p++) {
      if (!isReady(p)) {
        from = p;
        return false;
      }
    }
    return true;
  };
  if (ready()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      clearInterval(poll);
      unsubscribe();
      unsubscribeOffline();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    // This broker opening a partition as leader changes no view, so look again now and then too.
    const poll = setInterval(() => {
      if (ready()) done();
    }, 20);
    const unsubscribe = ctx.view.onChange((change) => {
      if (change.kind === 'partition' && change.name.startsWith(`${name}-`) && ready()) done();
    });
    const unsubscribeOffline = ctx.partitions.onOffline(() => {
      if (ready()) done();
    });
  });
}

async function createOne(ctx: BrokerContext, spec: TopicSpec__Output, validateOnly: boolean): Promise<CreateTopicResult> {
  try {
    const brokerIds = [...ctx.view.brokers.values()].map((b) => b.value.id);
    const topic = planTopic({ name: spec.name, partitions: spec.partitions, replicationFactor: spec.replicationFactor, configs: spec.configs }, brokerIds);
    if (ctx.view.topics.has(spec.name)) throw new RunnelError('TOPIC_ALREADY_EXISTS', `Topic ${spec.name} already exists`);
    if (validateOnly) return { name: spec.name, topicId: '' };
    await createTopic(ctx.store, topic);
    await waitForLeaders(ctx, topic.name, topic.topicId, topic.partitions, LEADER_WAIT_MS);
    ctx.logger.info({ topic: topic.name, topicId: topic.topicId, partitions: topic.partitions }, 'topic created');
    return { name: spec.name, topicId: topic.topicId };
  } catch (err) {
    return { name: spec.name, topicId: '', error: partitionError(ctx, 'CreateTopics', err) };
  }
}

async function deleteOne(ctx: BrokerContext, name: string): Promise<DeleteTopicResult> {
  try {
    await deleteTopic(ctx.store, name);
    ctx.logger.info({ topic: name }, 'topic deleted');
    return { name };
  } catch (err) {
    return { name, error: partitionError(ctx, 'DeleteTopics', err) };
  }
}

function describeOne(ctx: BrokerContext, name: string): TopicDescription {
  const topic = ctx.view.topics.get(name)?.value;
  if (topic === undefined) {
    return { name, topicId: '', configs: {}, partitions: [], error: partitionError(ctx, 'DescribeTopics', new RunnelError('UNKNOWN_TOPIC', `Topic ${JSON.stringify(name)} does not exist`)) };
  }
  const partitions: PartitionDescription[] = Array.from({ length: topic.partitions }, (_, partition) => {
    const state = ctx.view.partition(name, partition);
    const replica = ctx.partitions.get(name, partition);
    const log = replica?.topicId === topic.topicId ? replica.log : undefined;
    return {
      partition,
      leaderId: state?.holder?.id ?? -1,
      leaderEpoch: state?.leaderEpoch ?? -1,
      replicas: [...(state?.replicas ?? topic.assignments[partition] ?? [])],
      isr: (state?.isr ?? []).map((r) => r.id),
      logStartOffset: log?.logStartOffset ?? -1,
      logEndOffset: log?.logEndOffset ?? -1,
      highWatermark: log?.highWatermark ?? -1,
      sizeBytes: log?.sizeBytes ?? -1,
      segments: log?.segmentCount ?? -1,
    };
  });
  return { name, topicId: topic.topicId, configs: { ...topic.configs }, partitions };
}

/** The Admin service's handlers for one broker (local mode: topics live in the MetadataStore). */
export function adminServiceHandlers(ctx: BrokerContext): AdminHandlers {
  return {
    ...restartCheckHandlers(ctx),
    ...deleteRecordsHandler(ctx),
    DescribeCluster(_call, callback) {
      const stop = ctx.metrics.startTimer('DescribeCluster');
      const brokers = [...ctx.view.brokers.values()].map(({ value: b }) => ({ id: b.id, host: b.host, port: b.port, rack: b.rack }));
      callback(null, { clusterId: ctx.clusterId, brokerId: ctx.brokerId, brokers, metadataStore: ctx.store.kind });
      stop();
    },

    CreateTopics(call, callback) {
      const stop = ctx.metrics.startTimer('CreateTopics');
      try {
        requireIntInRange('number of topics', call.request.topics.length, 1, MAX_PARTITIONS_PER_REQUEST);
      } catch (err) {
        stop();
        callback(requestError(ctx, 'CreateTopics', err));
        return;
      }
      if (ctx.store.kind === 'kubernetes') {
        stop();
        callback(requestError(ctx, 'CreateTopics', new RunnelError('POLICY_VIOLATION', 'Topics are Kubernetes resources in this cluster: create a Topic object (kubectl apply) instead')));
        return;
      }
      // One at a time, in request order: two specs with the same name give one success, one TOPIC_ALREADY_EXISTS.
      void (async () => {
        const topics: CreateTopicResult[] = [];
        for (const spec of call.request.topics) topics.push(await createOne(ctx, spec, call.request.validateOnly));
        stop();
        callback(null, { topics });
      })();
    },

    DeleteTopics(call, callback) {
      const stop = ctx.metrics.startTimer('DeleteTopics');
      try {
        requireIntInRange('number of topics', call.request.names.length, 1, MAX_PARTITIONS_PER_REQUEST);
      } catch (err) {
        stop();
        callback(requestError(ctx, 'DeleteTopics', err));
        return;
      }
      if (ctx.store.kind === 'kubernetes') {
        stop();
        callback(requestError(ctx, 'DeleteTopics', new RunnelError('POLICY_VIOLATION', 'Topics are Kubernetes resources in this cluster: delete the Topic object (kubectl delete topic) instead')));
        return;
      }
      void (async () => {
        const topics: DeleteTopicResult[] = [];
        for (const name of call.request.names) topics.push(await deleteOne(ctx, name));
        stop();
        callback(null, { topics });
      })();
    },

    DescribeTopics(call, callback) {
      const stop = ctx.metrics.startTimer('DescribeTopics');
      const names = call.request.names.length > 0 ? call.request.names : [...ctx.view.topics.keys()].sort();
      callback(null, { topics: names.map((name) => describeOne(ctx, name)) });
      stop();
    },
  };
}
