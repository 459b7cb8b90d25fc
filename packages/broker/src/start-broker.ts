import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { openKubernetesMetadataStore, type MetadataStore } from '@runnel/metadata';
import { RunnelError, loadRunnelGrpc } from '@runnel/protocol';
import diagnosticsChannel from 'node:diagnostics_channel';
import { DataDirectory, storageChannels, type FsyncEvent } from '@runnel/storage';
import { pino, type Logger } from 'pino';
import { adminServiceHandlers } from './admin-service.ts';
import { addServerReflection } from './server-reflection.ts';
import type { BrokerContext } from './broker-context.ts';
import { BrokerMetrics } from './broker-metrics.ts';
import type { Broker, BrokerOptions } from './broker-options.ts';
import { ClusterView } from './cluster-view.ts';
import { GRPC_SERVER_OPTIONS, RECEIVE_WINDOW_BYTES } from './grpc-limits.ts';
import { widenServerReceiveWindow } from './grpc-window.ts';
import { LogMaintenance } from './log-maintenance.ts';
import { GroupMetrics } from './group/group-metrics.ts';
import { startGroupService, type GroupService } from './group-service.ts';
import { logServiceHandlers } from './log-service.ts';
import { startMetricsServer } from './metrics-server.ts';
import { gatedHandlers } from './starting-gate.ts';
import { systemClock } from './replication/clock.ts';
import { GrpcReplicaTransport, replicaServiceHandlers } from './replication/grpc-replica-transport.ts';
import type { PartitionDirectory } from './replication/partition-directory.ts';
import { createReplicationNode } from './replication/replication-node.ts';
import { validateTopicDefaults } from './topic-settings.ts';
import type { ReplicationNode } from './replication/replication-node-api.ts';
import { DEFAULT_REPLICATION_TIMING } from './replication/replication-timing.ts';

/** How long close() waits for calls to finish before cutting them off. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The service names health reports on ('' is the whole server, as Kubernetes probes ask). */
const HEALTH_SERVICES = ['', 'runnel.v1.Log', 'runnel.v1.Admin', 'runnel.v1.Group'] as const;


/**
 * Starts one broker: opens its data directory, serves Log, Admin and Replica (proto/runnel/v1),
 * gRPC health and server reflection on `host:port`, starts its replication node (which takes the
 * broker Lease and opens the partitions it hosts, RF=1 ones included), and then reports SERVING.
 * Optional HTTP `/metrics`.
 */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const host = options.host ?? '127.0.0.1';
  const baseLogger = options.logger ?? pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'info' });
  const logger: Logger = baseLogger.child({ broker: options.brokerId });
  if (!Number.isInteger(options.brokerId) || options.brokerId < 0) throw new RangeError(`Invalid broker id ${options.brokerId}: expected an integer >= 0`);
  if (options.topicDefaults !== undefined) validateTopicDefaults(options.topicDefaults);

  // On Kubernetes the broker opens (and owns) its store.
  const ownStore = options.metadataStore === undefined;
  if (ownStore && options.kubernetes === undefined) throw new RangeError('startBroker needs metadataStore or kubernetes options');
  const store: MetadataStore = options.metadataStore ?? (await openKubernetesMetadataStore(options.kubernetes!));
  const dataDirectory = await DataDirectory.open({
    path: options.dataDir,
    clusterId: options.clusterId,
    brokerId: options.brokerId,
    logger,
    ...(options.storageIo === undefined ? {} : { io: options.storageIo }),
  });
  if (!dataDirectory.wasCleanShutdown && (await dataDirectory.listPartitions()).length > 0) {
    logger.warn({ dataDir: options.dataDir }, 'no clean-shutdown marker: partition logs were recovered');
  }

  const shutdown = new AbortController();
  const view = new ClusterView(logger);
  // The node's partition directory exists once the node is built (below); metrics read it lazily.
  let directory: PartitionDirectory | undefined;
  const metrics = new BrokerMetrics({
    brokerId: options.brokerId,
    defaultMetrics: options.defaultMetrics ?? true,
    dataDir: options.dataDir,
    source: {
      partitions: () => directory?.partitions() ?? [],
      get offlineCount() {
        return directory?.offlineCount ?? 0;
      },
    },
  });

  // fsync latency comes from storage's diagnostics channel; several brokers may share a process,
  // so each counts only the logs it hosts.
  const onFsync = (message: unknown): void => {
    const event = message as FsyncEvent;
    if (directory?.hosts(event.log) === true) metrics.fsyncDuration.observe(event.durationMs / 1000);
  };
  diagnosticsChannel.subscribe(storageChannels.fsync, onFsync);

  const server = new grpc.Server(GRPC_SERVER_OPTIONS);
  widenServerReceiveWindow(server, RECEIVE_WINDOW_BYTES, 'constructed');
  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING'])));
  const setHealth = (status: 'SERVING' | 'NOT_SERVING'): void => {
    for (const s of HEALTH_SERVICES) health.setStatus(s, status);
  };
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let node: ReplicationNode | undefined;
  let transport: GrpcReplicaTransport | undefined;
  let groups: GroupService | undefined;
  try {
    const { runnel } = loadRunnelGrpc();
    health.addToServer(server);
    addServerReflection(server, ['grpc.health.v1.Health', 'runnel.v1.Log', 'runnel.v1.Admin', 'runnel.v1.Replica', 'runnel.v1.Group']);
    // Every service exists before the port is bound; until the broker has started (which may
    // take a lease duration), Log and Admin answer a retriable BROKER_NOT_AVAILABLE.
    const gate: { log?: grpc.UntypedServiceImplementation; admin?: grpc.UntypedServiceImplementation; replica?: grpc.UntypedServiceImplementation; group?: grpc.UntypedServiceImplementation } = {};
    const starting = (): RunnelError => new RunnelError('BROKER_NOT_AVAILABLE', `Broker ${options.brokerId} is starting; retry shortly`);
    server.addService(runnel.v1.Log.service, gatedHandlers(runnel.v1.Log.service, () => gate.log, starting));
    server.addService(runnel.v1.Admin.service, gatedHandlers(runnel.v1.Admin.service, () => gate.admin, starting));
    server.addService(runnel.v1.Replica.service, gatedHandlers(runnel.v1.Replica.service, () => gate.replica, starting));
    server.addService(runnel.v1.Group.service, gatedHandlers(runnel.v1.Group.service, () => gate.group, starting));

    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${options.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err)));
    });
    widenServerReceiveWindow(server, RECEIVE_WINDOW_BYTES, 'bound');
    // DESIGN.md §6: the broker Lease registers this incarnation; Lease elections decide every leader (RF=1 included).
    transport = new GrpcReplicaTransport(store);
    const timing = { ...DEFAULT_REPLICATION_TIMING, ...options.replication?.timing };
    const created = createReplicationNode({
      brokerId: options.brokerId,
      clock: systemClock,
      store: store,
      transport,
      openLog: (p) => dataDirectory.openPartition(p.topic, p.partition, p.topicId, p.config),
      deleteLog: (p) => dataDirectory.deletePartition(p.topic, p.partition, p.topicId),
      cleanStart: dataDirectory.wasCleanShutdown,
      registration: { host: options.advertisedHost ?? host, port, rack: options.rack ?? '', brokerUuid: dataDirectory.brokerUuid },
      timing,
      ...(options.topicDefaults ? { topicDefaults: options.topicDefaults } : {}),
      // The memory store lives in this process: a Lease left by a crash is no live incarnation's.
      exclusiveStore: store.kind === 'local',
      metrics,
      logger,
      observer: {
        ...metrics.replicationObserver(timing),
        fenced: (err) => {
          // Another incarnation holds our broker Lease: this one must stop serving (the process should exit).
          setHealth('NOT_SERVING');
          logger.fatal({ err }, 'broker fenced: another incarnation holds the broker Lease; serving nothing');
        },
      },
    });
    node = created;
    // Peers may fetch as soon as the node has its broker Lease (start() needs their answers).
    gate.replica = replicaServiceHandlers(created, shutdown.signal) as unknown as grpc.UntypedServiceImplementation;
    await created.start(shutdown.signal);
    const brokerEpoch = created.brokerEpoch;
    directory = created.directory;
    await removeStrayDirectories(dataDirectory, store, directory, logger);
    const ctx: BrokerContext = {
      brokerId: options.brokerId,
      clusterId: options.clusterId,
      store: store,
      view,
      partitions: directory,
      metrics,
      logger,
      shutdownSignal: shutdown.signal,
      producerIds: { next: () => created.initProducerId() },
      ...(options.topicDefaults ? { topicDefaults: options.topicDefaults } : {}),
    };
    await view.start(store);
    gate.log = logServiceHandlers(ctx) as unknown as grpc.UntypedServiceImplementation;
    gate.admin = adminServiceHandlers(ctx) as unknown as grpc.UntypedServiceImplementation;
    const groupMetrics = new GroupMetrics(metrics.registry);
    const groupService = startGroupService(ctx, options.groups, groupMetrics.observer);
    groups = groupService;
    groupMetrics.setSource(groupService.metricsSource);
    gate.group = groupService.handlers as unknown as grpc.UntypedServiceImplementation;
    const openNode = created;
    const openDirectory = directory;
    const maintenance = new LogMaintenance({
      replicas: () => openDirectory.maintained(),
      logger,
      ...(options.logMaintenanceIntervalMs === undefined ? {} : { intervalMs: options.logMaintenanceIntervalMs }),
    });
    if (options.metricsPort !== undefined) metricsServer = await startMetricsServer(metrics.registry, options.metricsHost ?? host, options.metricsPort);
    maintenance.start();
    setHealth('SERVING');
    const address = `${host}:${port}`;
    logger.info({ address, brokerEpoch, metrics: metricsServer?.address }, 'broker started');

    let closing: Promise<void> | undefined;
    const close = async (closeOptions: { signal?: AbortSignal } = {}): Promise<void> => {
      setHealth('NOT_SERVING');
      shutdown.abort();
      // Rule 12 first (hand over leaderships while followers can still fetch from us), then drain.
      groupService.close();
      await maintenance.close();
      await openNode.close();
      transport?.close();
      await drainServer(server, closeOptions.signal);
      await view.close();
      await dataDirectory.close({ clean: true });
      if (ownStore) await store.close();
      await metricsServer?.close();
      diagnosticsChannel.unsubscribe(storageChannels.fsync, onFsync);
      logger.info('broker stopped cleanly');
    };
    return {
      id: options.brokerId,
      address,
      ...(metricsServer === undefined ? {} : { metricsAddress: metricsServer.address }),
      close(closeOptions) {
        closing ??= close(closeOptions);
        return closing;
      },
      kill() {
        closing ??= (async () => {
          setHealth('NOT_SERVING');
          shutdown.abort();
          groupService.close();
          openNode.crash();
          transport?.close();
          server.forceShutdown();
          await maintenance.close();
          await view.close();
          await dataDirectory.close({ clean: false });
          if (ownStore) await store.close();
          await metricsServer?.close();
          diagnosticsChannel.unsubscribe(storageChannels.fsync, onFsync);
          logger.warn('broker killed');
        })();
        return closing;
      },
    };
  } catch (err) {
    shutdown.abort();
    groups?.close();
    server.forceShutdown();
    node?.crash();
    transport?.close();
    await view.close();
    await metricsServer?.close();
    await dataDirectory.close({ clean: false });
    if (ownStore) await store.close();
    diagnosticsChannel.unsubscribe(storageChannels.fsync, onFsync);
    throw err;
  }
}

/**
 * Deletes partition directories of earlier incarnations of a topic (deleted and recreated while
 * this broker was down). Directories of topics the metadata does not know at all are kept and
 * reported: a lost or wrong metadata store must never make a broker wipe its data.
 */
async function removeStrayDirectories(dataDirectory: DataDirectory, store: MetadataStore, partitions: PartitionDirectory, logger: Logger): Promise<void> {
  const topics = new Map((await store.topics.list()).items.map((t) => [t.value.name, t.value.topicId]));
  for (const dir of await dataDirectory.listPartitions()) {
    const hosted = partitions.get(dir.topic, dir.partition);
    if (hosted !== undefined && topicIdPrefix(hosted.topicId) === dir.topicIdPrefix) continue;
    const topicId = topics.get(dir.topic);
    if (topicId !== undefined && topicIdPrefix(topicId) !== dir.topicIdPrefix) {
      await dataDirectory.deletePartition(dir.topic, dir.partition, dir.topicIdPrefix);
      logger.info({ dir: dir.dir }, 'deleted the partition directory of an earlier incarnation of the topic');
    } else if (topicId === undefined) {
      logger.warn({ dir: dir.dir }, 'partition directory of a topic unknown to the metadata store; kept');
    }
  }
}

/** The 8 hex digits of a topic id used in directory names. */
function topicIdPrefix(topicId: string): string {
  return topicId.replaceAll('-', '').slice(0, 8).toLowerCase();
}

/** Stops accepting calls and waits for running ones (bounded by a grace period or `signal`), then cuts the rest off. */
function drainServer(server: grpc.Server, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const force = (): void => {
      server.forceShutdown();
      done();
    };
    const timer = setTimeout(force, SHUTDOWN_GRACE_MS);
    signal?.addEventListener('abort', force, { once: true });
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', force);
      resolve();
    };
    if (signal?.aborted === true) force();
    server.tryShutdown(() => done());
  });
}

