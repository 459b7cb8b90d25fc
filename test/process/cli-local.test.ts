import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { randomTopic, removeDir, runRunnel, startServer, tempDir, type ServerProcess } from './cli/runnel-process.ts';

const servers: ServerProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
  await Promise.all(dirs.splice(0).map(removeDir));
});

async function dir(): Promise<string> {
  const d = await tempDir();
  dirs.push(d);
  return d;
}

describe('runnel local', () => {
  it('prints exactly one bootstrap line, serves the demo topic and stops cleanly on SIGTERM', async () => {
    const data = await dir();
    const local = await startServer('local', ['--port', '0', '--data-dir', data]);
    servers.push(local);
    expect(local.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    const list = await runRunnel(['topics', 'list', '--bootstrap', local.bootstrap]);
    expect(list).toMatchObject({ code: 0, stdout: 'demo\n' });
    const described = await runRunnel(['topics', 'describe', 'demo', '--json', '--bootstrap', local.bootstrap]);
    const [demo] = JSON.parse(described.stdout) as Array<{ partitions: Array<{ leaderId: number }> }>;
    // Three brokers, three partitions spread over them.
    expect(new Set(demo!.partitions.map((p) => p.leaderId))).toEqual(new Set([0, 1, 2]));
    expect(await local.stop('SIGTERM')).toBe(0);
    expect(local.stdout()).toBe(`bootstrap: ${local.bootstrap}\n`);
  });

  it('keeps topics and records across a restart on the same data directory', async () => {
    const data = await dir();
    const topic = randomTopic();
    const first = await startServer('local', ['--port', '0', '--data-dir', data, '--brokers', '2']);
    servers.push(first);
    expect((await runRunnel(['topics', 'create', topic, '--partitions', '2', '-b', first.bootstrap])).code).toBe(0);
    const produced = await runRunnel(['produce', topic, '--partition', '1', '-b', first.bootstrap], { input: 'alpha\nbeta\ngamma\n' });
    expect(produced.code).toBe(0);
    expect(await first.stop('SIGINT')).toBe(0);

    const second = await startServer('local', ['--port', '0', '--data-dir', data, '--brokers', '2']);
    servers.push(second);
    const consumed = await runRunnel(['consume', topic, '--from', 'earliest', '--max-messages', '3', '--format', '%p:%o:%v', '-b', second.bootstrap]);
    expect(consumed).toMatchObject({ code: 0, stdout: '1:0:alpha\n1:1:beta\n1:2:gamma\n' });
    const list = await runRunnel(['topics', 'list', '-b', second.bootstrap]);
    expect(list.stdout.split('\n')).toContain(topic);
  });

  it('npm start runs the local cluster and prints its bootstrap line', async () => {
    const data = await dir();
    const port = await freeLowPort();
    const local = await startServer('local', ['--port', String(port), '--data-dir', data], { npmStart: true });
    servers.push(local);
    expect(local.bootstrap).toBe(`127.0.0.1:${port}`);
    expect(await runRunnel(['topics', 'list', '-b', local.bootstrap])).toMatchObject({ code: 0, stdout: 'demo\n' });
  });

  it('refuses bad flags with exit code 2 and a message naming the flag', async () => {
    const bad = await runRunnel(['local', '--brokers', 'three']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid value for --brokers: "three"');
    const unknown = await runRunnel(['local', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--nope'");
  });
});

/**
 * A free port below the kernel's ephemeral range (32768-60999), where no outgoing connection can
 * take it before `npm start` binds it (a random port up to 39999 once met EADDRINUSE in CI).
 */
async function freeLowPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('No free port in 20000-31999 after 50 tries');
}
