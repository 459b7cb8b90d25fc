/**
 * Helpers for process tests of the `runnel` command: run it as a real child process (the same
 * Node that runs the tests, on the TypeScript sources), and start `runnel local` in the background.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

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
  // Retried: a process killed just before may still be finishing a write in it (ENOTEMPTY).
  return rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

/** A random topic name. */
export function randomTopic(prefix = 't'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** `runnel local --commands` with its stdin open for commands (stop N, kill N, start N, status). */
export interface CommandedLocal {
  readonly child: ChildProcessWithoutNullStreams;
  /** Broker 0's address (the `bootstrap:` line). */
  readonly bootstrap: string;
  /** Every broker's address, comma-separated (the `brokers:` line). */
  readonly brokers: string;
  /** Sends `line` and resolves with the first later stderr line matching `answer`. */
  command(line: string, answer: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Everything on stderr so far. */
  stderr(): string;
  /** SIGKILL (test cleanup). */
  kill(): void;
}

/** Starts `runnel local --commands ...args` and resolves once it printed its bootstrap and brokers lines. */
export async function startCommandedLocal(args: string[]): Promise<CommandedLocal> {
  const child = spawn(process.execPath, [RUNNEL_MAIN, 'local', '--commands', ...args], { cwd: REPO_ROOT, env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn' } });
  const seen: string[] = [];
  let cursor = 0;
  let wake: (() => void) | undefined;
  createInterface({ input: child.stderr }).on('line', (line) => {
    seen.push(line);
    wake?.();
  });
  const next = async (re: RegExp, timeoutMs: number): Promise<RegExpExecArray> => {
    const signal = AbortSignal.timeout(timeoutMs);
    for (;;) {
      while (cursor < seen.length) {
        const m = re.exec(seen[cursor++]!);
        if (m) return m;
      }
      await new Promise<void>((resolve, reject) => {
        wake = resolve;
        const fail = (): void => reject(new Error(`runnel local printed no line matching ${re} within ${timeoutMs} ms; stderr:\n${seen.join('\n')}`));
        if (signal.aborted) fail();
        signal.addEventListener('abort', fail, { once: true });
      });
    }
  };
  const bootstrapLine = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`runnel local exited with ${code}:\n${seen.join('\n')}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const bootstrap = /^bootstrap: (\S+)$/.exec(bootstrapLine)?.[1];
  if (bootstrap === undefined) throw new Error(`unexpected first line of runnel local: ${bootstrapLine}`);
  const brokers = (await next(/^brokers: (\S+)/, 20_000))[1]!;
  return {
    child,
    bootstrap,
    brokers,
    command(line, answer, timeoutMs = 20_000) {
      child.stdin.write(`${line}\n`);
      return next(answer, timeoutMs);
    },
    stderr: () => seen.join('\n'),
    kill: () => void child.kill('SIGKILL'),
  };
}

/**
 * Runs `code` (TypeScript, an ES module) as a user's program would run: its own Node process in
 * the repository, importing `@runnel/client` by name. Resolves with its exit status and output.
 */
export function runClientProgram(code: string, options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module-typescript', '-'], { cwd: REPO_ROOT, env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the client program did not finish within ${options.timeoutMs ?? 60_000} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(code);
  });
}

/** Whether every one of `ports` can be listened on right now on 127.0.0.1. */
export async function portsFree(ports: readonly number[]): Promise<boolean> {
  for (const port of ports) {
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) await new Promise<void>((resolve) => server.close(() => resolve()));
    else return false;
  }
  return true;
}

/** A loopback port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A `runnel local` shared by one test file, and `runnel` run against it. */
export interface FileLocalCluster {
  /** Its bootstrap address (valid once the file's `beforeAll` ran). */
  readonly bootstrap: string;
  /** Runs `runnel ARGS` with `RUNNEL_BOOTSTRAP` set to this cluster. */
  runnel(args: string[], input?: string): Promise<CliResult>;
}

/**
 * Starts `runnel local` (default options, its own data directory) before the calling file's tests
 * and kills it and removes its data after them. Call at the top level of a test file.
 */
export function localClusterForFile(): FileLocalCluster {
  let local: ServerProcess | undefined;
  let data: string | undefined;
  beforeAll(async () => {
    data = await tempDir();
    local = await startServer('local', ['--port', '0', '--data-dir', data]);
  });
  afterAll(async () => {
    await local?.stop('SIGKILL');
    if (data !== undefined) await removeDir(data);
  });
  const bootstrap = (): string => {
    if (local === undefined) throw new Error('runnel local has not started: use the cluster inside tests or hooks');
    return local.bootstrap;
  };
  return {
    get bootstrap() {
      return bootstrap();
    },
    runnel: (args, input) => runRunnel(args, { env: { RUNNEL_BOOTSTRAP: bootstrap() }, ...(input === undefined ? {} : { input }) }),
  };
}
