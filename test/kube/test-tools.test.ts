// The test tools built from their pinned Go modules (or pip wheels) run and do their job: grpcurl,
// helm and hadolint report their pinned versions, Prometheus (built without its web UI) starts, serves
// its HTTP API and scrapes a target, promtool checks metrics text. `npm run kube:build` builds them before vitest, so a
// missing tool fails here with the command to run rather than being skipped.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtTestTool, ensureTestTool, eventually, findTestTool, testToolPins, type TestToolName } from './src/index.ts';

const run = promisify(execFile);
const saved = { path: process.env['PATH'], cache: process.env['RUNNEL_KUBE_CACHE'] };

afterEach(() => {
  process.env['PATH'] = saved.path;
  if (saved.cache === undefined) delete process.env['RUNNEL_KUBE_CACHE'];
  else process.env['RUNNEL_KUBE_CACHE'] = saved.cache;
});

describe('test tools', () => {
  it('grpcurl reports the pinned version', async () => {
    const grpcurl = await builtTestTool('grpcurl');
    const { stdout, stderr } = await run(grpcurl, ['-version']);
    expect(`${stdout}${stderr}`.trim()).toBe(`grpcurl ${testToolPins.grpcurl}`);
  });

  it('helm reports the pinned version', async () => {
    const { stdout } = await run(await builtTestTool('helm'), ['version', '--template', '{{.Version}}']);
    expect(stdout.trim()).toBe(testToolPins.helm);
  });

  it('hadolint (installed by pip from its hash-pinned wheel) reports the pinned version', async () => {
    const { stdout } = await run(await builtTestTool('hadolint'), ['--version']);
    expect(stdout.trim()).toBe(`Haskell Dockerfile Linter ${testToolPins.hadolint}`);
  });

  it('promtool accepts valid metrics text and names the problem in invalid text', async () => {
    const promtool = await builtTestTool('promtool');
    const check = (input: string) =>
      new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, output }));
        child.stdin.end(input);
      });
    const good = await check('# HELP runnel_up Whether it is up.\n# TYPE runnel_up gauge\nrunnel_up 1\n');
    expect(good).toEqual({ code: 0, output: '' });
    const bad = await check('# HELP runnel_requests Requests.\n# TYPE runnel_requests counter\nrunnel_requests 1\n');
    expect(bad.code).toBe(3);
    expect(bad.output).toContain('counter metrics should have "_total" suffix');
  });

  describe('prometheus', () => {
    let dir: string;
    let prometheus: ChildProcess | undefined;
    let base: string;
    let log = '';

    beforeAll(async () => {
      const binary = await builtTestTool('prometheus');
      dir = await mkdtemp(join(tmpdir(), 'runnel-prometheus-'));
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      await writeFile(
        join(dir, 'prometheus.yml'),
        JSON.stringify({
          global: { scrape_interval: '1s' },
          scrape_configs: [{ job_name: 'self', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
        }),
      );
      prometheus = spawn(
        binary,
        [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prometheus.stdout?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000)));
      prometheus.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000)));
      await eventually('prometheus ready', async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), { timeoutMs: 60_000 }).catch(
        (error: unknown) => {
          throw new Error(`prometheus did not become ready; its log:\n${log}`, { cause: error });
        },
      );
    });

    afterAll(async () => {
      if (prometheus && prometheus.exitCode === null) {
        prometheus.kill('SIGTERM');
        await once(prometheus, 'exit');
      }
      await rm(dir, { recursive: true, force: true });
    });

    it('reports the pinned version through its API', async () => {
      const info = (await (await fetch(`${base}/api/v1/status/buildinfo`)).json()) as { status: string; data: { version: string } };
      expect(info).toMatchObject({ status: 'success', data: { version: testToolPins.prometheus } });
    });

    it('scrapes a static target and answers a PromQL query about it', async () => {
      const value = await eventually('up{job="self"} == 1', async () => {
        const response = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent('up{job="self"}')}`)).json()) as {
          data: { result: { value: [number, string] }[] };
        };
        return response.data.result[0]?.value[1] === '1' ? response.data.result[0].value[1] : undefined;
      });
      expect(value).toBe('1');
    });
  });

  it('fail with TEST_TOOL_NOT_BUILT naming npm run kube:build when a test asks for one that is not built', async () => {
    const emptyCache = await mkdtemp(join(tmpdir(), 'runnel-kube-cache-'));
    try {
      process.env['RUNNEL_KUBE_CACHE'] = emptyCache;
      expect(await findTestTool('grpcurl')).toBeUndefined();
      await expect(builtTestTool('grpcurl')).rejects.toMatchObject({
        code: 'TEST_TOOL_NOT_BUILT',
        message: expect.stringContaining('npm run kube:build'),
      });
      process.env['PATH'] = '/nonexistent';
      await expect(ensureTestTool('promtool')).rejects.toMatchObject({ code: 'GO_NOT_FOUND', message: expect.stringContaining('promtool') });
      await expect(ensureTestTool('hadolint')).rejects.toMatchObject({ code: 'PIP_NOT_FOUND', message: expect.stringContaining('python3') });
    } finally {
      await rm(emptyCache, { recursive: true, force: true });
    }
  });

  it('reject an unknown tool name, listing the known ones', async () => {
    await expect(ensureTestTool('kafka' as TestToolName)).rejects.toMatchObject({
      code: 'UNKNOWN_TEST_TOOL',
      message: 'Unknown test tool "kafka"; the tools are grpcurl, prometheus, promtool, helm, hadolint',
    });
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}
