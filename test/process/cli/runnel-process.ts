/**
 * Helpers for process tests of the `runnel` command: run it as a real child process (the same
 * Node that runs the tests, on the TypeScript sources), and start `runnel local` in the background.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RUNNEL_MAIN = join(REPO_ROOT, 'packages/cli/src/main.ts');

/** The outcome of one CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `runnel ...args` to completion, feeding `input` on stdin. */
export function runRunnel(args: string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNEL_MAIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runnel ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A temporary directory with a random name, removed by the returned cleanup. */
export async function tempDir(prefix = 'runnel-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A background `runnel local` (or `runnel broker`) process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly bootstrap: string;
  /** Everything it wrote to stdout so far. */
  stdout(): string;
  /** SIGTERM, then waits for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `node main.ts <command> ...args` and resolves once it prints its `bootstrap:` line.
 * Rejects (and kills the process) if it exits first or takes longer than `timeoutMs`.
 */
export function startServer(command: 'local' | 'broker', args: string[], options: { timeoutMs?: number; cwd?: string; npmStart?: boolean } = {}): Promise<ServerProcess> {
  const child = options.npmStart
    ? spawn('npm', ['start', '--silent', '--', ...args], { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(process.execPath, [RUNNEL_MAIN, command, ...args], { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runnel ${command} printed no bootstrap line within ${options.timeoutMs ?? 30_000} ms; stderr: ${err}`));
    }, options.timeoutMs ?? 30_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`runnel ${command} exited with ${code} before it was ready; stderr: ${err}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      out += `${line}\n`;
      const m = /^bootstrap: (\S+)$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        child,
        bootstrap: m[1]!,
        stdout: () => out,
        async stop(signal: NodeJS.Signals = 'SIGTERM') {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill(signal);
          const code = await exited;
          // npm forwards the signal to the script; make sure nothing of the group outlives the test.
          if (options.npmStart && child.pid !== undefined) {
            try {
              process.kill(-child.pid, 'SIGKILL');
            } catch {
              // the group is gone already
            }
          }
          return code;
        },
      });
    });
  });
}

/** Removes a directory tree (test cleanup). */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** A random topic name. */
export function randomTopic(prefix = 't'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
