import { Admin, Consumer, RunnelError, type ConsumerRecord, type SeekTarget } from '@runnel/client';
import { BOOTSTRAP_OPTION, bootstrapOf, choiceFlag, intFlag, parse, type Options, type Parsed } from '../args.ts';
import { formatRecord, validateFormat } from '../record-format.ts';
import { Progress } from '../progress.ts';
import { UsageError } from '../usage-error.ts';

export const CONSUME_USAGE = `Usage: runnel consume TOPIC [options]
       runnel consume (TOPIC | --pattern REGEX) --group GROUP [options]

Prints one record per line (its value, or --format). With --group it reads as a member of a
consumer group: several at once share the partitions, each starts where the group committed,
and commits what it printed (every second and on exit).

Options:
  -b, --bootstrap HOST:PORT  brokers (default $RUNNEL_BOOTSTRAP or 127.0.0.1:9092)
  --partition N              read only partition N (default: every partition)
  --from POS                 earliest, latest, an offset, or @TIMESTAMP_MS (default latest);
                             with --group, earliest or latest, only for partitions the group
                             has no committed offset for
  --group GROUP              join consumer group GROUP
  --pattern REGEX            with --group: every topic whose whole name matches REGEX
  --instance-id ID           with --group: static membership (a restart within the session
                             timeout keeps the partitions, no rebalance)
  --offset-reset POLICY      when an offset is out of range (--from past the log end, or
                             below the log start after retention): none fails with
                             OFFSET_OUT_OF_RANGE, earliest or latest restart there and say
                             so on stderr (default none)
  --max-messages N           exit after N records
  --timeout-ms MS            exit when no record arrives for MS milliseconds
  --format TEMPLATE          %v value, %k key, %o offset, %p partition, %t timestamp,
                             %T topic, %h headers, %% percent (default "%v")
  -h, --help                 show this help`;

const OPTIONS: Options = {
  ...BOOTSTRAP_OPTION,
  partition: { type: 'string' },
  from: { type: 'string' },
  'offset-reset': { type: 'string' },
  'max-messages': { type: 'string' },
  'timeout-ms': { type: 'string' },
  format: { type: 'string' },
  group: { type: 'string', short: 'g' },
  pattern: { type: 'string' },
  'instance-id': { type: 'string' },
};

function parseFrom(raw: string | undefined): SeekTarget {
  if (raw === undefined || raw === 'latest') return 'latest';
  if (raw === 'earliest') return 'earliest';
  if (/^\d+$/.test(raw)) return { offset: Number(raw) };
  if (/^@\d+$/.test(raw)) return { timestamp: Number(raw.slice(1)) };
  throw new UsageError(`Invalid value for --from: "${raw}" (expected earliest, latest, an offset or @TIMESTAMP_MS)`, CONSUME_USAGE);
}

/** `runnel consume TOPIC`. */
export async function consumeCommand(argv: string[]): Promise<number> {
  const p = parse(argv, OPTIONS, CONSUME_USAGE, 1);
  if (p.values['help']) {
    process.stdout.write(`${CONSUME_USAGE}\n`);
    return 0;
  }
  const group = p.values['group'] as string | undefined;
  if (group !== undefined) return consumeGroup(p, group);
  for (const flag of ['pattern', 'instance-id']) if (p.values[flag] !== undefined) throw new UsageError(`--${flag} needs --group`, CONSUME_USAGE);
  const topic = p.positionals[0];
  if (topic === undefined) throw new UsageError('Missing TOPIC', CONSUME_USAGE);
  const from = parseFrom(p.values['from'] as string | undefined);
  const offsetReset = choiceFlag(p, 'offset-reset', CONSUME_USAGE, ['none', 'earliest', 'latest'], 'none');
  const maxMessages = intFlag(p, 'max-messages', CONSUME_USAGE, Number.MAX_SAFE_INTEGER, 1);
  const timeoutMs = p.values['timeout-ms'] === undefined ? undefined : intFlag(p, 'timeout-ms', CONSUME_USAGE, 0, 1);
  const format = (p.values['format'] as string | undefined) ?? '%v';
  const formatError = validateFormat(format);
  if (formatError) throw new UsageError(`Invalid value for --format: ${formatError}`, CONSUME_USAGE);
  const bootstrap = bootstrapOf(p);

  const admin = new Admin({ bootstrap, requestTimeoutMs: 15_000 });
  let partitions: number[];
  try {
    const info = await admin.topicMetadata(topic);
    const count = info.partitions.length;
    if (p.values['partition'] !== undefined) {
      const n = intFlag(p, 'partition', CONSUME_USAGE, 0, 0);
      if (n >= count) throw new UsageError(`Invalid value for --partition: ${n} (topic ${topic} has partitions 0..${count - 1})`, CONSUME_USAGE);
      partitions = [n];
    } else partitions = Array.from({ length: count }, (_, i) => i);
  } finally {
    await admin.close();
  }

  const consumer = new Consumer({ bootstrap, autoOffsetReset: offsetReset, maxWaitMs: 200 });
  consumer.assign(partitions.map((partition) => ({ topic, partition })));
  for (const partition of partitions) consumer.seek({ topic, partition }, from);
  return printRecords(consumer, { label: topic, format, maxMessages, timeoutMs, offsetReset });
}

/** `runnel consume --group G`: a group member that commits what it printed. */
async function consumeGroup(p: Parsed, groupId: string): Promise<number> {
  const topic = p.positionals[0];
  const pattern = p.values['pattern'] as string | undefined;
  if ((topic === undefined) === (pattern === undefined)) throw new UsageError(topic === undefined ? 'Missing TOPIC (or --pattern REGEX)' : 'Give TOPIC or --pattern, not both', CONSUME_USAGE);
  if (p.values['partition'] !== undefined) throw new UsageError('--partition cannot be used with --group (the group assigns the partitions)', CONSUME_USAGE);
  const from = choiceFlag(p, 'from', `${CONSUME_USAGE}\n\nWith --group, --from is earliest or latest.`, ['earliest', 'latest'], 'latest');
  const maxMessages = intFlag(p, 'max-messages', CONSUME_USAGE, Number.MAX_SAFE_INTEGER, 1);
  const timeoutMs = p.values['timeout-ms'] === undefined ? undefined : intFlag(p, 'timeout-ms', CONSUME_USAGE, 0, 1);
  const format = (p.values['format'] as string | undefined) ?? '%v';
  const formatError = validateFormat(format);
  if (formatError) throw new UsageError(`Invalid value for --format: ${formatError}`, CONSUME_USAGE);
  const bootstrap = bootstrapOf(p);
  if (topic !== undefined) {
    const admin = new Admin({ bootstrap, requestTimeoutMs: 15_000 });
    try {
      await admin.topicMetadata(topic); // UNKNOWN_TOPIC now, not an empty wait
    } finally {
      await admin.close();
    }
  }
  const consumer = new Consumer({ bootstrap, autoOffsetReset: from, maxWaitMs: 200 });
  const instanceId = p.values['instance-id'] as string | undefined;
  consumer.subscribe({
    groupId,
    ...(topic === undefined ? { pattern: pattern! } : { topics: [topic] }),
    ...(instanceId === undefined ? {} : { instanceId }),
    autoCommitIntervalMs: 1000,
  });
  return printRecords(consumer, { label: topic ?? `/${pattern}/`, format, maxMessages, timeoutMs, offsetReset: from, group: groupId });
}

/** Prints records until --max-messages, --timeout-ms, SIGINT/SIGTERM or a failure; a group member commits what it printed. */
async function printRecords(consumer: Consumer, o: { label: string; format: string; maxMessages: number; timeoutMs: number | undefined; offsetReset: string; group?: string }): Promise<number> {
  const { format, maxMessages, timeoutMs, offsetReset } = o;

  const stop = new AbortController();
  // A reset of an out-of-range offset is never silent: say where reading really starts. Failures
  // that are being retried (a broker down, an election) are said too, at most every 5 s.
  let lastRetryNote = 0;
  const watching = (async () => {
    for await (const ev of consumer.status({ signal: stop.signal })) {
      const retrying = ev.type === 'requestError' || ev.type === 'groupError' || (ev.type === 'fetchError' && ev.error.code !== 'OFFSET_OUT_OF_RANGE');
      if (retrying && Date.now() - lastRetryNote >= 5_000) {
        lastRetryNote = Date.now();
        process.stderr.write(`runnel consume: retrying after ${ev.error.code}: ${ev.error.message}\n`);
      }
      if (ev.type === 'offsetReset' && ev.reason === 'outOfRange') {
        process.stderr.write(`runnel consume: offset ${ev.outOfRangeOffset} of ${ev.topic}-${ev.partition} is out of range (log start ${ev.logStartOffset}, log end ${ev.logEndOffset}); ${o.group === undefined ? '--offset-reset' : '--from'} ${offsetReset}: reading from offset ${ev.offset}\n`);
      }
      if (ev.type === 'partitionsAssigned' || ev.type === 'partitionsRevoked' || ev.type === 'partitionsLost') {
        const what = { partitionsAssigned: 'assigned', partitionsRevoked: 'revoked', partitionsLost: 'lost' }[ev.type];
        process.stderr.write(`runnel consume: group ${ev.groupId} ${what} ${ev.partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(', ')}\n`);
      }
    }
  })();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = (): void => {
    if (timeoutMs === undefined) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => stop.abort(), timeoutMs);
  };
  const progress = new Progress(`consume ${o.label}`);
  let count = 0;
  try {
    armIdle();
    for await (const record of consumer.records({ signal: stop.signal })) {
      armIdle();
      if (!process.stdout.write(formatRecord(format, record as ConsumerRecord))) {
        await new Promise((resolve) => process.stdout.once('drain', resolve));
      }
      count++;
      progress.update(`${count} records`);
      if (count >= maxMessages) break;
    }
  } catch (err) {
    if (err instanceof RunnelError && err.code === 'OFFSET_OUT_OF_RANGE') {
      throw new RunnelError(err.code, `${err.message}; pass --offset-reset earliest or latest to read from there instead`, { cause: err });
    }
    throw err;
  } finally {
    clearTimeout(idleTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.done();
    stop.abort();
    // What was printed is processed: commit it before leaving (close() alone commits only what
    // the loop had moved past).
    if (o.group !== undefined) await consumer.commit().catch((err: unknown) => process.stderr.write(`runnel consume: could not commit on exit: ${err instanceof Error ? err.message : String(err)}\n`));
    await consumer.close();
    await watching;
  }
  process.stderr.write(`Processed a total of ${count} messages\n`);
  return 0;
}
