import {
  RunnelError,
  type ListOffsetsPartition__Output,
  type ListOffsetsPartitionResponse,
  type LogHandlers,
  type MetadataResponse,
  type TopicMetadata,
} from '@runnel/protocol';
import { validateTopicName } from '@runnel/metadata';
import { partitionError, requestError, type BrokerContext } from './broker-context.ts';
import { readBuffers, serveFetch } from './fetch-handler.ts';
import { checkProduceRequest, runProduce } from './produce-handler.ts';
import { servePipelined } from './pipelined-serve.ts';
import { serveProduceStream } from './produce-stream.ts';
import { MAX_PARTITIONS_PER_REQUEST, requireIntInRange, requireNonEmpty } from './request-validation.ts';
import { serveTail } from './tail-handler.ts';

/** The abort reason of a cancelled call: one shared object, so aborting captures no stack. */
const CALL_CANCELLED = new RunnelError('CANCELLED', 'The call was cancelled by the client or its deadline passed');

/**
 * An AbortSignal that fires when a gRPC call is cancelled by the client (or its deadline passes),
 * and `done`, to call once the call is answered: grpc-js emits 'cancelled' after every status it
 * sends, so a listener left in place would abort (and allocate) once per completed call.
 */
function callSignal(call: NodeJS.EventEmitter & { readonly cancelled: boolean }): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onCancel = (): void => controller.abort(CALL_CANCELLED);
  if (call.cancelled) controller.abort(CALL_CANCELLED);
  else call.once('cancelled', onCancel);
  return { signal: controller.signal, done: () => call.off('cancelled', onCancel) };
}

/** The brokers, topics and partitions this broker knows, from its metadata view. */
export function describeMetadata(ctx: BrokerContext, topics: readonly string[]): MetadataResponse {
  const brokers = [...ctx.view.brokers.values()].map(({ value: b }) => ({ id: b.id, host: b.host, port: b.port, rack: b.rack }));
  const names = topics.length > 0 ? topics : [...ctx.view.topics.keys()].sort();
  const result: TopicMetadata[] = names.map((name) => {
    const topic = ctx.view.topics.get(name)?.value;
    if (topic === undefined) {
      let problem = new RunnelError('UNKNOWN_TOPIC', `Topic ${JSON.stringify(name)} does not exist`);
      try {
        validateTopicName(name);
      } catch (err) {
        problem = err as RunnelError;
      }
      return { name, topicId: '', error: partitionError(ctx, 'Metadata', problem), partitions: [] };
    }
    const partitions = Array.from({ length: topic.partitions }, (_, partition) => {
      const state = ctx.view.partition(name, partition);
      if (state === undefined || state.topicId !== topic.topicId) {
        return { partition, leaderId: -1, leaderEpoch: -1, replicas: [...(topic.assignments[partition] ?? [])], isr: [], offlineReplicas: [],
          error: partitionError(ctx, 'Metadata', new RunnelError('LEADER_NOT_AVAILABLE', `Partition ${name}-${partition} is being created`)) };
      }
      const leaderId = state.holder?.id ?? -1;
      // A replica here whose log cannot be opened: clients fail fast on its STORAGE_ERROR instead of waiting for a leader.
      const offline = ctx.partitions.offlineError(name, partition);
      const offlineReplicas = state.replicas.filter((id) => !ctx.view.brokers.has(String(id)) || (offline !== undefined && id === ctx.brokerId));
      let error;
      if (offline !== undefined && (leaderId < 0 || leaderId === ctx.brokerId)) error = partitionError(ctx, 'Metadata', offline);
      else if (leaderId < 0) error = partitionError(ctx, 'Metadata', new RunnelError('LEADER_NOT_AVAILABLE', `Partition ${name}-${partition} has no leader yet`));
      return {
        partition,
        leaderId,
        leaderEpoch: state.leaderEpoch,
        replicas: [...state.replicas],
        isr: state.isr.map((r) => r.id),
        offlineReplicas,
        ...(error === undefined ? {} : { error }),
      };
    });
    return { name, topicId: topic.topicId, partitions };
  });
  return { clusterId: ctx.clusterId, brokers, topics: result };
}

async function listOffset(ctx: BrokerContext, p: ListOffsetsPartition__Output): Promise<ListOffsetsPartitionResponse> {
  const base = { topic: p.topic, partition: p.partition, offset: -1, timestamp: -1, leaderEpoch: -1 };
  const replica = ctx.partitions.leaderForRead(p.topic, p.partition);
  if (replica instanceof RunnelError) return { ...base, error: partitionError(ctx, 'ListOffsets', replica) };
  const leaderEpoch = replica.state.leaderEpoch;
  const log = replica.log;
  switch (String(p.spec)) {
    case 'OFFSET_SPEC_EARLIEST':
      return { ...base, offset: log.logStartOffset, leaderEpoch };
    case 'OFFSET_SPEC_LATEST':
      // Latest is the HW: consumers never see uncommitted offsets.
      return { ...base, offset: log.highWatermark, leaderEpoch };
    case 'OFFSET_SPEC_TIMESTAMP': {
      if (!Number.isSafeInteger(p.timestamp) || p.timestamp < 0) {
        return { ...base, error: partitionError(ctx, 'ListOffsets', new RunnelError('INVALID_REQUEST', `Invalid timestamp ${p.timestamp} for ${replica.name}: expected milliseconds since the epoch, >= 0`)) };
      }
      try {
        const found = await log.offsetForTimestamp(p.timestamp);
        if (found === null || found.offset >= log.highWatermark) return { ...base, leaderEpoch };
        return { ...base, offset: found.offset, timestamp: found.timestamp, leaderEpoch };
      } catch (err) {
        return { ...base, error: partitionError(ctx, 'ListOffsets', err) };
      }
    }
    default:
      return { ...base, error: partitionError(ctx, 'ListOffsets', new RunnelError('INVALID_REQUEST', `Invalid offset spec ${String(p.spec)} for ${replica.name}: expected EARLIEST, LATEST or TIMESTAMP`)) };
  }
}

/** The Log service's handlers for one broker. */
export function logServiceHandlers(ctx: BrokerContext): LogHandlers {
  return {
    Metadata(call, callback) {
      const stop = ctx.metrics.startTimer('Metadata');
      try {
        requireIntInRange('number of topics', call.request.topics.length, 0, MAX_PARTITIONS_PER_REQUEST);
        callback(null, describeMetadata(ctx, call.request.topics));
      } catch (err) {
        callback(requestError(ctx, 'Metadata', err));
      }
      stop();
    },

    Produce(call, callback) {
      const stop = ctx.metrics.startTimer('Produce');
      let checked;
      try {
        checked = checkProduceRequest(call.request);
      } catch (err) {
        stop();
        callback(requestError(ctx, 'Produce', err));
        return;
      }
      const running = runProduce(ctx, 'Produce', call.request, checked);
      if (checked.acks === 'none') {
        stop();
        callback(null, { correlationId: call.request.correlationId, partitions: [] });
        return;
      }
      void running.then((response) => {
        stop();
        callback(null, response);
      });
    },

    ProduceStream(call) {
      serveProduceStream(ctx, call);
    },

    Fetch(call, callback) {
      const stop = ctx.metrics.startTimer('Fetch');
      const leased: Buffer[] = [];
      const cancel = callSignal(call);
      serveFetch(ctx, call.request, cancel.signal, leased).then(
        (response) => {
          stop();
          cancel.done();
          callback(null, response);
          // grpc-js has serialized (copied) the response within callback(): the buffers are free.
          readBuffers.release(leased);
        },
        (err: unknown) => {
          stop();
          cancel.done();
          readBuffers.release(leased);
          callback(requestError(ctx, 'Fetch', err));
        },
      );
    },

    FetchStream(call) {
      servePipelined(call, {
        handle: (request, signal, leased) => serveFetch(ctx, request, signal, leased, 'FetchStream'),
        toStatus: (err) => requestError(ctx, 'FetchStream', err),
        startTimer: () => ctx.metrics.startTimer('FetchStream'),
        shutdown: ctx.shutdownSignal,
      });
    },

    Tail(call) {
      const stop = ctx.metrics.startTimer('Tail');
      serveTail(ctx, call).then(stop, (err: unknown) => {
        stop();
        call.emit('error', requestError(ctx, 'Tail', err));
      });
    },

    ListOffsets(call, callback) {
      const stop = ctx.metrics.startTimer('ListOffsets');
      try {
        requireNonEmpty('partitions', call.request.partitions);
        requireIntInRange('number of partitions', call.request.partitions.length, 1, MAX_PARTITIONS_PER_REQUEST);
      } catch (err) {
        stop();
        callback(requestError(ctx, 'ListOffsets', err));
        return;
      }
      void Promise.all(call.request.partitions.map((p) => listOffset(ctx, p))).then((partitions) => {
        stop();
        callback(null, { partitions });
      });
    },

    InitProducerId(call, callback) {
      const stop = ctx.metrics.startTimer('InitProducerId');
      try {
        if (call.request.transactionalId !== '') throw new RunnelError('NOT_SUPPORTED', 'Transactions are not supported: transactional_id must be empty');
        callback(null, ctx.producerIds.next());
      } catch (err) {
        callback(requestError(ctx, 'InitProducerId', err));
      }
      stop();
    },
  };
}
