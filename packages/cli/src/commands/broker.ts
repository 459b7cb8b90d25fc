import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RunnelError } from '@runnel/protocol';
import { LOCAL_METADATA_HISTORY_MAX_AGE_MS, startBroker, validateTopicDefaults } from '@runnel/broker';
import { MemoryMetadataStore, openKubernetesMetadataStore, type MetadataStore } from '@runnel/metadata';
import { choiceFlag, intFlag, parse, type Options } from '../args.ts';
import { createLogger } from '../logger.ts';
import { UsageError } from '../usage-error.ts';
import { untilShutdownSignal } from '../shutdown.ts';

export const BROKER_USAGE = `Usage: runnel broker [options]

Runs one broker process (gRPC Log + Admin services, /metrics).

Options:
  --id N               broker id (default 0)
  --host HOST          listen address (default 127.0.0.1)
  --port PORT          gRPC port, 0 = any free port (default 9092)
  --advertised-host H  host name given to clients (default --host)
  --data-dir DIR       data directory (default ./.runnel/broker-<id>); holds the broker's log
                       under data/ and, with --metadata memory, the store as metadata.json
  --cluster-id ID      cluster id (default runnel-local)
  --metadata STORE     where topics, leaders and ISRs live: memory (a file in the data dir, one
                       broker only) or kubernetes (Leases and Topic resources; default memory)
  --namespace NS       kubernetes: namespace of the Leases and Topics (default: the pod's
                       namespace in a cluster; required elsewhere)
  --cluster NAME       kubernetes: the Runnel cluster's name, prefix of its Leases
                       (default --cluster-id)
  --kubeconfig PATH    kubernetes: credentials (default $KUBECONFIG, ~/.kube/config, or the pod's
                       service account)
  --metrics-port PORT  serve Prometheus /metrics on this port (default: off)
  --rack RACK          this broker's rack (zone), given to clients and used by rack-aware
                       placement (default: none; an empty value means none)
  --topic-default K=V  a cluster-wide topic config default, repeatable: retention.ms,
                       retention.bytes, min.insync.replicas, durability, ... A topic's own
                       configs win; a default min.insync.replicas is capped at the topic's RF
  -h, --help           show this help`;

const OPTIONS: Options = {
  id: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'advertised-host': { type: 'string' },
  'data-dir': { type: 'string' },
  'cluster-id': { type: 'string' },
  metadata: { type: 'string' },
  namespace: { type: 'string' },
  cluster: { type: 'string' },
  kubeconfig: { type: 'string' },
  'metrics-port': { type: 'string' },
  rack: { type: 'string' },
  'topic-default': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
};

/** `runnel broker`: one broker in this process until SIGINT/SIGTERM, then a clean shutdown. */
export async function brokerCommand(argv: string[]): Promise<number> {
  const p = parse(argv, OPTIONS, BROKER_USAGE, 0);
  if (p.values['help']) {
    process.stdout.write(`${BROKER_USAGE}\n`);
    return 0;
  }
  const id = intFlag(p, 'id', BROKER_USAGE, 0, 0, 2 ** 31 - 1);
  const port = intFlag(p, 'port', BROKER_USAGE, 9092, 0, 65535);
  const host = (p.values['host'] as string | undefined) ?? '127.0.0.1';
  const dataDir = resolve((p.values['data-dir'] as string | undefined) ?? join('.runnel', `broker-${id}`));
  const metricsPort = p.values['metrics-port'] === undefined ? undefined : intFlag(p, 'metrics-port', BROKER_USAGE, 0, 0, 65535);
  const advertisedHost = p.values['advertised-host'] as string | undefined;
  const kind = choiceFlag(p, 'metadata', BROKER_USAGE, ['memory', 'kubernetes'] as const, 'memory');
  const clusterId = (p.values['cluster-id'] as string | undefined) ?? 'runnel-local';
  for (const flag of ['namespace', 'cluster', 'kubeconfig']) {
    if (kind === 'memory' && p.values[flag] !== undefined) throw new UsageError(`--${flag} applies only with --metadata kubernetes`, BROKER_USAGE);
  }
  // An empty --rack (an unset downward-API label) means no rack.
  const rack = (p.values['rack'] as string | undefined) || undefined;
  if (rack !== undefined && !/^[\x21-\x7e]{1,255}$/.test(rack)) throw new UsageError(`Invalid value for --rack: ${JSON.stringify(rack)} (expected 1..255 printable characters without spaces)`, BROKER_USAGE);
  const topicDefaults = parseTopicDefaults((p.values['topic-default'] as unknown as string[] | undefined) ?? []);
  await mkdir(dataDir, { recursive: true });
  const logger = createLogger();
  const store: MetadataStore =
    kind === 'memory'
      ? await MemoryMetadataStore.open({ path: join(dataDir, 'metadata.json'), historyMaxAgeMs: LOCAL_METADATA_HISTORY_MAX_AGE_MS })
      : await openKubernetesMetadataStore({
          cluster: (p.values['cluster'] as string | undefined) ?? clusterId,
          ...(p.values['namespace'] === undefined ? {} : { namespace: p.values['namespace'] as string }),
          ...(p.values['kubeconfig'] === undefined ? {} : { kubeconfigPath: resolve(p.values['kubeconfig'] as string) }),
        });
  const broker = await startBroker({
    brokerId: id,
    host,
    port,
    dataDir: join(dataDir, 'data'),
    clusterId,
    metadataStore: store,
    logger,
    // On Kubernetes every broker replicates: broker Lease, Lease elections, the Replica service.
    ...(kind === 'kubernetes' ? { replication: {} } : {}),
    ...(advertisedHost === undefined ? {} : { advertisedHost }),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(rack === undefined ? {} : { rack }),
    ...(Object.keys(topicDefaults).length === 0 ? {} : { topicDefaults }),
  });
  process.stdout.write(`bootstrap: ${broker.address}\n`);
  if (broker.metricsAddress) process.stderr.write(`metrics: http://${broker.metricsAddress}/metrics\n`);
  await untilShutdownSignal();
  await broker.close();
  await store.close();
  return 0;
}

/** `--topic-default KEY=VALUE` flags as a map, checked (known key, valid value) before anything starts. */
export function parseTopicDefaults(flags: readonly string[]): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid value for --topic-default: ${JSON.stringify(flag)} (expected KEY=VALUE, e.g. retention.ms=604800000)`, BROKER_USAGE);
    defaults[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  try {
    validateTopicDefaults(defaults);
  } catch (err) {
    if (err instanceof RunnelError) throw new UsageError(`Invalid --topic-default: ${err.message}`, BROKER_USAGE);
    throw err;
  }
  return defaults;
}
