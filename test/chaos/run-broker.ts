/**
 * One broker of the chaos test in its own OS process, on the `kubernetes` metadata store of the
 * real control plane. Started by `chaos-broker.ts` with one JSON argument ({@link RunBrokerArgs});
 * prints one JSON line `{"ready":{"address","metricsAddress","pid"}}` on stdout once it serves,
 * logs (pino JSON) to stderr, and closes cleanly on SIGTERM (exit 0).
 *
 * Every broker runs replication (`replication` option: broker Lease, Lease elections, the Replica
 * service), with the timings the test passes (DESIGN.md §6 Timing) over the broker's defaults.
 */
import { startBroker } from '@runnel/broker';
import { openKubernetesMetadataStore } from '@runnel/metadata';
import { pino } from 'pino';

/** The JSON argument of this script. */
export interface RunBrokerArgs {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
  readonly metricsPort: number;
  readonly dataDir: string;
  readonly clusterId: string;
  readonly kubeconfigPath: string;
  readonly namespace: string;
  /** Replication and membership timings over the broker's defaults (startBroker's `replication.timing`). */
  readonly timing?: Readonly<Record<string, number>>;
}

const args = JSON.parse(process.argv[2] ?? '{}') as RunBrokerArgs;
const logger = pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'info' }, pino.destination(2));
const store = await openKubernetesMetadataStore({ cluster: args.clusterId, namespace: args.namespace, kubeconfigPath: args.kubeconfigPath, requestTimeoutMs: 2_000 });
const options = {
  brokerId: args.brokerId,
  host: args.host,
  port: args.port,
  metricsPort: args.metricsPort,
  dataDir: args.dataDir,
  clusterId: args.clusterId,
  metadataStore: store,
  logger,
  defaultMetrics: false,
  replication: { timing: args.timing ?? {} },
};
const broker = await startBroker(options);
process.stdout.write(`${JSON.stringify({ ready: { address: broker.address, metricsAddress: broker.metricsAddress, pid: process.pid } })}\n`);
process.once('SIGTERM', () => {
  broker
    .close({ signal: AbortSignal.timeout(10_000) })
    .then(() => store.close())
    .then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'clean shutdown failed');
        process.exit(1);
      },
    );
});
