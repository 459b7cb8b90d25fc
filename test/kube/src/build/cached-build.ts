import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';

/** File whose presence marks a published, complete build directory. */
export const completeMarker = '.complete';

/** Options of {@link ensureCachedBuild}. */
export interface CachedBuildOptions {
  /** Directory the finished build is published as; its name should carry the cache key. */
  readonly finalDir: string;
  /** Called once, under the lock, when `finalDir` is not complete yet. Fills `workDir`. */
  readonly build: (workDir: string) => Promise<void>;
  /** Written into the completion marker (what was built, for a human reading the cache). */
  readonly describe: Record<string, unknown>;
  /** Progress lines. @default no output */
  readonly log?: (line: string) => void;
}

/** Whether `dir` holds a complete published build. */
export function isCompleteBuild(dir: string): boolean {
  return existsSync(join(dir, completeMarker));
}

/**
 * Builds into a private work directory and publishes it as `finalDir` with one rename, under a
 * lock next to it. Idempotent and safe to run concurrently, from several processes too: a waiter
 * finds the directory complete when it gets the lock and does not build again. A crashed build
 * leaves only its work directory, which the next build of the same process id replaces.
 */
export async function ensureCachedBuild(options: CachedBuildOptions): Promise<string> {
  const { finalDir } = options;
  if (isCompleteBuild(finalDir)) return finalDir;
  const parent = dirname(finalDir);
  await mkdir(parent, { recursive: true });
  const lockPath = `${finalDir}.lock`;
  options.log?.(`kube:build taking the build lock ${lockPath}`);
  const release = await lockfile.lock(parent, {
    lockfilePath: lockPath,
    stale: 60_000,
    update: 10_000,
    retries: { retries: 1_000, minTimeout: 1_000, maxTimeout: 5_000 },
  });
  try {
    if (isCompleteBuild(finalDir)) return finalDir;
    const workDir = `${finalDir}.tmp-${process.pid}`;
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });
    await options.build(workDir);
    await writeFile(join(workDir, completeMarker), `${JSON.stringify({ ...options.describe, builtAt: new Date().toISOString() })}\n`);
    await rm(finalDir, { recursive: true, force: true });
    await rename(workDir, finalDir);
    return finalDir;
  } finally {
    await release();
  }
}
