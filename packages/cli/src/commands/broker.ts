import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startBroker } from '@runnel/broker';
import { MemoryMetadataStore } from '@runnel/metadata';
import { intFlag, parse, type Options } from '../args.ts';
import { createLogger } from '../logger.ts';
import { untilShutdownSignal } from '../shutdown.ts';

export const BROKER_USAGE = `Usage: runnel broker [options]

Runs one broker process (gRPC Log + Admin services, /metrics).

Options:
  --id N               broker id (default 0)
  --host HOST          listen address (default 127.0.0.1)
  --port PORT          gRPC port, 0 = any free port (default 9092)
  --advertised-host H  host name given to clients (default --host)
  --data-dir DIR       data directory (default ./.runnel/broker-<id>); holds the broker's log
                       under data/ and, until the Kubernetes store lands, the memory metadata
                       store persisted as metadata.json
  --cluster-id ID      cluster id (default runnel-local)
  --metrics-port PORT  serve Prometheus /metrics on this port (default: off)
  -h, --help           show this help`;

const OPTIONS: Options = {
  id: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'advertised-host': { type: 'string' },
  'data-dir': { type: 'string' },
  'cluster-id': { type: 'string' },
  'metrics-port': { type: 'string' },
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
  await mkdir(dataDir, { recursive: true });
  const logger = createLogger();
  const store = await MemoryMetadataStore.open({ path: join(dataDir, 'metadata.json') });
  const broker = await startBroker({
    brokerId: id,
    host,
    port,
    dataDir: join(dataDir, 'data'),
    clusterId: (p.values['cluster-id'] as string | undefined) ?? 'runnel-local',
    metadataStore: store,
    logger,
    ...(advertisedHost === undefined ? {} : { advertisedHost }),
    ...(metricsPort === undefined ? {} : { metricsPort }),
  });
  process.stdout.write(`bootstrap: ${broker.address}\n`);
  if (broker.metricsAddress) process.stderr.write(`metrics: http://${broker.metricsAddress}/metrics\n`);
  await untilShutdownSignal();
  await broker.close();
  await store.close();
  return 0;
}
