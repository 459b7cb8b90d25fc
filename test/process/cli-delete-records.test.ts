// `runnel topics delete-records` against `runnel local` (3 broker processes' worth of brokers in one
// real process, RF 3): the records below the offset are gone for consumers, the log start holds
// after the leader is killed, and each bad input is a clear error with its code.
import { afterEach, expect, it } from 'vitest';
import { randomTopic, removeDir, runRunnel, startCommandedLocal, tempDir, type CommandedLocal } from './cli/runnel-process.ts';

let local: CommandedLocal | undefined;
let dir: string | undefined;
afterEach(async () => {
  local?.kill();
  if (dir !== undefined) await removeDir(dir);
});

interface Described { partitions: Array<{ leaderId: number; isr: number[]; logStartOffset: number; logEndOffset: number; highWatermark: number }> }

it('deletes records below an offset on an RF 3 topic, keeps them deleted across a leader kill, and names each bad input', { timeout: 120_000 }, async () => {
  dir = await tempDir('runnel-delrec-');
  local = await startCommandedLocal(['--port', '0', '--data-dir', dir, '--fast']);
  const cluster = local;
  const runnel = (args: string[], input?: string): ReturnType<typeof runRunnel> => runRunnel([...args, '-b', cluster.brokers], input === undefined ? {} : { input });
  const describe = async (topic: string): Promise<Described['partitions'][number]> => {
    const r = await runnel(['topics', 'describe', topic, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as Described[])[0]!.partitions[0]!;
  };
  const until = async (what: string, predicate: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const topic = randomTopic('delrec');
  expect((await runnel(['topics', 'create', topic, '--replication-factor', '3', '--config', 'min.insync.replicas=2', '--config', 'segment.bytes=1024'])).code).toBe(0);
  await until('an ISR of 3', async () => (await describe(topic)).isr.length === 3);
  const lines = Array.from({ length: 50 }, (_, i) => `event ${i}`);
  const produced = await runnel(['produce', topic, '--acks', 'all'], `${lines.join('\n')}\n`);
  expect(produced.code, produced.stderr).toBe(0);

  const deleted = await runnel(['topics', 'delete-records', topic, '--partition', '0', '--offset', '30']);
  expect(deleted.stderr).toBe('');
  expect(deleted).toMatchObject({ code: 0, stdout: `deleted records of ${topic}-0 below offset 30: log start offset now 30\n` });
  const after = await describe(topic);
  expect(after.logStartOffset).toBe(30);
  expect(after.highWatermark).toBe(50);

  const consumed = await runnel(['consume', topic, '--from', 'earliest', '--max-messages', '20', '--format', '%o %v']);
  expect(consumed.code, consumed.stderr).toBe(0);
  expect(consumed.stdout.trim().split('\n')).toEqual(Array.from({ length: 20 }, (_, i) => `${30 + i} event ${30 + i}`));

  // Kill the leader: the new one keeps the log start (its followers had followed it).
  const { leaderId } = after;
  await cluster.command(`kill ${leaderId}`, new RegExp(`^broker ${leaderId} killed`));
  await until('a new leader', async () => {
    const d = await describe(topic).catch(() => undefined);
    return d !== undefined && d.leaderId >= 0 && d.leaderId !== leaderId;
  });
  expect((await describe(topic)).logStartOffset).toBe(30);
  const again = await runnel(['consume', topic, '--from', 'earliest', '--max-messages', '1', '--format', '%o %v']);
  expect(again.stdout).toBe('30 event 30\n');

  // hw deletes every committed record.
  const all = await runnel(['topics', 'delete-records', topic, '--partition', '0', '--offset', 'hw']);
  expect(all).toMatchObject({ code: 0, stdout: `deleted records of ${topic}-0 below the high watermark: log start offset now 50\n` });

  const above = await runnel(['topics', 'delete-records', topic, '--partition', '0', '--offset', '51']);
  expect(above.code).toBe(1);
  expect(above.stderr).toContain('OFFSET_OUT_OF_RANGE');
  expect(above.stderr).toContain('high watermark 50');

  const unknownTopic = await runnel(['topics', 'delete-records', randomTopic('missing'), '--partition', '0', '--offset', '1']);
  expect(unknownTopic.code).toBe(1);
  expect(unknownTopic.stderr).toContain('UNKNOWN_TOPIC');

  const unknownPartition = await runnel(['topics', 'delete-records', topic, '--partition', '5', '--offset', '1']);
  expect(unknownPartition.code).toBe(1);
  expect(unknownPartition.stderr).toContain('UNKNOWN_PARTITION');
  expect(unknownPartition.stderr).toContain('partition 5');

  const usage: Array<[string[], string]> = [
    [['topics', 'delete-records', topic, '--partition', '0', '--offset=-2'], 'Invalid value for --offset: "-2"'],
    [['topics', 'delete-records', topic, '--partition', '0', '--offset', 'soon'], 'Invalid value for --offset: "soon"'],
    [['topics', 'delete-records', topic, '--offset', '3'], 'topics delete-records needs --partition P'],
    [['topics', 'delete-records', topic, '--partition', '0'], 'topics delete-records needs --offset O'],
  ];
  for (const [args, message] of usage) {
    const r = await runnel(args);
    expect(r.code, args.join(' ')).toBe(2);
    expect(r.stderr, args.join(' ')).toContain(message);
  }
  expect((await describe(topic)).logStartOffset).toBe(50);
});
