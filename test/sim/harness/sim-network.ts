/**
 * The network between simulated brokers: request/response calls carried as scheduler events,
 * with seeded delays, random drops and partitions. Each link direction is FIFO (a TCP
 * connection): a message never overtakes an earlier one on the same link. A call goes to the incarnation registered
 * under the target name when it is sent (a restarted broker does not answer its predecessor's
 * connections); a paused target answers late, a dead or unreachable one never (the caller's
 * timeout fires), and an unregistered name refuses at once (BROKER_NOT_AVAILABLE).
 */
import { RunnelError } from '@runnel/protocol';
import type { SimProcess, SimScheduler } from './sim-scheduler.ts';

/** Settings of {@link SimNetwork}. */
export interface SimNetworkOptions {
  /** One-way delay range in virtual ms. @default [0, 2] */
  readonly delayMs?: readonly [number, number];
  /** Probability that a message (request or reply) is lost. @default 0 */
  readonly dropRate?: number;
}

/** Messages carried and faults injected. */
export interface SimNetworkStats {
  calls: number;
  dropped: number;
  cut: number;
  timeouts: number;
  refused: number;
}

interface Endpoint {
  readonly process: SimProcess;
  readonly handler: unknown;
}

const never = new Promise<never>(() => undefined);

/** Point-to-point RPC between named processes. */
export class SimNetwork {
  readonly stats: SimNetworkStats = { calls: 0, dropped: 0, cut: 0, timeouts: 0, refused: 0 };
  readonly faults: { dropRate: number };
  readonly #scheduler: SimScheduler;
  readonly #delay: readonly [number, number];
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #cuts = new Set<string>();
  /** Per direction of a link, the time of its last delivery: links are FIFO, as a TCP connection is. */
  readonly #lastDelivery = new Map<string, number>();

  constructor(scheduler: SimScheduler, options: SimNetworkOptions = {}) {
    this.#scheduler = scheduler;
    this.#delay = options.delayMs ?? [0, 2];
    this.faults = { dropRate: options.dropRate ?? 0 };
  }

  /** Makes `process` answer calls to `name` with `handler` (replacing an older incarnation). */
  register(name: string, process: SimProcess, handler: unknown): void {
    this.#endpoints.set(name, { process, handler });
  }

  /** Removes `name` (calls are refused), if `process` still holds it. */
  unregister(name: string, process: SimProcess): void {
    if (this.#endpoints.get(name)?.process === process) this.#endpoints.delete(name);
  }

  /** Cuts both directions between every member of `a` and every member of `b`. */
  partition(a: readonly string[], b: readonly string[]): void {
    for (const x of a) for (const y of b) this.#cuts.add(linkKey(x, y));
  }

  /** Restores every link of `name` (other partitions and drops stay). */
  reconnect(name: string): void {
    for (const key of [...this.#cuts]) if (key.split('|').includes(name)) this.#cuts.delete(key);
  }

  /** Whether `a` and `b` cannot talk. */
  isCut(a: string, b: string): boolean {
    return this.#cuts.has(linkKey(a, b));
  }

  /** Restores every link and stops random drops. */
  heal(): void {
    this.#cuts.clear();
    this.faults.dropRate = 0;
  }

  /**
   * Calls `invoke` on the handler registered as `to`, on its side of the network. Rejects with
   * REQUEST_TIMED_OUT after `timeoutMs` without a reply, with the signal's reason on abort, or
   * with the handler's own error.
   */
  call<H, R>(from: SimProcess, to: string, label: string, invoke: (handler: H) => Promise<R>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<R> {
    if (!from.alive) return never;
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    this.stats.calls++;
    const scheduler = this.#scheduler;
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        timeout.cancel();
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void => settle(() => reject(signal!.reason as Error));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timeout = scheduler.schedule(options.timeoutMs, from, `${from.toString()} ${label} timeout`, () => {
        this.stats.timeouts++;
        settle(() => reject(new RunnelError('REQUEST_TIMED_OUT', `${label} from ${from.name} to ${to}: no reply within ${options.timeoutMs} ms`)));
      });
      const target = this.#endpoints.get(to);
      if (target === undefined || !target.process.alive) {
        this.stats.refused++;
        scheduler.schedule(this.#oneWay(), from, `${from.toString()} ${label} refused`, () => {
          settle(() => reject(new RunnelError('BROKER_NOT_AVAILABLE', `${label} from ${from.name} to ${to}: connection refused`)));
        });
        return;
      }
      if (!this.#passes(from.name, to)) return;
      scheduler.schedule(this.#fifoDelay(from.name, to), target.process, `${to} handles ${label}`, () => {
        let reply: Promise<R>;
        try {
          reply = invoke(target.handler as H);
        } catch (err) {
          reply = Promise.reject(err as Error);
        }
        reply.then(
          (value) => this.#reply(to, from, label, () => settle(() => resolve(value))),
          (err: unknown) => this.#reply(to, from, label, () => settle(() => reject(err as Error))),
        );
      });
    });
  }

  #reply(to: string, from: SimProcess, label: string, deliver: () => void): void {
    if (!this.#passes(to, from.name)) return;
    this.#scheduler.schedule(this.#fifoDelay(to, from.name), from, `${from.toString()} ${label} reply`, deliver);
  }

  #passes(a: string, b: string): boolean {
    if (this.isCut(a, b)) {
      this.stats.cut++;
      return false;
    }
    if (this.#scheduler.random.chance(this.faults.dropRate)) {
      this.stats.dropped++;
      return false;
    }
    return true;
  }

  /** A random delay, but never overtaking an earlier message on the same link direction. */
  #fifoDelay(from: string, to: string): number {
    const key = `${from}>${to}`;
    const now = this.#scheduler.now;
    // Strictly after the previous one: equal times would be ordered by the seeded tie-break.
    const at = Math.max(now + this.#oneWay(), (this.#lastDelivery.get(key) ?? -1) + 0.001);
    this.#lastDelivery.set(key, at);
    return at - now;
  }

  #oneWay(): number {
    return this.#scheduler.random.int(this.#delay[0], this.#delay[1]);
  }
}

function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
