/** The test harness's Prometheus refuses bad input with errors that say what was wrong. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPrometheus } from '@runnel/monitoring/testing';
import { builtTestTool } from '@runnel/test-kube';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './broker/test-cluster.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await removeDir(d);
});

describe('startPrometheus', () => {
  it('fails with Prometheus\' own message when a rule file does not parse', async () => {
    const dir = await tempDir('runnel-prom-bad-');
    dirs.push(dir);
    const rules = join(dir, 'bad.rules.yml');
    await writeFile(rules, 'groups:\n  - name: bad\n    rules:\n      - alert: Broken\n        expr: sum by (x (up)\n');
    const err = await startPrometheus({ binary: await builtTestTool('prometheus'), dir, jobs: [], ruleFiles: [rules] }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/Prometheus exited .* before it was ready/);
    expect((err as Error).message).toContain('bad.rules.yml');
  });

  it('names the binary it could not start', async () => {
    const dir = await tempDir('runnel-prom-missing-');
    dirs.push(dir);
    const binary = join(dir, 'no-such-prometheus');
    await expect(startPrometheus({ binary, dir, jobs: [] })).rejects.toThrow(`Cannot start Prometheus (${binary})`);
  });
});
