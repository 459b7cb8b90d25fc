/**
 * Supervises one broker OS process of the chaos test (`run-broker.ts`): start, SIGKILL, SIGSTOP /
 * SIGCONT, clean stop, restart with an emptied data directory. The broker keeps its port across
 * restarts (clients' bootstrap lists stay valid), and every incarnation appends to one log file in
 * the test's temp dir, so a failure report can show what each broker did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RunBrokerArgs } from './run-broker.ts';

const SCRIPT = fileURLToPath(new URL('./run-broker.ts', import.meta.url));

/** Lifecycle of the supervised process. */
export type ChaosBrokerState = 'down' | 'starting' | 'running' | 'paused';

/** What a broker process is started with; `dataDir` and `logPath` are its own. */
export interface ChaosBrokerOptions extends RunBrokerArgs {
  readonly logPath: string;
  /** Longest wait for a (re)started broker to print its ready line. @default 60000 */
  readonly readyTimeoutMs?: number;
  /** Extra arguments to node, before the script (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
}

/** One broker process, restartable. Methods never leave a process behind: see {@link ChaosBroker.destroy}. */
export class ChaosBroker {
  readonly id: number;
  readonly options: ChaosBrokerOptions;
  #child: ChildProcess | undefined;
  #state: ChaosBrokerState = 'down';
  #log: FileHandle | undefined;
  #incarnation = 0;
  #address = '';
  #metricsAddress: string | undefined;

  constructor(options: ChaosBrokerOptions) {
    this.id = options.brokerId;
    this.options = options;
  }

  get state(): ChaosBrokerState {
    return this.#state;
  }

  /** `host:port` of gRPC (stable across restarts). */
  get address(): string {
    return this.#address || `${this.options.host}:${this.options.port}`;
  }

  /** `host:port` of /metrics of the running incarnation. */
  get metricsAddress(): string | undefined {
    return this.#metricsAddress;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts an incarnation and resolves once it serves; rejects (with the log tail) if it exits first. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.#state !== 'down') throw new Error(`Cannot start broker ${this.id}: it is ${this.#state}`);
    this.#state = 'starting';
    this.#incarnation++;
    await mkdir(this.options.dataDir, { recursive: true });
    this.#log ??= await open(this.options.logPath, 'a');
    await this.#log.write(`\n===== broker ${this.id} incarnation ${this.#incarnation} started at ${new Date().toISOString()} =====\n`);
    const { logPath: _logPath, readyTimeoutMs: _timeout, nodeArgs, ...args } = this.options;
    const child = spawn(process.execPath, [...(nodeArgs ?? []), SCRIPT, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', this.#log.fd],
      env: { ...process.env, RUNNEL_LOG_LEVEL: process.env['RUNNEL_LOG_LEVEL'] ?? 'info' },
    });
    this.#child = child;
    child.once('exit', (code, sig) => {
      if (this.#child === child) {
        this.#child = undefined;
        this.#state = 'down';
      }
      void this.#log?.write(`===== broker ${this.id} exited: code ${code}, signal ${sig} =====\n`).catch(() => undefined);
    });
    const timeout = AbortSignal.timeout(this.options.readyTimeoutMs ?? 60_000);
    const waitSignal = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    try {
      const ready = await readyLine(child, waitSignal);
      this.#address = ready.address;
      this.#metricsAddress = ready.metricsAddress;
      this.#state = 'running';
    } catch (err) {
      await this.kill();
      throw new Error(`Broker ${this.id} did not start: ${(err as Error).message}\n${await this.tail(40)}`, { cause: err });
    }
  }

  /** SIGKILL (also of a paused process) and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP: the process keeps its sockets but does nothing (a GC pause, a frozen VM). */
  pause(): void {
    if (this.#state !== 'running' || this.#child === undefined) throw new Error(`Cannot pause broker ${this.id}: it is ${this.#state}`);
    this.#child.kill('SIGSTOP');
    this.#state = 'paused';
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    if (this.#state !== 'paused' || this.#child === undefined) throw new Error(`Cannot resume broker ${this.id}: it is ${this.#state}`);
    this.#child.kill('SIGCONT');
    this.#state = 'running';
  }

  /** Clean shutdown (SIGTERM), SIGKILL if it takes longer than `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    if (this.#state === 'paused') child.kill('SIGCONT');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Removes the data directory (the broker must be down): a replaced disk. */
  async wipe(): Promise<void> {
    if (this.#state !== 'down') throw new Error(`Cannot empty the data directory of broker ${this.id}: it is ${this.#state}`);
    await rm(this.options.dataDir, { recursive: true, force: true });
  }

  /** The last `lines` lines of this broker's log file (all incarnations). */
  async tail(lines = 60): Promise<string> {
    const text = await readFile(this.options.logPath, 'utf8').catch(() => '');
    return `--- ${this.options.logPath} (last ${lines} lines) ---\n${text.split('\n').slice(-lines - 1).join('\n')}`;
  }

  /** Kills the process if any and closes the log file. Safe to call more than once. */
  async destroy(): Promise<void> {
    await this.kill();
    await this.#log?.close().catch(() => undefined);
    this.#log = undefined;
  }
}

interface Ready {
  address: string;
  metricsAddress?: string;
}

/** The `{"ready": …}` line of run-broker.ts; rejects if the process exits or `signal` aborts first. */
async function readyLine(child: ChildProcess, signal: AbortSignal): Promise<Ready> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const exited = once(child, 'exit', { signal }).then(([code, sig]) => {
    throw new Error(`the process exited (code ${String(code)}, signal ${String(sig)}) before it was ready`);
  });
  const ready = (async (): Promise<Ready> => {
    for await (const line of lines) {
      if (!line.startsWith('{"ready"')) continue;
      return (JSON.parse(line) as { ready: Ready }).ready;
    }
    throw new Error('stdout closed before the ready line');
  })();
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  try {
    return await Promise.race([ready, exited, aborted]);
  } finally {
    exited.catch(() => undefined);
    // Keep draining stdout (nothing else is printed, but a full pipe would block the child).
    child.stdout?.resume();
  }
}
