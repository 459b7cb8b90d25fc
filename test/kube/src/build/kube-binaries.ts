import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeTestError } from '../errors.ts';
import { ensureCachedBuild, isCompleteBuild } from './cached-build.ts';
import { assertGoAvailable, runGo, timedStep } from './go-command.ts';
import { binaryNames, pins, type BinaryName } from './pins.ts';

/** Bump when the recipe below changes in a way the pinned files do not show (flags, layout). */
const recipeVersion = '1';
const goModulesDir = fileURLToPath(new URL('../../go/', import.meta.url));

/** Where the binaries of the current pins live, and whether they are already built. */
export interface KubeBinaries {
  /** Directory holding every {@link BinaryName}. */
  readonly binDir: string;
  /** Absolute path of one binary. */
  path(name: BinaryName): string;
}

/** Options of {@link ensureKubeBinaries}. */
export interface EnsureKubeBinariesOptions {
  /** Progress lines (one per step, with timings). @default no output */
  readonly log?: (line: string) => void;
  /** Aborts a running build (the Go process is killed). */
  readonly signal?: AbortSignal;
}

/**
 * Root of the cache. Outside the repository so that a fresh clone on the same machine reuses it.
 * @default `$RUNNEL_KUBE_CACHE` or `~/.cache/runnel/kube`
 */
export function kubeCacheRoot(): string {
  return process.env['RUNNEL_KUBE_CACHE'] ?? join(homedir(), '.cache', 'runnel', 'kube');
}

/** The cache key: the pins, the pinned Go modules (go.mod and go.sum) and the recipe version. */
export async function pinsHash(): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ pins, recipeVersion }));
  for (const module of ['kubernetes', 'etcd']) {
    for (const file of ['go.mod', 'go.sum']) hash.update(await readFile(join(goModulesDir, module, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The binaries for the current pins, without building them; `undefined` when not built yet. */
export async function findKubeBinaries(): Promise<KubeBinaries | undefined> {
  const dir = join(kubeCacheRoot(), await pinsHash());
  return isCompleteBuild(dir) ? binariesIn(join(dir, 'bin')) : undefined;
}

/**
 * Builds etcd, kube-apiserver, kube-controller-manager and kubectl from their pinned Go
 * modules unless the cache already holds them. Idempotent and safe to run concurrently: builds
 * take a lock per pin hash and publish the result with one atomic rename.
 */
export async function ensureKubeBinaries(options: EnsureKubeBinariesOptions = {}): Promise<KubeBinaries> {
  const log = options.log ?? (() => undefined);
  const finalDir = join(kubeCacheRoot(), await pinsHash());
  if (!isCompleteBuild(finalDir)) {
    await assertGoAvailable(goModulesDir, 'the test Kubernetes control plane', ', or point RUNNEL_TEST_KUBECONFIG at an existing cluster');
  }
  await ensureCachedBuild({
    finalDir,
    describe: { pins },
    log,
    build: async (workDir) => {
      const binDir = join(workDir, 'bin');
      await mkdir(binDir, { recursive: true });
      await buildAll(binDir, log, options.signal);
    },
  });
  return binariesIn(join(finalDir, 'bin'));
}

async function buildAll(binDir: string, log: (line: string) => void, signal: AbortSignal | undefined): Promise<void> {
  const minor = pins.kubernetes.split('.')[1] ?? '';
  // The same -X stamps Kubernetes' hack/lib/version.sh sets, so /version and `kubectl version`
  // report the pinned release instead of v0.0.0-master.
  const versionFlags = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${pins.kubernetes}`,
    `-X ${pkg}.gitMajor=1`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
  const common = ['-p', '2', '-trimpath', '-mod=readonly'];
  await timedStep(log, 'kube-apiserver, kube-controller-manager, kubectl', () =>
    runGo(
      ['build', ...common, '-ldflags', ['-s -w', ...versionFlags].join(' '), '-o', `${binDir}/`,
        'k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kube-controller-manager', 'k8s.io/kubernetes/cmd/kubectl'],
      join(goModulesDir, 'kubernetes'), {}, signal),
  );
  await timedStep(log, 'etcd', () =>
    runGo(['build', ...common, '-ldflags', '-s -w', '-o', join(binDir, 'etcd'), 'go.etcd.io/etcd/server/v3'],
      join(goModulesDir, 'etcd'), {}, signal),
  );
}

function binariesIn(binDir: string): KubeBinaries {
  for (const name of binaryNames) {
    if (!existsSync(join(binDir, name))) {
      throw new KubeTestError('KUBE_BINARY_MISSING', `Kube binary ${name} is missing from ${binDir}; delete that directory and run npm run kube:build`);
    }
  }
  return { binDir, path: (name) => join(binDir, name) };
}
