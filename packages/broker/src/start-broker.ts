import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { isMetadataStoreError, brokerRegistrationName, openKubernetesMetadataStore, type BrokerRegistration, type MetadataStore } from '@runnel/metadata';
import { RunnelError, loadRunnelGrpc } from '@runnel/protocol';
import diagnosticsChannel from 'node:diagnostics_channel';
import { DataDirectory, storageChannels, type FsyncEvent } from '@runnel/storage';
import { pino, type Logger } from 'pino';
import { adminServiceHandlers } from './admin-service.ts';
import type { BrokerContext, ReplicaDirectory } from './broker-context.ts';
import { BrokerMetrics } from './broker-metrics.ts';
import type { Broker, BrokerOptions } from './broker-options.ts';
import { ClusterView } from './cluster-view.ts';
import { GRPC_SERVER_OPTIONS } from './grpc-limits.ts';
import { FirstReplicaLeadership } from './leadership.ts';
import { LogMaintenance } from './log-maintenance.ts';
import { logServiceHandlers } from './log-service.ts';
import { startMetricsServer } from './metrics-server.ts';
import { PartitionRegistry } from './partition-registry.ts';
import { gatedHandlers } from './starting-gate.ts';
import { ProducerIdAllocator } from './replication/producer-id-allocator.ts';
import { systemClock } from './replication/clock.ts';
import { GrpcReplicaTransport, replicaServiceHandlers } from './replication/grpc-replica-transport.ts';
import { createReplicationNode, replicatedDirectory } from './replication/replication-node.ts';
import type { ReplicatedDirectory } from './replication/replicated-directory.ts';
import type { ReplicationNode } from './replication/replication-node-api.ts';
import { DEFAULT_REPLICATION_TIMING } from './replication/replication-timing.ts';

/** How long close() waits for calls to finish before cutting them off. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The service names health reports on ('' is the whole server, as Kubernetes probes ask). */
const HEALTH_SERVICES = ['', 'runnel.v1.Log', 'runnel.v1.Admin'] as const;

/**
 * Registers this broker incarnation: creates its record or bumps `brokerEpoch` by CAS (a
 * conflict means a concurrent write; re-read and retry). Returns the new brokerEpoch.
 */
async function registerBroker(store: MetadataStore, registration: Omit<BrokerRegistration, 'brokerEpoch'>): Promise<number> {
  const name = brokerRegistrationName(registration.id);
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await store.brokers.get(name);
    try {
      if (current === undefined) {
        await store.brokers.create(name, { ...registration, brokerEpoch: 1 });
        return 1;
      }
      const brokerEpoch = current.value.brokerEpoch + 1;
      await store.brokers.update(name, { ...registration, brokerEpoch }, current.resourceVersion);
      return brokerEpoch;
    } catch (err) {
      if (!isMetadataStoreError(err, 'CONFLICT') && !isMetadataStoreError(err, 'ALREADY_EXISTS')) throw err;
    }
  }
  throw new Error(`Cannot register broker ${registration.id}: its registration keeps changing under concurrent writes`);
}

let healthDefinition: protoLoader.PackageDefinition | undefined;

/**
 * Starts one broker: opens its data directory, serves Log and Admin (proto/runnel/v1), gRPC
 * health and server reflection on `host:port`, registers itself in the metadata store, opens the
 * partitions it hosts and then reports SERVING. Optional HTTP `/metrics`.
 */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const host = options.host ?? '127.0.0.1';
  const baseLogger = options.logger ?? pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'info' });
  const logger: Logger = baseLogger.child({ broker: options.brokerId });
  if (!Number.isInteger(options.brokerId) || options.brokerId < 0) throw new RangeError(`Invalid broker id ${options.brokerId}: expected an integer >= 0`);

  // On Kubernetes the broker opens (and owns) its store; replication is then always on (DESIGN.md §6).
  const ownStore = options.metadataStore === undefined;
  if (ownStore && options.kubernetes === undefined) throw new RangeError('startBroker needs metadataStore or kubernetes options');
  const store: MetadataStore = options.metadataStore ?? (await openKubernetesMetadataStore(options.kubernetes!));
  const replication = options.replication ?? (options.kubernetes !== undefined ? {} : undefined);
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
  // The registry (its leadership needs the brokerEpoch, known only after registration) comes later; metrics read it lazily.
  let registry: PartitionRegistry | undefined;
  // With replication (RF > 1 or Kubernetes), the replication node's partitions replace the registry.
  let replicated: ReplicatedDirectory | undefined;
  const metrics = new BrokerMetrics({
    brokerId: options.brokerId,
    defaultMetrics: options.defaultMetrics ?? true,
    source: {
      partitions: () => replicated?.partitions() ?? registry?.partitions() ?? [],
      get offlineCount() {
        return replicated?.offlineCount ?? registry?.offlineCount ?? 0;
      },
    },
  });

  // fsync latency comes from storage's diagnostics channel; several brokers may share a process,
  // so each counts only the logs it hosts.
  const onFsync = (message: unknown): void => {
    const event = message as FsyncEvent;
    if (registry?.hosts(event.log) === true || (replicated !== undefined && replicated.hosts(event.log))) metrics.fsyncDuration.observe(event.durationMs / 1000);
  };
  diagnosticsChannel.subscribe(storageChannels.fsync, onFsync);

  const server = new grpc.Server(GRPC_SERVER_OPTIONS);
  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING'])));
  const setHealth = (status: 'SERVING' | 'NOT_SERVING'): void => {
    for (const s of HEALTH_SERVICES) health.setStatus(s, status);
  };
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let node: ReplicationNode | undefined;
  let transport: GrpcReplicaTransport | undefined;
  try {
    const { runnel, packageDefinition } = loadRunnelGrpc();
    healthDefinition ??= protoLoader.loadSync(healthProtoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    health.addToServer(server);
    new ReflectionService({ ...packageDefinition, ...healthDefinition }).addToServer(server);
    // Every service exists before the port is bound; until the broker has started (which may
    // take a lease duration), Log and Admin answer a retriable BROKER_NOT_AVAILABLE.
    const gate: { log?: grpc.UntypedServiceImplementation; admin?: grpc.UntypedServiceImplementation; replica?: grpc.UntypedServiceImplementation } = {};
    const starting = (): RunnelError => new RunnelError('BROKER_NOT_AVAILABLE', `Broker ${options.brokerId} is starting; retry shortly`);
    server.addService(runnel.v1.Log.service, gatedHandlers(runnel.v1.Log.service, () => gate.log, starting));
    server.addService(runnel.v1.Admin.service, gatedHandlers(runnel.v1.Admin.service, () => gate.admin, starting));
    if (replication !== undefined) {
      server.addService(runnel.v1.Replica.service, gatedHandlers(runnel.v1.Replica.service, () => gate.replica, starting));
    }

    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${options.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err === null ? resolve(bound) : reject(err)));
    });
    let brokerEpoch: number;
    let directory: ReplicaDirectory;
    let producerIds: BrokerContext['producerIds'];
    if (replication !== undefined) {
      // DESIGN.md §6: the broker Lease replaces the registration; Lease elections replace FirstReplicaLeadership.
      transport = new GrpcReplicaTransport(store);
      const created = createReplicationNode({
        brokerId: options.brokerId,
        clock: systemClock,
        store: store,
        transport,
        openLog: (p) => dataDirectory.openPartition(p.topic, p.partition, p.topicId, p.config),
        deleteLog: (p) => dataDirectory.deletePartition(p.topic, p.partition, p.topicId),
        cleanStart: dataDirectory.wasCleanShutdown,
        registration: { host: options.advertisedHost ?? host, port, rack: options.rack ?? '', brokerUuid: dataDirectory.brokerUuid },
        timing: { ...DEFAULT_REPLICATION_TIMING, ...replication.timing },
        logger,
        observer: {
          ...metrics.replicationObserver(),
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
      brokerEpoch = created.brokerEpoch;
      replicated = replicatedDirectory(created, metrics);
      directory = replicated;
      producerIds = { next: () => created.initProducerId() };
    } else {
      brokerEpoch = await registerBroker(store, {
        id: options.brokerId,
        host: options.advertisedHost ?? host,
        port,
        rack: options.rack ?? '',
        brokerUuid: dataDirectory.brokerUuid,
      });
      const leadership = new FirstReplicaLeadership({ brokerId: options.brokerId, brokerEpoch, store: store });
      registry = new PartitionRegistry({ brokerId: options.brokerId, dataDirectory, view, metrics, logger, leadership });
      directory = registry;
      producerIds = new ProducerIdAllocator(options.brokerId, brokerEpoch);
    }
    const ctx: BrokerContext = {
      brokerId: options.brokerId,
      clusterId: options.clusterId,
      store: store,
      view,
      registry: directory,
      metrics,
      logger,
      shutdownSignal: shutdown.signal,
      producerIds,
      replicated: replication !== undefined,
    };
    await view.start(store);
    await registry?.start();
    gate.log = logServiceHandlers(ctx) as unknown as grpc.UntypedServiceImplementation;
    gate.admin = adminServiceHandlers(ctx) as unknown as grpc.UntypedServiceImplementation;
    const openRegistry = registry;
    const openNode = node;
    const maintenance = new LogMaintenance({
      // Retention on replicated partitions is not wired yet (followers must follow the leader's log start).
      replicas: () => openRegistry?.replicas() ?? [],
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
      await openNode?.close();
      transport?.close();
      await drainServer(server, closeOptions.signal);
      await maintenance.close();
      await openRegistry?.close();
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
          openNode?.crash();
          transport?.close();
          server.forceShutdown();
          await maintenance.close();
          await openRegistry?.close();
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
    server.forceShutdown();
    node?.crash();
    transport?.close();
    await registry?.close();
    await view.close();
    await metricsServer?.close();
    await dataDirectory.close({ clean: false });
    if (ownStore) await store.close();
    diagnosticsChannel.unsubscribe(storageChannels.fsync, onFsync);
    throw err;
  }
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
