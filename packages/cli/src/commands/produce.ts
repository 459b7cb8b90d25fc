import { createInterface } from 'node:readline';
import { Producer, type RecordMetadata } from '@runnel/client';
import { acksFlag, BOOTSTRAP_OPTION, bootstrapOf, choiceFlag, intFlag, parse, sizeFlag, type Options } from '../args.ts';
import { Progress } from '../progress.ts';
import { UsageError } from '../usage-error.ts';

export const PRODUCE_USAGE = `Usage: runnel produce TOPIC [options] < lines

Sends one record per line of stdin (without the newline).

Options:
  -b, --bootstrap HOST:PORT  brokers (default $RUNNEL_BOOTSTRAP or 127.0.0.1:9092)
  --key-separator SEP        split each line at the first SEP into key and value
  --partition N              send every record to partition N (default: by key, sticky without)
  --acks all|1|0             (default all)
  --linger-ms MS             (default 5)
  --batch-size BYTES         (default 16k)
  --compression CODEC        none, gzip, snappy, lz4, zstd (default none)
  -h, --help                 show this help`;

const OPTIONS: Options = {
  ...BOOTSTRAP_OPTION,
  'key-separator': { type: 'string' },
  partition: { type: 'string' },
  acks: { type: 'string' },
  'linger-ms': { type: 'string' },
  'batch-size': { type: 'string' },
  compression: { type: 'string' },
};

/** Records per sendBatch call, and calls outstanding: bounded, so stdin is read only as fast as brokers acknowledge. */
const CHUNK = 1000;
const MAX_OUTSTANDING = 16;

/** `runnel produce TOPIC`. */
export async function produceCommand(argv: string[]): Promise<number> {
  const p = parse(argv, OPTIONS, PRODUCE_USAGE, 1);
  if (p.values['help']) {
    process.stdout.write(`${PRODUCE_USAGE}\n`);
    return 0;
  }
  const topic = p.positionals[0];
  if (topic === undefined) throw new UsageError('Missing TOPIC', PRODUCE_USAGE);
  const separator = p.values['key-separator'] as string | undefined;
  if (separator === '') throw new UsageError('Invalid value for --key-separator: it must not be empty', PRODUCE_USAGE);
  const partition = p.values['partition'] === undefined ? undefined : intFlag(p, 'partition', PRODUCE_USAGE, 0, 0, 1_000_000);
  const producer = new Producer({
    bootstrap: bootstrapOf(p),
    acks: acksFlag(p, PRODUCE_USAGE),
    lingerMs: intFlag(p, 'linger-ms', PRODUCE_USAGE, 5, 0, 60_000),
    batchSize: sizeFlag(p, 'batch-size', PRODUCE_USAGE, 16 * 1024),
    compression: choiceFlag(p, 'compression', PRODUCE_USAGE, ['none', 'gzip', 'snappy', 'lz4', 'zstd'], 'none'),
  });
  const progress = new Progress(`produce ${topic}`);
  const outstanding: Array<Promise<RecordMetadata[]>> = [];
  let sent = 0;
  let chunk: Array<{ key: string | null; value: string; partition?: number }> = [];
  const submit = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const call = producer.sendBatch(topic, chunk);
    chunk = [];
    // The first call learns the topic's metadata; later calls are pipelined behind it.
    if (sent === 0) await call;
    else outstanding.push(call);
    while (outstanding.length > MAX_OUTSTANDING) await outstanding.shift();
  };
  try {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      let key: string | null = null;
      let value = line;
      if (separator !== undefined) {
        const at = line.indexOf(separator);
        if (at >= 0) {
          key = line.slice(0, at);
          value = line.slice(at + separator.length);
        }
      }
      chunk.push({ key, value, ...(partition === undefined ? {} : { partition }) });
      if (chunk.length >= CHUNK) {
        const n = chunk.length;
        await submit();
        sent += n;
        progress.update(`${sent} records`);
      }
    }
    const n = chunk.length;
    await submit();
    sent += n;
    await Promise.all(outstanding);
    await producer.flush();
  } finally {
    progress.done();
    await producer.close({ timeoutMs: 5_000 });
  }
  process.stderr.write(`produced ${sent} record(s) to ${topic}\n`);
  return 0;
}
