// The cluster of `runnel bench soak`: N brokers of a local cluster (as `runnel local --brokers N`)
// in this one OS process, apart from the bench's clients, so its memory is the brokers' alone.
//   node --expose-gc soak-cluster-main.ts '{"brokers":3,"dataDir":"/tmp/x","logMaintenanceIntervalMs":2000,"fast":false}'
// Prints one JSON line {"bootstrap": "..."} when serving, then answers one JSON line per command
// read from stdin:
//   kill N   broker N stops as kill -9 would (no handover, no flush)   -> {"killed": N}
//   start N  broker N starts again on its data directory and port      -> {"started": N}
//   mem      full GC, then process.memoryUsage()                        -> {"mem": {...}}
// A failed command answers {"error": "..."}; the process keeps running. SIGTERM or the end of
// stdin closes the cluster cleanly.
import { createInterface } from 'node:readline';
import { FAST_REPLICATION_TIMING, startLocalCluster } from '@runnel/broker';
import { pino } from 'pino';
import { tuneV8 } from '../v8-tuning.ts';

tuneV8();

interface Args {
  brokers: number;
  dataDir: string;
  logMaintenanceIntervalMs: number;
  fast: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const cluster = await startLocalCluster({
  brokers: args.brokers,
  port: 0,
  dataDir: args.dataDir,
  demoTopic: null,
  logger: pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'warn' }, pino.destination(2)),
  logMaintenanceIntervalMs: args.logMaintenanceIntervalMs,
  ...(args.fast ? { replicationTiming: FAST_REPLICATION_TIMING } : {}),
});
const say = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
say({ bootstrap: cluster.bootstrap });

let closing: Promise<void> | undefined;
const close = (): Promise<void> => (closing ??= cluster.close().then(() => process.exit(0), () => process.exit(1)));
process.once('SIGTERM', () => void close());
process.once('SIGINT', () => void close());

const gc = (globalThis as { gc?: () => void }).gc;
for await (const line of createInterface({ input: process.stdin, terminal: false })) {
  const [verb, arg] = line.trim().split(/\s+/);
  try {
    if (verb === 'kill') {
      await cluster.stopBroker(Number(arg), { crash: true });
      say({ killed: Number(arg) });
    } else if (verb === 'start') {
      await cluster.startBroker(Number(arg));
      say({ started: Number(arg) });
    } else if (verb === 'mem') {
      gc?.();
      say({ mem: { ...process.memoryUsage(), gc: gc !== undefined } });
    } else say({ error: `unknown command "${line}"` });
  } catch (err) {
    say({ error: err instanceof Error ? err.message : String(err) });
  }
}
await close();
