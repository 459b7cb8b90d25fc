/**
 * `runnel consume --group` and `runnel groups ...` as a user runs them, against `runnel local`:
 * two group consumers share a topic's partitions and print every record once, the group then
 * shows LAG 0 per partition, offsets are reset (dry run first), and every bad input exits with
 * its stable code and a message naming what was wrong.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { localClusterForFile, randomTopic, REPO_ROOT, RUNNEL_MAIN } from './cli/runnel-process.ts';

const local = localClusterForFile();
const runnel = local.runnel;

/** A background `runnel consume --group`, resolved once the group assigned it partitions. */
async function groupConsumer(args: string[]): Promise<{ stop: () => Promise<{ code: number | null; stdout: string; stderr: string }> }> {
  const child = spawn(process.execPath, [RUNNEL_MAIN, 'consume', ...args], { cwd: REPO_ROOT, env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn', RUNNEL_BOOTSTRAP: local.bootstrap }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runnel consume ${args.join(' ')} was assigned nothing within 30 s; stderr: ${stderr}`)), 30_000);
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      if (/ assigned /.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`runnel consume exited with ${code}: ${stderr}`)));
  });
  return {
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      return { code, stdout, stderr };
    },
  };
}

describe('runnel consume --group and runnel groups', () => {
  it('shares partitions between group consumers, commits what they printed, and shows LAG 0', async () => {
    const topic = randomTopic();
    const group = randomTopic('g');
    expect((await runnel(['topics', 'create', topic, '--partitions', '4'])).code).toBe(0);
    const a = await groupConsumer([topic, '--group', group, '--from', 'earliest']);
    const b = await groupConsumer([topic, '--group', group, '--from', 'earliest']);
    // Keys spread the 200 records over the four partitions.
    const lines = Array.from({ length: 200 }, (_, i) => `k${i}:v${i}`).join('\n');
    expect((await runnel(['produce', topic, '--key-separator', ':'], `${lines}\n`)).code).toBe(0);
    // Wait until the group has committed everything (commits happen every second).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const d = await runnel(['groups', 'describe', group, '--json']);
      const offsets = (JSON.parse(d.stdout) as Array<{ offsets: Array<{ lag: number; committedOffset: number }> }>)[0]!.offsets;
      if (offsets.length === 4 && offsets.every((o) => o.lag === 0 && o.committedOffset >= 0)) break;
      if (Date.now() > deadline) throw new Error(`the group did not catch up: ${d.stdout}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const table = (await runnel(['groups', 'describe', group])).stdout;
    const [ra, rb] = [await a.stop(), await b.stop()];
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    // Both got partitions, and together they printed each record exactly once.
    const got = [...ra.stdout.split('\n'), ...rb.stdout.split('\n')].filter(Boolean).sort();
    expect(ra.stdout).not.toBe('');
    expect(rb.stdout).not.toBe('');
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`).sort());

    // The readable table: a header line, then TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG MEMBER per partition.
    const rows = table.trim().split('\n');
    expect(rows[0]).toMatch(new RegExp(`^Group: ${group}  State: Stable  Epoch: \\d+  Members: 2  Coordinator: \\d+$`));
    expect(rows[1]).toMatch(/^TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +MEMBER +ERROR$/);
    expect(rows.slice(2).map((r) => r.split(/ +/).slice(0, 5))).toEqual([0, 1, 2, 3].map((p) => {
      const row = rows.find((r) => r.startsWith(`${topic} `) && r.split(/ +/)[1] === String(p))!.split(/ +/);
      return [topic, String(p), row[3]!, row[3]!, '0'];
    }));

    const listed = await runnel(['groups', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^GROUP +STATE +MEMBERS +COORDINATOR$/);
    expect(listed.stdout).toMatch(new RegExp(`^${group} +Empty +0 +\\d+$`, 'm'));
    const listedJson = JSON.parse((await runnel(['groups', 'list', '--json'])).stdout) as Array<{ groupId: string; state: string; members: number }>;
    expect(listedJson.find((g) => g.groupId === group)).toMatchObject({ state: 'Empty', members: 0 });

    // A third consumer of the group starts where the group committed: nothing is left to print.
    const again = await runnel(['consume', topic, '--group', group, '--from', 'earliest', '--timeout-ms', '3000']);
    expect(again).toMatchObject({ code: 0, stdout: '' });

    // Reset: a dry run writes nothing, --execute moves every partition to earliest.
    const dry = await runnel(['groups', 'reset-offsets', group, '--to-earliest']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n')[0]).toMatch(/^TOPIC +PARTITION +PREVIOUS-OFFSET +NEW-OFFSET +ERROR$/);
    expect(dry.stdout.trim().split('\n').slice(1).map((r) => r.split(/ +/)[3])).toEqual(['0', '0', '0', '0']);
    expect(dry.stderr).toBe(`runnel groups: dry run, nothing written; add --execute to reset the offsets of group ${group}\n`);
    const before = JSON.parse((await runnel(['groups', 'describe', group, '--json'])).stdout) as Array<{ offsets: Array<{ lag: number }> }>;
    expect(before[0]!.offsets.map((o) => o.lag)).toEqual([0, 0, 0, 0]);
    const executed = await runnel(['groups', 'reset-offsets', group, '--to-earliest', '--topic', `${topic}:0,1`, '--execute', '--json']);
    expect(executed.code).toBe(0);
    expect((JSON.parse(executed.stdout) as Array<{ partition: number; newOffset: number }>).map((r) => [r.partition, r.newOffset])).toEqual([[0, 0], [1, 0]]);
    const replay = await runnel(['consume', topic, '--group', group, '--timeout-ms', '3000']);
    expect(replay.code).toBe(0);
    const lagBefore = before[0]!.offsets;
    expect(lagBefore).toHaveLength(4);
    const described = JSON.parse((await runnel(['groups', 'describe', group, '--json'])).stdout) as Array<{ offsets: Array<{ committedOffset: number; logEndOffset: number }> }>;
    const replayed = described[0]!.offsets.slice(0, 2).reduce((n, o) => n + o.logEndOffset, 0);
    expect(replay.stdout.split('\n').filter(Boolean)).toHaveLength(replayed);

    expect(await runnel(['groups', 'delete', group])).toMatchObject({ code: 0, stdout: `deleted group ${group}\n` });
    const gone = await runnel(['groups', 'describe', group]);
    expect(gone).toMatchObject({ code: 1, stderr: `runnel groups: GROUP_ID_NOT_FOUND: Group ${group} does not exist\n` });
  }, 120_000);

  it('fails with a stable code on an unknown group, a reset or delete of a group with members, an invalid regex and a group id too long', async () => {
    const topic = randomTopic();
    const group = randomTopic('g');
    expect((await runnel(['topics', 'create', topic])).code).toBe(0);
    expect(await runnel(['groups', 'describe', 'no-such-group'])).toMatchObject({ code: 1, stderr: 'runnel groups: GROUP_ID_NOT_FOUND: Group no-such-group does not exist\n' });
    const missingReset = await runnel(['groups', 'reset-offsets', 'no-such-group', '--to-latest']);
    expect(missingReset.code).toBe(1);
    expect(missingReset.stderr).toMatch(/^runnel groups: GROUP_ID_NOT_FOUND: .*no-such-group/);

    const member = await groupConsumer([topic, '--group', group]);
    const reset = await runnel(['groups', 'reset-offsets', group, '--to-earliest', '--topic', topic, '--execute']);
    expect(reset.code).toBe(1);
    expect(reset.stderr).toMatch(new RegExp(`^runnel groups: NON_EMPTY_GROUP: .*${group}.*\\n$`));
    const del = await runnel(['groups', 'delete', group]);
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(new RegExp(`^runnel groups: NON_EMPTY_GROUP: .*${group}.*\\n$`));
    expect((await member.stop()).code).toBe(0);

    const regex = await runnel(['consume', '--group', group, '--pattern', '(']);
    expect(regex.code).toBe(1);
    expect(regex.stderr).toMatch(/^runnel consume: INVALID_REGULAR_EXPRESSION: .*Invalid regular expression.*\n$/);

    const long = 'g'.repeat(256);
    const tooLong = await runnel(['consume', topic, '--group', long]);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(/^runnel consume: INVALID_GROUP_ID: Invalid group id "g+": expected 1-255 characters\n$/);
    const describeLong = await runnel(['groups', 'describe', long]);
    expect(describeLong.code).toBe(1);
    expect(describeLong.stderr).toMatch(/^runnel groups: INVALID_GROUP_ID: .*256 characters, over the limit of 255\n$/);
  }, 120_000);

  it('rejects bad usage with exit code 2 naming the flag', async () => {
    const cases: Array<[string[], string]> = [
      [['groups', 'frobnicate'], 'Unknown groups action "frobnicate" (expected list, describe, reset-offsets or delete)'],
      [['groups', 'describe'], 'groups describe needs a GROUP'],
      [['groups', 'reset-offsets', 'g'], 'reset-offsets needs one of --to-earliest, --to-latest, --to-offset, --to-datetime, --by-duration'],
      [['groups', 'reset-offsets', 'g', '--to-earliest', '--to-latest'], 'Give only one of --to-earliest, --to-latest'],
      [['groups', 'reset-offsets', 'g', '--to-offset', '-1'], 'Invalid value for --to-offset: "-1"'],
      [['groups', 'reset-offsets', 'g', '--by-duration', '10 minutes'], 'Invalid value for --by-duration: "10 minutes"'],
      [['groups', 'reset-offsets', 'g', '--to-datetime', 'yesterday'], 'Invalid value for --to-datetime: "yesterday"'],
      [['groups', 'reset-offsets', 'g', '--to-latest', '--topic', 't:x'], 'Invalid value for --topic: "t:x"'],
      [['consume', 't', '--group', 'g', '--from', '5'], 'Invalid value for --from: "5" (expected one of earliest, latest)'],
      [['consume', 't', '--group', 'g', '--partition', '1'], '--partition cannot be used with --group'],
      [['consume', 't', '--group', 'g', '--pattern', 't.*'], 'Give TOPIC or --pattern, not both'],
      [['consume', 't', '--pattern', 't.*'], '--pattern needs --group'],
    ];
    for (const [args, message] of cases) {
      const r = await runnel(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  }, 60_000);
});
