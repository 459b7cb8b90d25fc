// The build is keyed by the pins: with the cache in place nothing is rebuilt (Go is not even
// needed), and without Go a missing cache fails with a message that says what to do.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureKubeBinaries, findKubeBinaries, kubeTest } from './src/index.ts';

const kube = kubeTest();
const saved = { path: process.env['PATH'], cache: process.env['RUNNEL_KUBE_CACHE'] };

afterEach(() => {
  process.env['PATH'] = saved.path;
  if (saved.cache === undefined) delete process.env['RUNNEL_KUBE_CACHE'];
  else process.env['RUNNEL_KUBE_CACHE'] = saved.cache;
});

describe('pinned binaries', () => {
  // Skipped only under RUNNEL_TEST_KUBECONFIG with nothing built: there is no cache to reuse.
  it.skipIf(!kube.context.binDir)('are reused from the cache without Go when the pins are unchanged', async () => {
    process.env['PATH'] = '/nonexistent';
    const binaries = await ensureKubeBinaries();
    expect(binaries.binDir).toBe(kube.context.binDir);
    expect(binaries.path('kube-apiserver')).toBe(join(kube.context.binDir ?? '', 'kube-apiserver'));
  });

  it('fail with GO_NOT_FOUND and a way out when they must be built and Go is missing', async () => {
    const emptyCache = await mkdtemp(join(tmpdir(), 'runnel-kube-cache-'));
    try {
      process.env['RUNNEL_KUBE_CACHE'] = emptyCache;
      process.env['PATH'] = '/nonexistent';
      expect(await findKubeBinaries()).toBeUndefined();
      await expect(ensureKubeBinaries()).rejects.toMatchObject({
        code: 'GO_NOT_FOUND',
        message: expect.stringContaining('RUNNEL_TEST_KUBECONFIG'),
      });
    } finally {
      await rm(emptyCache, { recursive: true, force: true });
    }
  });
});
