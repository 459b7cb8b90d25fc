import { resolve } from 'node:path';
import { startLocalCluster } from '@runnel/broker';
import { intFlag, parse, type Options } from '../args.ts';
import { createLogger } from '../logger.ts';
import { untilShutdownSignal } from '../shutdown.ts';

export const LOCAL_USAGE = `Usage: runnel local [options]

Runs an embedded cluster: N brokers in this process on consecutive ports, with a demo topic on
first start. Prints one line "bootstrap: HOST:PORT" when ready. Ctrl-C stops it cleanly; a restart
on the same --data-dir keeps topics and data.

Options:
  --brokers N          number of brokers (default 3)
  --host HOST          listen address (default 127.0.0.1)
  --port PORT          port of broker 0; broker i uses PORT+i (default 9092; 0 = free ports)
  --data-dir DIR       data directory (default ./.runnel)
  --metrics-port PORT  /metrics of broker 0; broker i uses PORT+i (default: off)
  -h, --help           show this help`;

const OPTIONS: Options = {
  brokers: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'metrics-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** `runnel local`: the embedded cluster until SIGINT/SIGTERM. */
export async function localCommand(argv: string[]): Promise<number> {
  const p = parse(argv, OPTIONS, LOCAL_USAGE, 0);
  if (p.values['help']) {
    process.stdout.write(`${LOCAL_USAGE}\n`);
    return 0;
  }
  const brokers = intFlag(p, 'brokers', LOCAL_USAGE, 3, 1, 64);
  const port = intFlag(p, 'port', LOCAL_USAGE, 9092, 0, 65535 - brokers + 1);
  const metricsPort = p.values['metrics-port'] === undefined ? undefined : intFlag(p, 'metrics-port', LOCAL_USAGE, 0, 0, 65535 - brokers + 1);
  const cluster = await startLocalCluster({
    brokers,
    host: (p.values['host'] as string | undefined) ?? '127.0.0.1',
    port,
    dataDir: resolve((p.values['data-dir'] as string | undefined) ?? '.runnel'),
    logger: createLogger(),
    ...(metricsPort === undefined ? {} : { metricsPort }),
  });
  // Exactly one line on stdout, so scripts can read it; logs go to stderr.
  process.stdout.write(`bootstrap: ${cluster.brokers[0]!.address}\n`);
  await untilShutdownSignal();
  await cluster.close();
  return 0;
}
