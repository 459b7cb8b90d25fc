import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** Resident and peak resident memory of a process, in bytes, from /proc/<pid>/status (Linux). */
export async function readRss(pid: number): Promise<{ rss: number; peak: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(/^\s*(\d+)/.exec(status.split(`${name}:`)[1] ?? '')?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` and keeps the maximum (VmHWM covers the whole life, this covers a window). */
export class RssSampler {
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;
  max = 0;

  constructor(pid: number, everyMs = 100) {
    this.#pid = pid;
    this.#timer = setInterval(() => {
      void readRss(this.#pid).then((r) => {
        if (r && r.rss > this.max) this.max = r.rss;
      });
    }, everyMs);
    this.#timer.unref();
  }

  stop(): number {
    clearInterval(this.#timer);
    return this.max;
  }
}

/** A `runnel broker` child process started by the bench. */
export interface BenchBroker {
  readonly pid: number;
  readonly bootstrap: string;
  stop(): Promise<void>;
}

/**
 * V8 flags for a broker process. Fetch responses are large short-lived buffers, and with V8's
 * default initial heap limits every ~15 MB of them starts a full mark-compact (measured: 13 per
 * 200 MB consumed, against 3 with this flag). A larger initial heap raises that threshold; it
 * reserves nothing up front. Production brokers should run with the same flag.
 */
export const BROKER_NODE_FLAGS: readonly string[] = ['--initial-heap-size=128'];

/**
 * Starts `runnel broker` in its own process (the bench client must not share its event loop) on a
 * free port with the given data dir; `nodeArgs` go to node after {@link BROKER_NODE_FLAGS} (e.g.
 * --cpu-prof), `brokerArgs` to `runnel broker`.
 */
export function spawnBroker(dataDir: string, nodeArgs: readonly string[] = [], brokerArgs: readonly string[] = []): Promise<BenchBroker> {
  const child: ChildProcess = spawn(process.execPath, [...BROKER_NODE_FLAGS, ...nodeArgs, MAIN, 'broker', '--port', '0', '--data-dir', dataDir, ...brokerArgs], {
    env: { ...process.env, RUNNEL_LOG_LEVEL: process.env['RUNNEL_LOG_LEVEL'] ?? 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stopOnSignal(child);
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`runnel broker exited with ${code} before it was ready`));
    child.once('exit', onExit);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^bootstrap: (\S+)$/.exec(line);
      if (!m) return;
      child.off('exit', onExit);
      resolve({
        pid: child.pid!,
        bootstrap: m[1]!,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** Brokers this process started that are still running. */
const running = new Set<ChildProcess>();

/**
 * Keeps `child` from outliving a bench stopped by SIGINT or SIGTERM: the first such signal stops
 * every running broker (SIGTERM, a clean shutdown; SIGKILL after 10 s) and then exits with 128 +
 * the signal's number,
 * as the default action would have. Before, a `kill <bench pid>` left its brokers running.
 */
function stopOnSignal(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (running.size === 1 && process.listenerCount('SIGTERM') === 0 && process.listenerCount('SIGINT') === 0) {
    const onSignal = (signal: NodeJS.Signals): void => {
      const children = [...running];
      let left = children.length;
      const exit = (): void => process.exit(128 + constants.signals[signal]);
      if (left === 0) return exit();
      for (const c of children) {
        c.once('exit', () => {
          if (--left === 0) exit();
        });
        c.kill('SIGTERM');
      }
      // A broker that does not finish its shutdown in time is killed.
      setTimeout(() => {
        for (const c of children) c.kill('SIGKILL');
      }, 10_000).unref();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
}
