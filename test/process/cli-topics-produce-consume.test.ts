import { describe, expect, it } from 'vitest';
import { localClusterForFile, randomTopic } from './cli/runnel-process.ts';

const local = localClusterForFile();
const runnel = local.runnel;

describe('runnel topics', () => {
  it('creates, lists, describes and deletes a topic', async () => {
    const topic = randomTopic();
    const created = await runnel(['topics', 'create', topic, '--partitions', '4', '--config', 'retention.ms=60000']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^created topic ${topic} \\(id [0-9a-f-]{36}\\)\\n$`));
    expect((await runnel(['topics', 'list'])).stdout.split('\n')).toContain(topic);

    const described = await runnel(['topics', 'describe', topic]);
    expect(described.code).toBe(0);
    expect(described.stdout).toContain(`Topic: ${topic}`);
    expect(described.stdout).toContain('PartitionCount: 4');
    expect(described.stdout).toContain('retention.ms=60000');
    expect(described.stdout.match(/\tPartition: \d/g)).toHaveLength(4);

    expect(await runnel(['topics', 'delete', topic])).toMatchObject({ code: 0, stdout: `deleted topic ${topic}\n` });
    expect((await runnel(['topics', 'list'])).stdout.split('\n')).not.toContain(topic);
  });

  it('fails with the stable error code when the topic already exists or does not exist', async () => {
    const topic = randomTopic();
    expect((await runnel(['topics', 'create', topic])).code).toBe(0);
    const again = await runnel(['topics', 'create', topic]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TOPIC_ALREADY_EXISTS');
    const missing = await runnel(['topics', 'delete', randomTopic('missing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('UNKNOWN_TOPIC');
    const invalid = await runnel(['topics', 'create', 'bad/name']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('INVALID_TOPIC_NAME');
  });

  it('rejects bad usage with exit code 2 naming the flag or argument', async () => {
    const cases: Array<[string[], string]> = [
      [['topics', 'create', 'x', '--partitions', '0'], 'Invalid value for --partitions: "0"'],
      [['topics', 'create', 'x', '--config', 'novalue'], 'Invalid value for --config: "novalue"'],
      [['topics', 'create'], 'topics create needs exactly one topic NAME'],
      [['topics', 'frobnicate'], 'Unknown topics action "frobnicate"'],
      [['topics', 'list', '--colour'], "Unknown option '--colour'"],
      [['nosuchcommand'], 'unknown command "nosuchcommand"'],
    ];
    for (const [args, message] of cases) {
      const r = await runnel(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  });
});

describe('runnel produce / consume', () => {
  it('round-trips stdin lines with keys, in order per partition', async () => {
    const topic = randomTopic();
    await runnel(['topics', 'create', topic, '--partitions', '3']);
    const lines = Array.from({ length: 60 }, (_, i) => `user-${i % 5}=event ${i}`);
    const produced = await runnel(['produce', topic, '--key-separator', '='], `${lines.join('\n')}\n`);
    expect(produced.code).toBe(0);
    expect(produced.stderr).toContain(`produced 60 record(s) to ${topic}`);

    const consumed = await runnel(['consume', topic, '--from', 'earliest', '--max-messages', '60', '--format', '%p %o %k %v']);
    expect(consumed.code).toBe(0);
    const rows = consumed.stdout.trim().split('\n').map((l) => l.split(' '));
    expect(rows).toHaveLength(60);
    // Every key stays on one partition, and per key the events are in produce order.
    const byKey = new Map<string, { partitions: Set<string>; events: number[] }>();
    for (const [partition, , key, , n] of rows) {
      const k = byKey.get(key!) ?? { partitions: new Set(), events: [] };
      k.partitions.add(partition!);
      k.events.push(Number(n));
      byKey.set(key!, k);
    }
    expect(byKey.size).toBe(5);
    for (const [key, { partitions, events }] of byKey) {
      expect(partitions.size, key).toBe(1);
      const i = Number(key.split('-')[1]);
      expect(events).toEqual(Array.from({ length: 12 }, (_, j) => i + 5 * j));
    }
  });

  it('reads one partition from an offset, and stops after --timeout-ms without records', async () => {
    const topic = randomTopic();
    await runnel(['topics', 'create', topic, '--partitions', '2']);
    await runnel(['produce', topic, '--partition', '1', '--acks', '1'], 'a\nb\nc\nd\n');
    const fromOffset = await runnel(['consume', topic, '--partition', '1', '--from', '2', '--timeout-ms', '1500', '--format', '%o=%v']);
    expect(fromOffset).toMatchObject({ code: 0, stdout: '2=c\n3=d\n' });
    expect(fromOffset.stderr).toContain('Processed a total of 2 messages');
    const empty = await runnel(['consume', topic, '--partition', '0', '--from', 'earliest', '--timeout-ms', '500']);
    expect(empty).toMatchObject({ code: 0, stdout: '' });
  });

  it('rejects bad produce and consume flags with exit code 2', async () => {
    const cases: Array<[string[], string]> = [
      [['produce'], 'Missing TOPIC'],
      [['produce', 'x', '--acks', '2'], 'Invalid value for --acks: "2"'],
      [['produce', 'x', '--key-separator', ''], 'Invalid value for --key-separator'],
      [['consume', 'x', '--from', 'yesterday'], 'Invalid value for --from: "yesterday"'],
      [['consume', 'x', '--max-messages', '-3'], "--max-messages"],
      [['consume', 'x', '--format', '%q'], 'Invalid value for --format: unknown directive "%q"'],
      [['consume', 'demo', '--partition', '99'], 'Invalid value for --partition: 99'],
    ];
    for (const [args, message] of cases) {
      const r = await runnel(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  });

  it('consuming a topic that does not exist fails with UNKNOWN_TOPIC', async () => {
    const r = await runnel(['consume', randomTopic('absent'), '--from', 'earliest', '--max-messages', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNKNOWN_TOPIC');
  });
});
