/**
 * SIGSTOP / SIGCONT of the test control plane's kube-apiserver (its pid comes from the kube
 * tier's context, `apiServerPid`): the chaos test's `pause-apiserver` fault. While it is stopped,
 * the process keeps its sockets, so every request and watch of every client hangs rather than
 * failing fast, as when an API server or its node freezes.
 *
 * The kube tier runs ONE control plane for the whole vitest run, so a stopped API server must
 * never outlive the fault: {@link ApiServerPause.pause} starts a detached watchdog process that
 * sends SIGCONT after a limit even if this test process dies, and an exit hook sends it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';

/** The API server process of the test control plane, pausable. */
export class ApiServerPause {
  readonly pid: number;
  readonly #kubeConfig: KubeConfig;
  #watchdog: ChildProcess | undefined;
  #paused = false;
  readonly #onExit = (): void => {
    if (this.#paused) this.#signal('SIGCONT');
  };

  constructor(pid: number, kubeConfig: KubeConfig) {
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new RangeError(`Invalid kube-apiserver pid ${pid}`);
    this.pid = pid;
    this.#kubeConfig = kubeConfig;
    process.on('exit', this.#onExit);
  }

  /** Whether the kernel reports the process as stopped (state T in /proc/<pid>/stat). */
  stopped(): boolean {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // "pid (comm) S ...": the state follows the last ')' (comm may contain spaces or parentheses).
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T';
    } catch {
      return false;
    }
  }

  /**
   * SIGSTOPs the API server. A detached watchdog process SIGCONTs it after `limitMs` in case this
   * process cannot ({@link resume} stops the watchdog).
   */
  pause(limitMs: number): void {
    if (this.#paused) throw new Error(`kube-apiserver (pid ${this.pid}) is already paused`);
    const watchdog = spawn(process.execPath, ['-e', `setTimeout(() => { try { process.kill(${this.pid}, 'SIGCONT'); } catch {} }, ${Math.ceil(limitMs)});`], {
      detached: true,
      stdio: 'ignore',
    });
    watchdog.unref();
    this.#watchdog = watchdog;
    this.#paused = true;
    this.#signal('SIGSTOP', true);
  }

  /** SIGCONT (harmless when the process runs) and stops the watchdog. Safe to call at any time. */
  resume(): void {
    this.#signal('SIGCONT');
    this.#paused = false;
    this.#watchdog?.kill();
    this.#watchdog = undefined;
  }

  /** Resumes if needed, then waits until `/readyz` answers `ok`; resolves with the ms waited. */
  async ensureReady(timeoutMs: number): Promise<number> {
    if (this.#paused || this.stopped()) this.resume();
    return this.waitReady(timeoutMs);
  }

  /** Polls `/readyz` (as the kubeconfig's admin) until it answers `ok`; resolves with the ms waited. */
  async waitReady(timeoutMs: number): Promise<number> {
    const started = performance.now();
    let last = 'no answer yet';
    while (performance.now() - started < timeoutMs) {
      const answer = await this.#readyz().catch((err: unknown) => `error: ${(err as Error).message}`);
      if (answer === 'ok') return performance.now() - started;
      last = answer;
      await delay(100);
    }
    throw new Error(`kube-apiserver (pid ${this.pid}) did not answer /readyz with ok within ${timeoutMs} ms (last answer: ${last}; stopped: ${this.stopped()})`);
  }

  /** Removes the exit hook (after a final {@link ensureReady}). */
  dispose(): void {
    process.off('exit', this.#onExit);
  }

  #signal(signal: NodeJS.Signals, required = false): void {
    try {
      process.kill(this.pid, signal);
    } catch (err) {
      if (required) {
        this.#paused = false;
        this.#watchdog?.kill();
        throw new Error(`Cannot send ${signal} to kube-apiserver (pid ${this.pid}): ${(err as Error).message}`, { cause: err });
      }
    }
  }

  async #readyz(): Promise<string> {
    const cluster = this.#kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const options: RequestOptions = { method: 'GET', timeout: 2_000 };
    await this.#kubeConfig.applyToHTTPSOptions(options);
    return new Promise((resolve, reject) => {
      const req = request(new URL('/readyz', cluster.server), options, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : `HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}`));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timed out after 2000 ms')));
      req.on('error', reject);
      req.end();
    });
  }
}
