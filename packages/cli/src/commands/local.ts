import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { FAST_REPLICATION_TIMING, startLocalCluster, type LocalCluster } from '@runnel/broker';
import { intFlag, parse, type Options } from '../args.ts';
import { firstUnavailablePort } from '../port-check.ts';
import { createLogger } from '../logger.ts';
import { untilShutdownSignal } from '../shutdown.ts';

export const LOCAL_USAGE = `Usage: runnel local [options]

Runs an embedded cluster: N brokers in this process on consecutive ports, replicating over Leases in
an in-memory metadata store, with a demo topic on first start. Prints one line "bootstrap:
HOST:PORT" (broker 0) when ready, and every broker's address on stderr. Ctrl-C stops it cleanly; a restart on the same --data-dir keeps topics and
data.

When stdin is a terminal (or with --commands), it reads commands to show failover:
  stop N     stop broker N cleanly (it hands over its leaderships first)
  kill N     stop broker N as kill -9 would (no handover; followers take over after the lease)
  start N    start broker N again on its data directory and port
  status     brokers, and leader / ISR of every partition
  help       these commands

Options:
  --brokers N             number of brokers (default 3)
  --replication-factor N  replication factor of the demo topic (default min(3, brokers));
                          min.insync.replicas is min(2, N)
  --fast                  fast failover timings (lease 1 s instead of 10 s) for demos
  --commands              read commands from stdin even when it is not a terminal
  --host HOST             listen address (default 127.0.0.1)
  --port PORT             port of broker 0; broker i uses PORT+i (default 9092; 0 = free ports)
  --data-dir DIR          data directory (default ./.runnel)
  --metrics-port PORT     /metrics of broker 0; broker i uses PORT+i (default: off)
  -h, --help              show this help`;

const OPTIONS: Options = {
  brokers: { type: 'string' },
  'replication-factor': { type: 'string' },
  fast: { type: 'boolean' },
  commands: { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'metrics-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** `runnel local`: the embedded cluster until SIGINT/SIGTERM (or end of the command input). */
export async function localCommand(argv: string[]): Promise<number> {
  const p = parse(argv, OPTIONS, LOCAL_USAGE, 0);
  if (p.values['help']) {
    process.stdout.write(`${LOCAL_USAGE}\n`);
    return 0;
  }
  const brokers = intFlag(p, 'brokers', LOCAL_USAGE, 3, 1, 64);
  const replicationFactor = intFlag(p, 'replication-factor', LOCAL_USAGE, Math.min(3, brokers), 1, brokers);
  const port = intFlag(p, 'port', LOCAL_USAGE, 9092, 0, 65535 - brokers + 1);
  const metricsPort = p.values['metrics-port'] === undefined ? undefined : intFlag(p, 'metrics-port', LOCAL_USAGE, 0, 0, 65535 - brokers + 1);
  const host = (p.values['host'] as string | undefined) ?? '127.0.0.1';
  // A taken port is refused with one line before anything is written to the data directory.
  const wanted = [
    ...(port === 0 ? [] : Array.from({ length: brokers }, (_, i) => ({ port: port + i, what: `broker ${i}`, flag: '--port' }))),
    ...(metricsPort === undefined || metricsPort === 0 ? [] : Array.from({ length: brokers }, (_, i) => ({ port: metricsPort + i, what: `metrics of broker ${i}`, flag: '--metrics-port' }))),
  ];
  const taken = await firstUnavailablePort(host, wanted.map((w) => w.port));
  if (taken !== undefined) {
    const w = wanted.find((x) => x.port === taken.port)!;
    const why = taken.code === 'EADDRINUSE' ? 'is already in use (is another runnel local running?)' : `cannot be listened on (${taken.code})`;
    process.stderr.write(`runnel local: port ${taken.port} on ${host} (${w.what}) ${why}; choose another with ${w.flag}, or ${w.flag} 0 for free ports\n`);
    return 1;
  }
  const cluster = await startLocalCluster({
    brokers,
    replicationFactor,
    host,
    port,
    dataDir: resolve((p.values['data-dir'] as string | undefined) ?? '.runnel'),
    logger: createLogger(),
    ...(p.values['fast'] === true ? { replicationTiming: FAST_REPLICATION_TIMING } : {}),
    ...(metricsPort === undefined ? {} : { metricsPort }),
  });
  // Exactly one line on stdout, so scripts can read it; logs and command answers go to stderr.
  process.stdout.write(`bootstrap: ${cluster.brokers[0]!.address}\n`);
  if (brokers > 1) process.stderr.write(`brokers: ${cluster.bootstrap} (pass several to --bootstrap to survive broker ${cluster.brokers[0]!.id} stopping)\n`);
  const interactive = p.values['commands'] === true || process.stdin.isTTY === true;
  const stop = new AbortController();
  const commands = interactive ? runCommands(cluster, brokers, stop.signal) : undefined;
  if (interactive) process.stderr.write('commands: stop N, kill N, start N, status, help\n');
  await Promise.race([untilShutdownSignal(), ...(commands ? [commands] : [])]);
  stop.abort();
  await commands;
  await cluster.close();
  return 0;
}

/** Reads commands from stdin until it ends or `signal` aborts; answers on stderr. */
async function runCommands(cluster: LocalCluster, brokers: number, signal: AbortSignal): Promise<void> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  signal.addEventListener('abort', () => lines.close(), { once: true });
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  for await (const raw of lines) {
    const [verb, arg] = raw.trim().split(/\s+/);
    if (verb === undefined || verb === '') continue;
    try {
      const id = arg === undefined ? NaN : Number(arg);
      const needId = (): number => {
        if (!Number.isInteger(id) || id < 0 || id >= brokers) throw new Error(`expected a broker id 0..${brokers - 1}, got "${arg ?? ''}"`);
        return id;
      };
      switch (verb) {
        case 'stop':
          await cluster.stopBroker(needId());
          say(`broker ${id} stopped`);
          break;
        case 'kill':
          await cluster.stopBroker(needId(), { crash: true });
          say(`broker ${id} killed`);
          break;
        case 'start':
          say(`broker ${id} started on ${(await cluster.startBroker(needId())).address}`);
          break;
        case 'status':
          say(await status(cluster));
          break;
        case 'help':
          say('stop N | kill N | start N | status | help');
          break;
        default:
          say(`unknown command "${verb}" (stop N, kill N, start N, status, help)`);
      }
    } catch (err) {
      say(`${verb} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** One line per running broker and per partition (leader, epoch, ISR), from the metadata store. */
async function status(cluster: LocalCluster): Promise<string> {
  const out = [`brokers running: ${cluster.brokers.map((b) => `${b.id}@${b.address}`).join(' ') || 'none'}`];
  const { items } = await cluster.metadataStore.partitions.list();
  for (const { value: s } of items.sort((a, b) => (a.value.topic === b.value.topic ? a.value.partition - b.value.partition : a.value.topic < b.value.topic ? -1 : 1))) {
    out.push(`${s.topic}-${s.partition}: leader ${s.holder?.id ?? 'none'} epoch ${s.leaderEpoch} isr [${s.isr.map((r) => r.id).join(',')}] replicas [${s.replicas.join(',')}]`);
  }
  return out.join('\n');
}
