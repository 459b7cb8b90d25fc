/**
 * The API server of the simulation: a {@link MemoryMetadataStore} (the real CAS semantics) behind
 * a fault-injecting network. Every call of a process travels as events: request delay, apply on
 * the store, reply delay. Faults, all drawn from the seed:
 *
 * - lost requests (never applied) and lost replies (applied!): after its request timeout the caller
 *   sees UNKNOWN_OUTCOME for a write (§6 rule 7: it cannot tell which happened) or UNAVAILABLE
 *   for a read;
 * - slow replies that arrive after the timeout (dropped, as by an HTTP client that gave up);
 * - 409 storms: during a window, another writer touches an object just before a CAS lands;
 * - stalled watches: events held back for a window, then delivered late (or the watch expires);
 * - isolation of one process from the API server (all its requests and replies lost).
 *
 * Every write to a partition record that the store applied is logged in {@link partitionWrites},
 * with its writer, for the white-box check of leader epochs (S7).
 */
import {
  MemoryMetadataStore,
  MetadataStoreError,
  type MetadataStore,
  type ObjectCollection,
  type PartitionState,
  type Versioned,
  type WatchEvent,
  type WatchOptions,
} from '@runnel/metadata';
import type { SimProcess, SimScheduler } from './sim-scheduler.ts';
import { SimWatchStream } from './sim-watch-stream.ts';

/** Network and fault settings of the simulated API server. Rates are probabilities per call. */
export interface SimStoreOptions {
  /** One-way delay range in virtual ms. @default [0, 3] */
  readonly delayMs?: readonly [number, number];
  /** The client's request timeout: no reply by then means UNAVAILABLE. @default 2000 */
  readonly requestTimeoutMs?: number;
  /** Requests lost before reaching the store. @default 0 */
  readonly lostRequestRate?: number;
  /** Replies lost after the store applied the request. @default 0 */
  readonly lostReplyRate?: number;
  /** Replies delayed past the timeout. @default 0 */
  readonly slowReplyRate?: number;
  /** Watch events delayed by up to this much (besides stalls). @default 5 */
  readonly watchDelayMaxMs?: number;
  /**
   * A bug to plant, only to show the checkers catch what it breaks: `ignore-resource-version`
   * turns every update into a blind write (no compare-and-swap).
   */
  readonly plantedBug?: 'ignore-resource-version';
}

/** What the API server did and which faults it injected. */
export interface SimStoreStats {
  requests: number;
  writesApplied: number;
  conflicts: number;
  lostRequests: number;
  lostReplies: number;
  slowReplies: number;
  timeouts: number;
  stormWrites: number;
  watchEventsHeld: number;
  watchesExpired: number;
}

/** One applied write to a partition record. */
export interface PartitionWrite {
  readonly time: number;
  readonly writer: string;
  readonly type: WatchEvent<PartitionState>['type'];
  readonly object: Versioned<PartitionState>;
}

type Kind = 'topics' | 'partitions' | 'brokers';

const never = new Promise<never>(() => undefined);

/** The simulated API server; give each process incarnation its own {@link viewFor}. */
export class SimMetadataStore {
  readonly inner: MemoryMetadataStore;
  readonly stats: SimStoreStats = { requests: 0, writesApplied: 0, conflicts: 0, lostRequests: 0, lostReplies: 0, slowReplies: 0, timeouts: 0, stormWrites: 0, watchEventsHeld: 0, watchesExpired: 0 };
  readonly partitionWrites: PartitionWrite[] = [];
  /** Mutable fault settings (the nemesis changes them during a run). */
  readonly faults: { lostRequestRate: number; lostReplyRate: number; slowReplyRate: number };
  readonly #scheduler: SimScheduler;
  readonly #delay: readonly [number, number];
  readonly #timeoutMs: number;
  readonly #watchDelayMaxMs: number;
  readonly #blindWrites: boolean;
  #stormUntil = -1;
  #stormRate = 0;
  /** Process name -> virtual time until which its watches are stalled ('*' for all). */
  readonly #stalls = new Map<string, { until: number; expire: boolean }>();
  readonly #isolated = new Set<string>();

  private constructor(scheduler: SimScheduler, inner: MemoryMetadataStore, options: SimStoreOptions) {
    this.#scheduler = scheduler;
    this.inner = inner;
    this.#delay = options.delayMs ?? [0, 3];
    this.#timeoutMs = options.requestTimeoutMs ?? 2000;
    this.#watchDelayMaxMs = options.watchDelayMaxMs ?? 5;
    this.#blindWrites = options.plantedBug === 'ignore-resource-version';
    this.faults = { lostRequestRate: options.lostRequestRate ?? 0, lostReplyRate: options.lostReplyRate ?? 0, slowReplyRate: options.slowReplyRate ?? 0 };
  }

  /** A store over a fresh in-memory state (large history so watches can always resume). */
  static async create(scheduler: SimScheduler, options: SimStoreOptions = {}): Promise<SimMetadataStore> {
    return new SimMetadataStore(scheduler, await MemoryMetadataStore.open({ historyLimit: 1_000_000, watchBufferLimit: 100_000 }), options);
  }

  /** For `ms` from now, each CAS update lands after a foreign write of the same object with probability `rate`. */
  conflictStorm(ms: number, rate: number): void {
    this.#stormUntil = this.#scheduler.now + ms;
    this.#stormRate = rate;
  }

  /** Holds back watch events of `processName` ('*': everyone) for `ms`; with `expire`, its watches then end with EXPIRED. */
  stallWatches(processName: string, ms: number, expire = false): void {
    this.#stalls.set(processName, { until: this.#scheduler.now + ms, expire });
  }

  /** Cuts (or restores) the network between `processName` and the API server. */
  isolate(processName: string, cut: boolean): void {
    if (cut) this.#isolated.add(processName);
    else this.#isolated.delete(processName);
  }

  /** Removes every fault: rates to 0, storms and stalls over, isolation healed. */
  heal(): void {
    this.faults.lostRequestRate = 0;
    this.faults.lostReplyRate = 0;
    this.faults.slowReplyRate = 0;
    this.#stormUntil = -1;
    this.#stalls.clear();
    this.#isolated.clear();
  }

  /** The MetadataStore as `process` sees it through the network. */
  viewFor(process: SimProcess): MetadataStore {
    return {
      kind: 'local',
      topics: this.#collection(process, 'topics'),
      partitions: this.#collection(process, 'partitions'),
      brokers: this.#collection(process, 'brokers'),
      close: () => Promise.resolve(),
    };
  }

  #collection<T>(process: SimProcess, kind: Kind): ObjectCollection<T> {
    const inner = this.inner[kind] as unknown as ObjectCollection<T>;
    const write = (what: string, apply: () => Promise<Versioned<T> | undefined>, type: WatchEvent<T>['type']) =>
      this.#request(process, `${kind} ${what}`, async () => {
        const result = await apply();
        this.stats.writesApplied++;
        if (kind === 'partitions' && result !== undefined) {
          this.partitionWrites.push({ time: this.#scheduler.now, writer: process.toString(), type, object: result as unknown as Versioned<PartitionState> });
        }
        return result;
      }, true);
    return {
      list: () => this.#request(process, `${kind} list`, () => inner.list(), false),
      get: (name) => this.#request(process, `${kind} get ${name}`, () => inner.get(name), false),
      create: (name, value) => write(`create ${name}`, () => inner.create(name, value), 'ADDED') as Promise<Versioned<T>>,
      update: (name, value, resourceVersion) => write(`update ${name}`, async () => {
        await this.#maybeStorm(inner, name);
        const version = this.#blindWrites ? ((await inner.get(name))?.resourceVersion ?? resourceVersion) : resourceVersion;
        return inner.update(name, value, version);
      }, 'MODIFIED') as Promise<Versioned<T>>,
      delete: (name, options) => write(`delete ${name}`, async () => {
        const last = await inner.get(name);
        await inner.delete(name, options);
        return last;
      }, 'DELETED').then(() => undefined),
      watch: (options) => this.#watch(process, inner, options),
    };
  }

  /** A foreign writer touches `name` just before the caller's CAS, during a storm. */
  async #maybeStorm<T>(inner: ObjectCollection<T>, name: string): Promise<void> {
    if (this.#scheduler.now > this.#stormUntil || !this.#scheduler.random.chance(this.#stormRate)) return;
    const current = await inner.get(name);
    if (current === undefined) return;
    const written = await inner.update(name, current.value, current.resourceVersion);
    this.stats.stormWrites++;
    if (this.inner.partitions === (inner as unknown)) {
      this.partitionWrites.push({ time: this.#scheduler.now, writer: 'storm', type: 'MODIFIED', object: written as unknown as Versioned<PartitionState> });
    }
  }

  #oneWay(): number {
    return this.#scheduler.random.int(this.#delay[0], this.#delay[1]);
  }

  /** A call through the network; a write without answer is UNKNOWN_OUTCOME, a read UNAVAILABLE. */
  #request<R>(process: SimProcess, label: string, apply: () => Promise<R>, isWrite: boolean): Promise<R> {
    if (!process.alive) return never;
    this.stats.requests++;
    const scheduler = this.#scheduler;
    const random = scheduler.random;
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        timeout.cancel();
        fn();
      };
      const timeout = scheduler.schedule(this.#timeoutMs, process, `${process.toString()} store timeout`, () => {
        this.stats.timeouts++;
        settle(() => reject(isWrite
          ? new MetadataStoreError('UNKNOWN_OUTCOME', `Cannot ${label}: no answer from the API server within ${this.#timeoutMs} ms; the write may or may not have happened`)
          : new MetadataStoreError('UNAVAILABLE', `Cannot ${label}: no answer from the API server within ${this.#timeoutMs} ms`)));
      });
      if (this.#isolated.has(process.name) || random.chance(this.faults.lostRequestRate)) {
        this.stats.lostRequests++;
        return;
      }
      scheduler.schedule(this.#oneWay(), undefined, `store apply ${label}`, () => {
        apply().then(
          (value) => this.#reply(process, () => settle(() => resolve(value))),
          (err: unknown) => {
            if (err instanceof MetadataStoreError && err.code === 'CONFLICT') this.stats.conflicts++;
            this.#reply(process, () => settle(() => reject(err as Error)));
          },
        );
      });
    });
  }

  #reply(process: SimProcess, deliver: () => void): void {
    const random = this.#scheduler.random;
    if (this.#isolated.has(process.name) || random.chance(this.faults.lostReplyRate)) {
      this.stats.lostReplies++;
      return;
    }
    let delay = this.#oneWay();
    if (random.chance(this.faults.slowReplyRate)) {
      this.stats.slowReplies++;
      delay += this.#timeoutMs;
    }
    this.#scheduler.schedule(delay, process, `${process.toString()} store reply`, deliver);
  }

  #watch<T>(process: SimProcess, inner: ObjectCollection<T>, options: WatchOptions): AsyncIterable<WatchEvent<T>> {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    options.signal.addEventListener('abort', stop, { once: true });
    const stream = new SimWatchStream<T>(100_000, () => {
      options.signal.removeEventListener('abort', stop);
      stop();
    });
    if (!process.alive || options.signal.aborted) {
      stream.end();
      return stream;
    }
    const scheduler = this.#scheduler;
    // Deliveries go through one FIFO with a single pending event, so events stay in order even
    // when several come due at the same instant.
    const fifo: Array<{ at: number; deliver: () => void }> = [];
    let scheduled = false;
    const deliverNext = (): void => {
      const head = fifo[0];
      if (head === undefined || scheduled) return;
      scheduled = true;
      scheduler.schedule(head.at - scheduler.now, process, `${process.toString()} watch event`, () => {
        scheduled = false;
        fifo.shift()?.deliver();
        deliverNext();
      });
    };
    let lastAt = scheduler.now;
    let expired = false;
    /** Delivers in order, after a delay, later while stalled. */
    const forward = (deliver: () => void): void => {
      if (!process.alive) {
        stop();
        return;
      }
      let at = Math.max(lastAt, scheduler.now + scheduler.random.int(0, this.#watchDelayMaxMs));
      const stall = this.#stalls.get(process.name) ?? this.#stalls.get('*');
      if (stall !== undefined && stall.until > scheduler.now) {
        this.stats.watchEventsHeld++;
        at = Math.max(at, stall.until);
        if (stall.expire) {
          deliver = () => {
            if (expired) return;
            expired = true;
            this.stats.watchesExpired++;
            stream.fail(new MetadataStoreError('EXPIRED', 'The watch expired while stalled; list again'));
          };
        }
      }
      lastAt = at;
      fifo.push({ at, deliver });
      deliverNext();
    };
    const pump = async (): Promise<void> => {
      try {
        const innerOptions: WatchOptions = options.resourceVersion === undefined ? { signal: controller.signal } : { signal: controller.signal, resourceVersion: options.resourceVersion };
        for await (const event of inner.watch(innerOptions)) forward(() => stream.push(event));
        forward(() => stream.end());
      } catch (err) {
        forward(() => stream.fail(err));
      }
    };
    pump().catch((err: unknown) => scheduler.fail(err));
    return stream;
  }
}
