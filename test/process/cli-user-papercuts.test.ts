// The smaller things a new user noticed, each run as the user ran it: topic names that cannot live
// on disk, a partition offline for a permanent cause, oversized lines, acks 0, error messages,
// a taken port, the bench, metric help and terminal logs.
import { spawn, spawnSync } from 'node:child_process';
import { access, readdir, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, portsFree, randomTopic, removeDir, REPO_ROOT, RUNNEL_MAIN, runRunnel, startServer, tempDir, type ServerProcess } from './cli/runnel-process.ts';

let local: ServerProcess;
let data: string;
let metricsPort: number;
beforeAll(async () => {
  data = await tempDir();
  // Three consecutive free ports for the brokers' /metrics (probed, then released).
  for (;;) {
    const p = await closedPort();
    if (p <= 65_000 && (await portsFree([p + 1, p + 2]))) {
      metricsPort = p;
      break;
    }
  }
  local = await startServer('local', ['--port', '0', '--data-dir', data, '--metrics-port', String(metricsPort)]);
});
afterAll(async () => {
  await local?.stop('SIGKILL');
  await removeDir(data);
});

const runnel = (args: string[], input?: string) => runRunnel(args, { env: { RUNNEL_BOOTSTRAP: local.bootstrap }, ...(input === undefined ? {} : { input }), timeoutMs: 120_000 });

describe('topic names', () => {
  it('the longest accepted name works end to end; one more character, or Kafka\'s 249, is refused naming the limit', async () => {
    const longest = `n${randomTopic()}`.padEnd(224, 'x');
    expect(await runnel(['topics', 'create', longest, '--partitions', '2'])).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^created topic ${longest} `)) as unknown });
    expect(await runnel(['produce', longest, '--partition', '1'], 'fits\n')).toMatchObject({ code: 0, stderr: `produced 1 record(s) to ${longest}\n` });
    expect(await runnel(['consume', longest, '--from', 'earliest', '--max-messages', '1'])).toMatchObject({ code: 0, stdout: 'fits\n' });
    for (const length of [225, 249]) {
      const r = await runnel(['topics', 'create', 'y'.repeat(length)]);
      expect(r).toMatchObject({
        code: 1,
        stderr: `runnel topics: INVALID_TOPIC_NAME: Invalid topic name "${'y'.repeat(40)}…": ${length} characters, the limit is 224 (a partition directory <topic>-<partition>-<id> must fit the filesystem's 255-byte file names)\n`,
      });
    }
  });
});

describe('a partition whose log cannot be opened', () => {
  it('fails a produce with STORAGE_ERROR naming the cause, not after the delivery timeout', async () => {
    const dir = await tempDir();
    try {
      const first = await startServer('local', ['--port', '0', '--data-dir', dir, '--brokers', '1']);
      const topic = randomTopic('broken');
      const env = { env: { RUNNEL_BOOTSTRAP: first.bootstrap } };
      expect((await runRunnel(['topics', 'create', topic], env)).code).toBe(0);
      expect((await runRunnel(['produce', topic], { ...env, input: 'a\nb\n' })).code).toBe(0);
      expect(await first.stop('SIGTERM')).toBe(0);
      // Corrupt a file in the middle of the partition's state, so its log cannot be opened.
      const partitionDir = (await readdir(join(dir, 'broker-0'))).find((d) => d.startsWith(`${topic}-0-`));
      expect(partitionDir).toBeDefined();
      await writeFile(join(dir, 'broker-0', partitionDir!, 'leader-epoch-checkpoint'), 'garbage\n');
      const second = await startServer('local', ['--port', '0', '--data-dir', dir, '--brokers', '1']);
      try {
        const r = await runRunnel(['produce', topic], { env: { RUNNEL_BOOTSTRAP: second.bootstrap }, input: 'c\n', timeoutMs: 120_000 });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^runnel produce: STORAGE_ERROR: Cannot produce 1 record\\(s\\) to ${topic}-0 after 0 attempt\\(s\\): Partition ${topic}-0 is offline on broker 0: its log could not be opened: Cannot read checkpoint .*leader-epoch-checkpoint: line 1 has version "garbage", expected 0\\n$`));
      } finally {
        await second.stop('SIGKILL');
      }
    } finally {
      await removeDir(dir);
    }
  });
});

describe('runnel produce', () => {
  it('reports an oversized line by number and sends the others; with acks 0 it says "sent", not "produced"', async () => {
    const topic = randomTopic();
    expect((await runnel(['topics', 'create', topic, '--config', 'max.message.bytes=1000'])).code).toBe(0);
    const input = `small1\n${'x'.repeat(2000)}\nsmall2\n`;
    const tooLarge = `runnel produce: line 2 not sent: RECORD_TOO_LARGE: its record batch is 2070 bytes, more than ${topic}'s max.message.bytes (1000)\n`;
    expect(await runnel(['produce', topic], input)).toMatchObject({ code: 1, stderr: `${tooLarge}produced 2 record(s) to ${topic}; 1 line(s) not sent (see above)\n` });
    expect(await runnel(['produce', topic, '--acks', '0'], input)).toMatchObject({
      code: 1,
      stderr: `${tooLarge}sent 2 record(s) to ${topic} (acks 0: the broker does not confirm that they were stored); 1 line(s) not sent (see above)\n`,
    });
    expect(await runnel(['produce', topic, '--acks', '0'], 'fine\n')).toMatchObject({ code: 0, stderr: `sent 1 record(s) to ${topic} (acks 0: the broker does not confirm that they were stored)\n` });
    const consumed = await runnel(['consume', topic, '--from', 'earliest', '--max-messages', '5']);
    expect(consumed).toMatchObject({ code: 0, stdout: 'small1\nsmall2\nsmall1\nsmall2\nfine\n' });
  });
});

describe('error messages', () => {
  it('do not repeat their own prefix', async () => {
    expect(await runnel(['topics', 'create', 'rf5', '--replication-factor', '5'])).toMatchObject({
      code: 1,
      stderr: 'runnel topics: INVALID_REPLICATION_FACTOR: Cannot create topic rf5 with replication factor 5: the cluster has only 3 broker(s)\n',
    });
  });

  it('a negative number gets the flag\'s own range check, not the parser\'s "ambiguous"', async () => {
    for (const args of [['topics', 'create', 'x', '--partitions', '-1'], ['topics', 'create', 'x', '-p', '-1']]) {
      const r = await runnel(args);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe('runnel topics: Invalid value for --partitions: "-1" (expected an integer from 1 to 100000)');
    }
  });
});

describe('runnel local', () => {
  it('on a port already in use prints one line naming the port and leaves nothing behind', async () => {
    const dir = join(await tempDir(), 'data');
    const port = local.bootstrap.split(':')[1]!;
    const r = await runRunnel(['local', '--port', port, '--data-dir', dir]);
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `runnel local: port ${port} on 127.0.0.1 (broker 0) is already in use (is another runnel local running?); choose another with --port, or --port 0 for free ports\n`,
    });
    await expect(access(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await removeDir(join(dir, '..'));
  });

  it('logs readable lines on a terminal and JSON lines otherwise', async () => {
    const hasScript = spawnSync('script', ['--version']).status === 0;
    const dir = await tempDir();
    const env = { ...process.env, RUNNEL_LOG_LEVEL: 'info' };
    try {
      // Not a terminal: every log line is JSON.
      const piped = spawn(process.execPath, [RUNNEL_MAIN, 'local', '--port', '0', '--brokers', '1', '--data-dir', join(dir, 'a')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      const jsonLine = await firstLine(piped.stderr, /broker started/);
      const pipedExit = new Promise((resolve) => piped.once('exit', resolve));
      piped.kill('SIGKILL');
      await pipedExit;
      expect(JSON.parse(jsonLine)).toMatchObject({ level: 30, msg: 'broker started', broker: 0 });
      if (!hasScript) {
        console.warn('skipping the terminal half: util-linux `script` (to give runnel a pseudo-terminal) is not installed');
        return;
      }
      // A terminal (a pseudo-terminal from `script`): time, level and message, then the fields.
      const command = `${process.execPath} ${RUNNEL_MAIN} local --port 0 --brokers 1 --data-dir ${join(dir, 'b')}`;
      const tty = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const ttyLine = await firstLine(tty.stdout, /broker started/);
      const ttyExit = new Promise((resolve) => tty.once('exit', resolve));
      process.kill(-tty.pid!, 'SIGKILL'); // script and the runnel it started, as one process group
      await ttyExit;
      const plain = ttyLine.replace(/\u001b\[[0-9;]*m/g, '');
      expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: broker started \{"broker":0,"address":"127\.0\.0\.1:\d+","brokerEpoch":1\}\r?$/);
    } finally {
      await removeDir(dir);
    }
  });
});

describe('runnel bench', () => {
  const bench = (args: string[]) => runRunnel(['bench', ...args], { env: { RUNNEL_BOOTSTRAP: local.bootstrap }, timeoutMs: 120_000 });

  it('uses $RUNNEL_BOOTSTRAP like every other command, and consume reads exactly the records produced', async () => {
    const topic = randomTopic('bench');
    const r = await bench(['consume', '--records', '5000', '--record-size', '100', '--topic', topic, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { results: Array<{ workload: string; records: number }> };
    expect(report.results.map((x) => x.records)).toEqual([5000, 5000]);
    // The topic is in the cluster that RUNNEL_BOOTSTRAP names, not in a broker the bench started.
    expect((await runnel(['topics', 'list'])).stdout.split('\n')).toContain(topic);
  });

  it('shows no records/s for the byte-only loopback TCP row', async () => {
    const r = await runRunnel(['bench', 'limits', '--duration', '1'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const row = r.stdout.split('\n').find((l) => l.startsWith('loopback TCP'));
    expect(row).toBeDefined();
    const cells = row!.replace(/^loopback TCP \(\d+ KiB writes\)/, '').trim().split(/\s{2,}/);
    // records, sec, records/s, MB/s
    expect(cells[0]).toBe('-');
    expect(cells[2]).toBe('-');
    expect(Number(cells[3])).toBeGreaterThan(0);
  });
});

describe('metrics', () => {
  it('help texts cite only files that exist in the repository', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      get(`http://127.0.0.1:${metricsPort}/metrics`, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    const help = text.split('\n').filter((l) => l.startsWith('# HELP '));
    expect(help.some((l) => l.startsWith('# HELP runnel_broker_failovers_total '))).toBe(true);
    const cited = [...new Set(help.flatMap((l) => [...l.matchAll(/([\w./-]+\.md)\b/g)].map((m) => m[1]!)))];
    for (const file of cited) await expect(access(join(REPO_ROOT, file)), file).resolves.toBeUndefined();
  });
});

/** The first line of `stream` matching `re`. */
function firstLine(stream: NodeJS.ReadableStream, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stream });
    const timer = setTimeout(() => reject(new Error(`no line matching ${re}`)), 30_000);
    lines.on('line', (line) => {
      if (!re.test(line)) return;
      clearTimeout(timer);
      lines.close();
      resolve(line);
    });
  });
}
