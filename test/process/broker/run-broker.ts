/**
 * A broker process for process-level tests: starts a local cluster from a JSON argument, prints
 * one JSON line `{ "bootstrap", "brokers": [{ id, address, metricsAddress }] }` once serving, and
 * closes cleanly on SIGTERM (exit 0). Test-only fault seam: SIGUSR2 makes the data directory's
 * disk "full" (writes fail with ENOSPC, nothing written), SIGUSR1 frees it again.
 *
 * Usage: node run-broker.ts '{"brokers":1,"port":0,"dataDir":"/tmp/x","metricsPort":0}'
 */
import { startLocalCluster } from '@runnel/broker';
import { nodeStorageIo, type StorageFile, type StorageIo } from '@runnel/storage';
import { pino } from 'pino';

interface Args {
  brokers: number;
  port: number;
  dataDir: string;
  metricsPort?: number;
  demoTopic?: { name: string; partitions: number } | null;
  logMaintenanceIntervalMs?: number;
}

let diskFull = false;

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device (injected by run-broker)'), { code: 'ENOSPC', errno: -28 });
}

/** node:fs, except that writes fail with ENOSPC while `diskFull` is set. */
const faultyIo: StorageIo = {
  ...nodeStorageIo,
  async open(path: string, flags: string): Promise<StorageFile> {
    const file = await nodeStorageIo.open(path, flags);
    return {
      writev: (buffers, position) => (diskFull ? Promise.reject(enospc()) : file.writev(buffers, position)),
      read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
      datasync: () => file.datasync(),
      sync: () => file.sync(),
      truncate: (length) => file.truncate(length),
      stat: () => file.stat(),
      close: () => file.close(),
    };
  },
};

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const cluster = await startLocalCluster({
  brokers: args.brokers,
  port: args.port,
  dataDir: args.dataDir,
  demoTopic: args.demoTopic ?? null,
  storageIo: faultyIo,
  // stdout carries this script's protocol lines; logs go to stderr.
  logger: pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'warn' }, pino.destination(2)),
  defaultMetrics: true,
  ...(args.metricsPort === undefined ? {} : { metricsPort: args.metricsPort }),
  ...(args.logMaintenanceIntervalMs === undefined ? {} : { logMaintenanceIntervalMs: args.logMaintenanceIntervalMs }),
});
process.stdout.write(
  `${JSON.stringify({ bootstrap: cluster.bootstrap, brokers: cluster.brokers.map((b) => ({ id: b.id, address: b.address, metricsAddress: b.metricsAddress })) })}\n`,
);
process.on('SIGUSR2', () => {
  diskFull = true;
  process.stdout.write('{"disk":"full"}\n');
});
process.on('SIGUSR1', () => {
  diskFull = false;
  process.stdout.write('{"disk":"free"}\n');
});
process.once('SIGTERM', () => {
  cluster.close().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`close failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
});
