import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeTestError } from '../errors.ts';

/** Options of {@link ComponentProcess.start}. */
export interface ComponentStartOptions {
  /** Name used in errors ("kube-apiserver"). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr are appended here; the tail goes into start errors. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * One control-plane process (etcd, kube-apiserver, kube-controller-manager) with its log file.
 * Start errors name the component and carry the tail of its log, since that is where the reason is.
 */
export class ComponentProcess {
  readonly name: string;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #exitCode: number | null | undefined;

  private constructor(options: ComponentStartOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    // The child writes its log file itself: nothing to flush when it dies, and the tail we read
    // after its exit is complete.
    const log = openSync(options.logFile, 'a');
    try {
      this.#child = spawn(options.command, [...options.args], { env: options.env ?? process.env, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    this.#exited = new Promise((resolve) => {
      this.#child.on('error', (error) => {
        appendFileSync(options.logFile, `\n[runnel] failed to spawn ${options.command}: ${error.message}\n`);
        this.#exitCode = null;
        resolve();
      });
      this.#child.on('exit', (code, signal) => {
        this.#exitCode = code ?? (signal ? 128 : null);
        resolve();
      });
    });
  }

  /** Spawns the component; call {@link waitHealthy} next. */
  static start(options: ComponentStartOptions): ComponentProcess {
    return new ComponentProcess(options);
  }

  /** Process id, for tests that inject faults. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Polls `check` until it returns true. Kubernetes components offer no readiness event, so this
   * polls with a deadline; it fails at once, with the log tail, if the process exits.
   */
  async waitHealthy(check: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      if (this.#exitCode !== undefined) {
        throw new KubeTestError('COMPONENT_EXITED', `${this.name} exited (code ${this.#exitCode}) before it became healthy. Last lines of ${this.logFile}:\n${await this.logTail()}`);
      }
      if (await check().catch(() => false)) return;
      if (performance.now() > deadline) {
        throw new KubeTestError('COMPONENT_START_FAILED', `${this.name} did not become healthy within ${timeoutMs} ms. Last lines of ${this.logFile}:\n${await this.logTail()}`);
      }
      await delay(100, undefined, signal ? { signal } : {});
    }
  }

  /** The last lines of the component's log. */
  async logTail(lines = 30): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.#exitCode !== undefined) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort for `process.on('exit')`: kills without waiting. */
  killNow(): void {
    if (this.#exitCode === undefined) this.#child.kill('SIGKILL');
  }
}
