// What a new user tried: the client README's example, then the CLI and small client programs on
// bad input. Each must end with its output and status 0, or a clear error and a non-zero status;
// never Node's exit 13 ("unsettled top-level await"), which a process got when its only pending
// work was an unref'd back-off timer.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { closedPort, localClusterForFile, randomTopic, removeDir, REPO_ROOT, runClientProgram, RUNNEL_MAIN, runRunnel, startServer, tempDir } from './cli/runnel-process.ts';

const local = localClusterForFile();
const runnel = local.runnel;

/** A topic with `records` records "r0".."r<n-1>" in partition `partition` (of `partitions`). */
async function topicWith(records: number, partitions = 2, partition = 1): Promise<string> {
  const topic = randomTopic();
  expect((await runnel(['topics', 'create', topic, '--partitions', String(partitions)])).code).toBe(0);
  const lines = Array.from({ length: records }, (_, i) => `r${i}\n`).join('');
  expect(await runnel(['produce', topic, '--partition', String(partition)], lines)).toMatchObject({ code: 0, stderr: `produced ${records} record(s) to ${topic}\n` });
  return topic;
}

describe('the client README', () => {
  it('its example runs as written (only the bootstrap address points at the test cluster) and prints the record', async () => {
    const readme = await readFile(join(REPO_ROOT, 'packages/client/README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'the README has a ```ts example').toBeDefined();
    expect(example).toContain("'127.0.0.1:9092'");
    const r = await runClientProgram(example!.replaceAll("'127.0.0.1:9092'", `'${local.bootstrap}'`));
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: '0 customer-42 {"total":12}\n' });
  });
});

describe('runnel produce', () => {
  it('to a topic that does not exist fails with UNKNOWN_TOPIC', async () => {
    const r = await runnel(['produce', 'nosuchtopic'], 'hi\n');
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'runnel produce: UNKNOWN_TOPIC: Topic "nosuchtopic" does not exist\n' });
  });

  it('with --bootstrap at a closed port fails with BROKER_NOT_AVAILABLE naming the address', async () => {
    const port = await closedPort();
    const r = await runnel(['produce', 'demo', '--bootstrap', `127.0.0.1:${port}`], 'hi\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`runnel produce: BROKER_NOT_AVAILABLE: Metadata request to 127.0.0.1:${port} failed: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });
});

describe('a client program', () => {
  it('whose send goes to a topic that does not exist ends with UNKNOWN_TOPIC, not a silent exit', async () => {
    const r = await runClientProgram(`
      import { Producer } from '@runnel/client';
      const producer = new Producer({ bootstrap: '${local.bootstrap}' });
      try {
        await producer.send({ topic: 'nosuchtopic', value: 'hi' });
        console.log('sent');
      } catch (err) {
        console.log(err.code, err.message);
        process.exitCode = 1;
      } finally {
        await producer.close();
      }`);
    expect(r).toMatchObject({ code: 1, stdout: 'UNKNOWN_TOPIC Topic nosuchtopic does not exist\n' });
  });

  it('whose producer points at a closed port ends with BROKER_NOT_AVAILABLE', async () => {
    const port = await closedPort();
    const r = await runClientProgram(`
      import { Producer } from '@runnel/client';
      const producer = new Producer({ bootstrap: '127.0.0.1:${port}' });
      await producer.send({ topic: 'demo', value: 'hi' }).catch((err) => { console.log(err.code); process.exitCode = 1; });
      await producer.close();`);
    expect(r).toMatchObject({ code: 1, stdout: 'BROKER_NOT_AVAILABLE\n' });
  });

  it('that aborts at record 500 gets no record after it', async () => {
    const topic = await topicWith(1000, 1, 0);
    const r = await runClientProgram(`
      import { Consumer } from '@runnel/client';
      const consumer = new Consumer({ bootstrap: '${local.bootstrap}' });
      consumer.assign([{ topic: '${topic}', partition: 0 }]);
      consumer.seek({ topic: '${topic}', partition: 0 }, 'earliest');
      const controller = new AbortController();
      let count = 0;
      let last = -1;
      for await (const record of consumer.records({ signal: controller.signal })) {
        count++;
        last = record.offset;
        if (record.offset === 500) controller.abort();
      }
      console.log(count, last);
      await consumer.close();`);
    expect(r).toMatchObject({ code: 0, stdout: '501 500\n' });
  });
});

describe('runnel consume', () => {
  it('from an offset with --max-messages and no --timeout-ms prints the records and exits 0', async () => {
    const topic = await topicWith(16);
    const r = await runnel(['consume', topic, '--partition', '1', '--from', '2', '--max-messages', '2', '--format', '%o=%v']);
    expect(r).toMatchObject({ code: 0, stdout: '2=r2\n3=r3\n', stderr: 'Processed a total of 2 messages\n' });
  });

  it('from an offset past the end fails with OFFSET_OUT_OF_RANGE, or resets only when asked and says so', async () => {
    const topic = await topicWith(16);
    const strict = await runnel(['consume', topic, '--partition', '1', '--from', '1000', '--max-messages', '2']);
    expect(strict).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `runnel consume: OFFSET_OUT_OF_RANGE: Cannot read ${topic}-1 from offset 1000: it is out of range (log start 0, log end 16) and autoOffsetReset is 'none'; pass --offset-reset earliest or latest to read from there instead\n`,
    });
    const reset = await runnel(['consume', topic, '--partition', '1', '--from', '1000', '--max-messages', '2', '--offset-reset', 'earliest', '--format', '%o=%v']);
    expect(reset).toMatchObject({
      code: 0,
      stdout: '0=r0\n1=r1\n',
      stderr: `runnel consume: offset 1000 of ${topic}-1 is out of range (log start 0, log end 16); --offset-reset earliest: reading from offset 0\nProcessed a total of 2 messages\n`,
    });
    const bad = await runnel(['consume', topic, '--offset-reset', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid value for --offset-reset: "sometimes" (expected one of none, earliest, latest)');
  });

  it('of a topic deleted while it reads fails with UNKNOWN_TOPIC', async () => {
    const topic = await topicWith(3, 1, 0);
    const child = spawn(process.execPath, [RUNNEL_MAIN, 'consume', topic, '--from', 'earliest'], { cwd: REPO_ROOT, env: { ...process.env, RUNNEL_BOOTSTRAP: local.bootstrap } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => (stdout += `${line}\n`));
    await new Promise<void>((resolve) => lines.on('line', () => stdout === 'r0\nr1\nr2\n' && resolve()));
    expect(await runnel(['topics', 'delete', topic])).toMatchObject({ code: 0 });
    const code = await exited;
    expect(stdout).toBe('r0\nr1\nr2\n');
    expect(code).toBe(1);
    // Retries are said as they happen; the last line is the error that ended the command.
    const errLines = stderr.trimEnd().split('\n');
    expect(errLines.at(-1)).toMatch(new RegExp(`^runnel consume: UNKNOWN_TOPIC: .*${topic}.* does not exist .*was it deleted\\?\\)$`));
    for (const line of errLines.slice(0, -1)) expect(line).toMatch(/^runnel consume: retrying after (UNKNOWN_TOPIC|UNKNOWN_PARTITION|NOT_LEADER|LEADER_NOT_AVAILABLE): /);
  });

  it('says that it is retrying while its broker is gone, and stops on Ctrl-C', async () => {
    const dir = await tempDir();
    const own = await startServer('local', ['--port', '0', '--data-dir', dir, '--brokers', '1']);
    try {
      expect((await runRunnel(['produce', 'demo', '--partition', '0'], { env: { RUNNEL_BOOTSTRAP: own.bootstrap }, input: 'hello\n' })).code).toBe(0);
      const child = spawn(process.execPath, [RUNNEL_MAIN, 'consume', 'demo', '--from', 'earliest'], { cwd: REPO_ROOT, env: { ...process.env, RUNNEL_BOOTSTRAP: own.bootstrap } });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      const retrying = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('runnel consume: retrying after BROKER_NOT_AVAILABLE: ')) resolve();
      }));
      // Once it is reading (it printed the record), take the broker away.
      await new Promise<void>((resolve) => createInterface({ input: child.stdout }).once('line', () => resolve()));
      await own.stop('SIGKILL');
      const early = await Promise.race([retrying.then(() => undefined), exited]);
      expect(early, `runnel consume exited before saying it retries; stderr: ${stderr}`).toBeUndefined();
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/^runnel consume: retrying after BROKER_NOT_AVAILABLE: Fetch from broker 127\.0\.0\.1:\d+ failed: /);
      expect(stderr.trimEnd().split('\n').at(-1)).toBe('Processed a total of 1 messages');
    } finally {
      await own.stop('SIGKILL');
      await removeDir(dir);
    }
  });
});
