import { createInterface } from 'node:readline';
import { Admin, Producer, type RecordMetadata } from '@runnel/client';
import { encodeRecordBatch } from '@runnel/protocol';
import { parseLogConfig } from '@runnel/storage';
import { acksFlag, BOOTSTRAP_OPTION, bootstrapOf, choiceFlag, intFlag, parse, sizeFlag, type Options } from '../args.ts';
import { Progress } from '../progress.ts';
import { UsageError } from '../usage-error.ts';

export const PRODUCE_USAGE = `Usage: runnel produce TOPIC [options] < lines

Sends one record per line of stdin (without the newline). A line larger than the topic's
max.message.bytes is not sent: it is reported by line number, the other lines are sent, and the
exit status is 1. With --acks 0 the broker confirms nothing, so the count is of records sent.

Options:
  -b, --bootstrap HOST:PORT  brokers (default $RUNNEL_BOOTSTRAP or 127.0.0.1:9092)
  --key-separator SEP        split each line at the first SEP into key and value
  --partition N              send every record to partition N (default: by key, sticky without)
  --acks all|1|0             (default all)
  --linger-ms MS             (default 5)
  --batch-size BYTES         (default 16k)
  --compression CODEC        none, gzip, snappy, lz4, zstd (default none)
  --retries N                further attempts of a batch after a retriable error (default 3, as
                             Kafka's console producer; the client library's default is unbounded)
  -h, --help                 show this help`;

const OPTIONS: Options = {
  ...BOOTSTRAP_OPTION,
  'key-separator': { type: 'string' },
  partition: { type: 'string' },
  acks: { type: 'string' },
  'linger-ms': { type: 'string' },
  'batch-size': { type: 'string' },
  compression: { type: 'string' },
  retries: { type: 'string' },
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
  const acks = acksFlag(p, PRODUCE_USAGE);
  const lingerMs = intFlag(p, 'linger-ms', PRODUCE_USAGE, 5, 0, 60_000);
  const batchSize = sizeFlag(p, 'batch-size', PRODUCE_USAGE, 16 * 1024);
  const compression = choiceFlag(p, 'compression', PRODUCE_USAGE, ['none', 'gzip', 'snappy', 'lz4', 'zstd'], 'none');
  // A person at a terminal wants an answer, not two minutes of retries (Kafka's console producer
  // also retries 3 times); programs use the library, whose retries end at deliveryTimeoutMs.
  const retries = intFlag(p, 'retries', PRODUCE_USAGE, 3, 0, 1_000_000);
  const bootstrap = bootstrapOf(p);
  // The broker rejects a whole batch larger than the topic's max.message.bytes, valid records
  // included; so batches are kept below it and a line that alone exceeds it is rejected here.
  const maxBatchBytes = await topicMaxBatchBytes(bootstrap, topic);
  const producer = new Producer({
    bootstrap,
    acks,
    retries,
    lingerMs,
    batchSize: Math.min(batchSize, maxBatchBytes),
    maxRequestSize: Math.max(1024 * 1024, maxBatchBytes + 1024),
    compression,
  });
  const progress = new Progress(`produce ${topic}`);
  const outstanding: Array<Promise<RecordMetadata[]>> = [];
  let sent = 0;
  let lineNumber = 0;
  let rejected = 0;
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
      lineNumber++;
      let key: string | null = null;
      let value = line;
      if (separator !== undefined) {
        const at = line.indexOf(separator);
        if (at >= 0) {
          key = line.slice(0, at);
          value = line.slice(at + separator.length);
        }
      }
      const size = batchBytes(key, value, maxBatchBytes);
      if (size > maxBatchBytes) {
        rejected++;
        process.stderr.write(`runnel produce: line ${lineNumber} not sent: RECORD_TOO_LARGE: its record batch is ${size} bytes, more than ${topic}'s max.message.bytes (${maxBatchBytes})\n`);
        continue;
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
  // With acks 0 nothing confirms that a record was stored: say what is known, that it was sent.
  const summary = acks === 0 ? `sent ${sent} record(s) to ${topic} (acks 0: the broker does not confirm that they were stored)` : `produced ${sent} record(s) to ${topic}`;
  process.stderr.write(`${summary}${rejected > 0 ? `; ${rejected} line(s) not sent (see above)` : ''}\n`);
  return rejected > 0 ? 1 : 0;
}

/** The topic's max.message.bytes (the broker's default when the topic does not set it). */
async function topicMaxBatchBytes(bootstrap: string, topic: string): Promise<number> {
  const admin = new Admin({ bootstrap, requestTimeoutMs: 15_000 });
  try {
    const [description] = await admin.describeTopics([topic]);
    return parseLogConfig(description?.configs ?? {}).maxBatchBytes;
  } finally {
    await admin.close();
  }
}

/** Bytes of a one-record batch holding this line, exact only when it could be near `limit`. */
function batchBytes(key: string | null, value: string, limit: number): number {
  const rough = Buffer.byteLength(value) + (key === null ? 0 : Buffer.byteLength(key));
  if (rough + 200 < limit) return rough;
  return encodeRecordBatch([{ key: key === null ? null : Buffer.from(key), value: Buffer.from(value), timestamp: Date.now() }]).length;
}
