import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { randomTopic, removeDir, REPO_ROOT, RUNNEL_MAIN, runRunnel, startServer, tempDir, type ServerProcess } from './cli/runnel-process.ts';

/** The processes below `root` (Linux /proc), with their command lines. */
async function descendants(root: number): Promise<Array<{ pid: number; cmdline: string }>> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) parents.set(Number(name), ppid);
  }
  const below = (pid: number): number[] => [...parents].filter(([, ppid]) => ppid === pid).flatMap(([child]) => [child, ...below(child)]);
  return Promise.all(below(root).map(async (pid) => ({ pid, cmdline: (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ') })));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const servers: ServerProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
  await Promise.all(dirs.splice(0).map(removeDir));
});

describe('runnel broker', () => {
  it('serves one broker until SIGTERM, then exits 0 and keeps its data for the next start', async () => {
    const data = await tempDir();
    dirs.push(data);
    const topic = randomTopic();
    const broker = await startServer('broker', ['--id', '0', '--port', '0', '--data-dir', data]);
    servers.push(broker);
    expect((await runRunnel(['topics', 'create', topic, '-b', broker.bootstrap])).code).toBe(0);
    expect((await runRunnel(['produce', topic, '-b', broker.bootstrap], { input: 'one\ntwo\n' })).code).toBe(0);
    expect(await broker.stop('SIGTERM')).toBe(0);

    const again = await startServer('broker', ['--id', '0', '--port', '0', '--data-dir', data]);
    servers.push(again);
    const consumed = await runRunnel(['consume', topic, '--from', 'earliest', '--max-messages', '2', '-b', again.bootstrap]);
    expect(consumed).toMatchObject({ code: 0, stdout: 'one\ntwo\n' });
  });

  it('rejects bad flags with exit code 2 naming the flag', async () => {
    const r = await runRunnel(['broker', '--port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid value for --port: "70000"');
    const id = await runRunnel(['broker', '--id', '-1']);
    expect(id.code).toBe(2);
    expect(id.stderr).toContain('--id');
  });
});

describe('runnel bench', () => {
  it('runs a produce workload against its own broker process and prints one JSON object', async () => {
    const r = await runRunnel(['bench', 'produce', '--records', '3000', '--record-size', '100', '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { workload: string; results: Array<{ records: number; recordsPerSec: number; mbPerSec: number; latencyMs: { p50: number; p99: number; p999: number }; brokerRssMb: number }> };
    expect(report.workload).toBe('produce');
    const [result] = report.results;
    expect(result!.records).toBe(3000);
    expect(result!.recordsPerSec).toBeGreaterThan(0);
    expect(result!.latencyMs.p99).toBeGreaterThanOrEqual(result!.latencyMs.p50);
    expect(result!.brokerRssMb).toBeGreaterThan(0);
  });

  it('measures in a process with its brokers\' heap flags, and a SIGTERM stops it and its broker, exit code 143', async () => {
    const bench = spawn(process.execPath, [RUNNEL_MAIN, 'bench', 'e2e', '--duration', '120'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    bench.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
    try {
      let tree: Array<{ pid: number; cmdline: string }> = [];
      while (!tree.some((p) => p.cmdline.includes(' broker '))) {
        expect(bench.exitCode, stderr).toBeNull();
        await sleep(100);
        tree = await descendants(bench.pid!);
      }
      const measuring = tree.find((p) => p.cmdline.includes(' bench e2e '));
      expect(measuring?.cmdline).toContain('--initial-heap-size=128');
      bench.kill('SIGTERM');
      expect(await exited).toBe(143);
      // Once the bench has exited, nothing it started is still running (its broker outlived it before).
      expect(tree.filter((p) => alive(p.pid)).map((p) => p.cmdline)).toEqual([]);
    } finally {
      if (bench.exitCode === null) bench.kill('SIGKILL');
    }
  });

  it('rejects an unknown workload and bad options with exit code 2', async () => {
    const unknown = await runRunnel(['bench', 'fly']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown bench workload "fly"');
    const size = await runRunnel(['bench', 'produce', '--record-size', 'big']);
    expect(size.code).toBe(2);
    expect(size.stderr).toContain('Invalid value for --record-size: "big"');
  });
});
