// A component that cannot start is named in the error, with the tail of its log, and nothing is
// left behind.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeTestError, startControlPlane, type KubeBinaries } from './src/index.ts';

describe('control-plane start failure', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runnel-broken-bin-'));
    await writeFile(join(dir, 'etcd'), '#!/bin/sh\necho "etcd: simulated disk failure: no space left on device" >&2\nexit 1\n');
    await chmod(join(dir, 'etcd'), 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the component and shows the tail of its log', async () => {
    const binaries: KubeBinaries = { binDir: dir, path: (name) => join(dir, name) };
    const error: unknown = await startControlPlane({ binaries }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KubeTestError);
    expect((error as KubeTestError).code).toBe('COMPONENT_EXITED');
    expect((error as KubeTestError).message).toMatch(/^etcd exited \(code 1\)/);
    expect((error as KubeTestError).message).toContain('simulated disk failure');
    const logPath = /Last lines of (\S+):/.exec((error as KubeTestError).message)?.[1] ?? '';
    expect(logPath).not.toBe('');
    expect(existsSync(logPath)).toBe(false);
  });
});
