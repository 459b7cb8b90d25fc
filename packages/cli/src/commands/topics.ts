import { Admin } from '@runnel/client';
import { BOOTSTRAP_OPTION, bootstrapOf, intFlag, parse, type Options } from '../args.ts';
import { UsageError } from '../usage-error.ts';

export const TOPICS_USAGE = `Usage: runnel topics <create|list|describe|delete|delete-records> [options]

  runnel topics create NAME [--partitions N] [--replication-factor N] [--config key=value ...]
  runnel topics list
  runnel topics describe [NAME ...]
  runnel topics delete NAME [NAME ...]
  runnel topics delete-records NAME --partition P --offset O|hw
      deletes the records of partition P below offset O (the leader moves its log start
      there); "hw" (or --offset=-1) deletes every committed record

Options:
  -b, --bootstrap HOST:PORT  brokers (default $RUNNEL_BOOTSTRAP or 127.0.0.1:9092)
  --json                     machine-readable output (list, describe)
  -h, --help                 show this help`;

const OPTIONS: Options = {
  ...BOOTSTRAP_OPTION,
  partitions: { type: 'string', short: 'p' },
  'replication-factor': { type: 'string', short: 'r' },
  config: { type: 'string', short: 'c', multiple: true },
  json: { type: 'boolean' },
  partition: { type: 'string' },
  offset: { type: 'string' },
};

/** `runnel topics ...`. */
export async function topicsCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '-h' || action === '--help') {
    process.stdout.write(`${TOPICS_USAGE}\n`);
    return action === undefined ? 2 : 0;
  }
  const p = parse(rest, OPTIONS, TOPICS_USAGE, 1000);
  if (p.values['help']) {
    process.stdout.write(`${TOPICS_USAGE}\n`);
    return 0;
  }
  const admin = new Admin({ bootstrap: bootstrapOf(p), requestTimeoutMs: 15_000 });
  try {
    switch (action) {
      case 'create': {
        if (p.positionals.length !== 1) throw new UsageError('topics create needs exactly one topic NAME', TOPICS_USAGE);
        const configs: Record<string, string> = {};
        for (const c of (p.values['config'] as unknown as string[] | undefined) ?? []) {
          const eq = c.indexOf('=');
          if (eq <= 0) throw new UsageError(`Invalid value for --config: "${c}" (expected key=value)`, TOPICS_USAGE);
          configs[c.slice(0, eq)] = c.slice(eq + 1);
        }
        const name = p.positionals[0]!;
        const ids = await admin.createTopics([{
          name,
          partitions: intFlag(p, 'partitions', TOPICS_USAGE, 1, 1, 100_000),
          replicationFactor: intFlag(p, 'replication-factor', TOPICS_USAGE, 1, 1, 100),
          configs,
        }]);
        process.stdout.write(`created topic ${name} (id ${ids.get(name) ?? '?'})\n`);
        return 0;
      }
      case 'list': {
        if (p.positionals.length > 0) throw new UsageError(`Unexpected argument "${p.positionals[0]}"`, TOPICS_USAGE);
        const names = await admin.listTopics();
        process.stdout.write(p.values['json'] ? `${JSON.stringify(names)}\n` : names.map((n) => `${n}\n`).join(''));
        return 0;
      }
      case 'describe': {
        const topics = await admin.describeTopics(p.positionals);
        if (p.values['json']) {
          process.stdout.write(`${JSON.stringify(topics)}\n`);
          return 0;
        }
        for (const t of topics) {
          const configs = Object.entries(t.configs).map(([k, v]) => `${k}=${v}`).join(',');
          process.stdout.write(`Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions.length}\tConfigs: ${configs}\n`);
          for (const d of t.partitions) {
            process.stdout.write(`\tPartition: ${d.partition}\tLeader: ${d.leaderId}\tEpoch: ${d.leaderEpoch}\tReplicas: ${d.replicas.join(',')}\tIsr: ${d.isr.join(',')}\tOffsets: ${d.logStartOffset}..${d.logEndOffset}\tHW: ${d.highWatermark}\tSize: ${d.sizeBytes}\n`);
          }
        }
        return 0;
      }
      case 'delete': {
        if (p.positionals.length === 0) throw new UsageError('topics delete needs at least one topic NAME', TOPICS_USAGE);
        await admin.deleteTopics(p.positionals);
        for (const n of p.positionals) process.stdout.write(`deleted topic ${n}\n`);
        return 0;
      }
      case 'delete-records': {
        if (p.positionals.length !== 1) throw new UsageError('topics delete-records needs exactly one topic NAME', TOPICS_USAGE);
        if (p.values['partition'] === undefined) throw new UsageError('topics delete-records needs --partition P', TOPICS_USAGE);
        const rawOffset = p.values['offset'];
        if (rawOffset === undefined) throw new UsageError('topics delete-records needs --offset O (or --offset hw for every committed record)', TOPICS_USAGE);
        const name = p.positionals[0]!;
        const partition = intFlag(p, 'partition', TOPICS_USAGE, 0, 0, 1_000_000);
        const offset = rawOffset === 'hw' ? -1 : intFlag(p, 'offset', TOPICS_USAGE, 0, -1);
        const low = await admin.deleteRecords(name, [{ partition, offset }]);
        process.stdout.write(`deleted records of ${name}-${partition} below ${offset === -1 ? 'the high watermark' : `offset ${offset}`}: log start offset now ${low.get(partition) ?? '?'}\n`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown topics action "${action}" (expected create, list, describe, delete or delete-records)`, TOPICS_USAGE);
    }
  } finally {
    await admin.close();
  }
}
