import { spawn } from 'node:child_process';
import { KubeTestError } from '../errors.ts';

/**
 * Runs `go` with `CGO_ENABLED=0` (every binary built here is static), keeping the last 8 KB of
 * stderr for the error. Rejects with `GO_BUILD_FAILED` on a non-zero exit.
 */
export function runGo(args: readonly string[], cwd: string, env: Record<string, string>, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd,
      env: { ...process.env, CGO_ENABLED: '0', ...env },
      stdio: ['ignore', 'inherit', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8_000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new KubeTestError('GO_BUILD_FAILED', `go ${args.join(' ')} failed (exit ${code}) in ${cwd}:\n${stderr}`));
    });
  });
}

/**
 * Fails with `GO_NOT_FOUND` when `go version` does not run.
 * @param what what needed Go, for the message ("the test Kubernetes control plane")
 * @param wayOut what a user without Go can do instead, appended to the message
 */
export async function assertGoAvailable(cwd: string, what: string, wayOut: string): Promise<void> {
  try {
    await runGo(['version'], cwd, {}, undefined);
  } catch (error) {
    throw new KubeTestError(
      'GO_NOT_FOUND',
      `Cannot build ${what}: the \`go\` command (Go ≥ 1.26) was not found or failed. ` +
        `Install Go from https://go.dev/dl/ and put it on PATH${wayOut}.`,
      { cause: error },
    );
  }
}

/** Runs one build step, logging its start and its wall time. */
export async function timedStep(log: (line: string) => void, what: string, run: () => Promise<void>): Promise<void> {
  const started = performance.now();
  log(`kube:build building ${what} …`);
  await run();
  log(`kube:build built ${what} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
