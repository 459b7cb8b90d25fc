/**
 * A simulated cluster: N brokers, each a sequence of incarnations (SimProcess) with its own disk,
 * one API server, one network, all on one scheduler. Process faults live here: crash (kill -9,
 * with either a power loss that drops unsynced data or only the process dying), restart (a new incarnation, so a new brokerEpoch), restart with an
 * emptied data directory, pause (SIGSTOP) and resume.
 */
import { provisionPartitions, type MetadataStore, type TopicDefinition } from '@runnel/metadata';
import { SimDisk, type CrashKind } from '../harness/sim-disk.ts';
import { SimMetadataStore, type SimStoreOptions } from '../harness/sim-metadata-store.ts';
import { SimNetwork, type SimNetworkOptions } from '../harness/sim-network.ts';
import type { SimRandom } from '../harness/sim-random.ts';
import { SimProcess, SimScheduler } from '../harness/sim-scheduler.ts';
import { VirtualClock } from '../harness/virtual-clock.ts';
import type { HighWatermarkObservation } from '../invariants/white-box-invariants.ts';
import type { SimNode, SimNodeFactory, SimTiming } from './sim-node.ts';

/** One topic of the simulated cluster. */
export interface SimTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  /** More topic configs (e.g. tiny `segment.bytes` and a `retention.bytes`). */
  readonly configs?: Readonly<Record<string, string>>;
}

/** Options of {@link SimCluster.create}. */
export interface SimClusterOptions {
  readonly random: SimRandom;
  readonly brokers: number;
  readonly topics: readonly SimTopic[];
  readonly timing: SimTiming;
  readonly factory: SimNodeFactory;
  readonly store?: SimStoreOptions;
  readonly network?: SimNetworkOptions;
  /** Monotonic clock rates are drawn from 1 ± this, per incarnation. @default 0.05 */
  readonly clockDrift?: number;
  /** Keep this many log lines for a failing seed's report. @default 4000 */
  readonly traceLimit?: number;
  /**
   * Create the partition records before any broker runs (leaderless; the replicas elect), or leave
   * that to {@link SimCluster.provisionTopics} once brokers run (each record then names its first
   * leader if a replica is live). @default true
   */
  readonly provisionBeforeStart?: boolean;
}

/** Process faults applied, by kind. */
export interface ProcessFaultCounts {
  crashes: number;
  /** Crashes that were a power loss (unsynced data and directory entries lost). */
  powerLosses: number;
  /** Crashes that were a process kill only (everything written survives). */
  kills: number;
  restarts: number;
  wipedRestarts: number;
  pauses: number;
  cleanRestarts: number;
  /** Starts that failed (the process exited and was started again after a back-off). */
  startFailures: number;
}

interface BrokerSlot {
  readonly id: number;
  readonly disk: SimDisk;
  incarnation: number;
  process: SimProcess | undefined;
  node: SimNode | undefined;
  /** The clean-shutdown marker: set by a completed clean shutdown, consumed by the next start. */
  cleanMarker: boolean;
  /** The data directory's identity (as meta.json's brokerUuid); a new one after a wipe. */
  dataDirUuid: string;
}

/** The brokers, API server and network of one simulation run. */
export class SimCluster {
  readonly scheduler: SimScheduler;
  readonly store: SimMetadataStore;
  readonly network: SimNetwork;
  readonly topics: readonly SimTopic[];
  readonly timing: SimTiming;
  readonly faults: ProcessFaultCounts = { crashes: 0, powerLosses: 0, kills: 0, restarts: 0, wipedRestarts: 0, pauses: 0, cleanRestarts: 0, startFailures: 0 };
  readonly highWatermarks: HighWatermarkObservation[] = [];
  /** Log starts moved by leaders' retention, in order. */
  readonly retention: Array<{ broker: number; partition: string; logStartOffset: number }> = [];
  /** The last log lines (virtual time, process, message). */
  readonly trace: string[] = [];
  readonly #slots: BrokerSlot[];
  readonly #factory: SimNodeFactory;
  readonly #traceLimit: number;
  readonly #clockDrift: number;
  readonly #placement: { startIndex: number; replicaShift: number };
  /** Partition records this run created named led from the create, and leaderless. */
  readonly provisioned = { led: 0, leaderless: 0 };
  /** The operator (reassignment requests): a process of its own that never crashes, with its own view of the API server. */
  readonly operatorStore: MetadataStore;

  private constructor(scheduler: SimScheduler, store: SimMetadataStore, options: SimClusterOptions) {
    this.scheduler = scheduler;
    this.store = store;
    this.network = new SimNetwork(scheduler, options.network);
    this.topics = options.topics;
    this.timing = options.timing;
    this.#factory = options.factory;
    this.#traceLimit = options.traceLimit ?? 4000;
    this.#clockDrift = options.clockDrift ?? 0.05;
    this.operatorStore = store.viewFor(new SimProcess('operator', 1));
    this.#placement = { startIndex: options.random.int(0, options.brokers - 1), replicaShift: options.random.int(0, options.brokers - 1) };
    this.#slots = Array.from({ length: options.brokers }, (_, i) => ({ id: i + 1, disk: new SimDisk(scheduler), incarnation: 0, process: undefined, node: undefined, cleanMarker: false, dataDirUuid: `disk-${i + 1}-1` }));
  }

  /** A cluster with its topics created in the store (no broker started yet). */
  static async create(options: SimClusterOptions): Promise<SimCluster> {
    const scheduler = new SimScheduler(options.random);
    const store = await SimMetadataStore.create(scheduler, { requestTimeoutMs: options.timing.requestTimeoutMs, ...options.store });
    const cluster = new SimCluster(scheduler, store, options);
    for (const t of options.topics) {
      // A fixed topicId and pinned placement: nothing in a run may depend on anything but the seed.
      const definition: TopicDefinition = {
        name: t.name,
        topicId: `sim-${t.name}`,
        partitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configs: { 'min.insync.replicas': String(t.minInsyncReplicas), durability: 'fsync', ...t.configs },
        assignments: [],
      };
      await store.inner.topics.create(t.name, definition);
    }
    if (options.provisionBeforeStart ?? true) await cluster.#provision(store.inner);
    return cluster;
  }

  /**
   * The operator's provisioning of every topic through its own view of the API server (lost
   * requests and replies included), retried until it succeeds: run it while the brokers run and it
   * exercises the creation of records led by a live replica (`electFirstLeader`).
   */
  async provisionTopics(): Promise<void> {
    for (;;) {
      try {
        await this.#provision(this.operatorStore);
        return;
      } catch (err) {
        this.log('operator', 'provisioning failed; retrying', { err: String(err) });
        await new Promise<void>((resolve) => this.scheduler.schedule(this.timing.renewPeriodMs, undefined, 'operator retry', resolve));
      }
    }
  }

  async #provision(store: MetadataStore): Promise<void> {
    const ids = this.brokerIds;
    for (const t of this.topics) {
      // The same provisioning the operator and the tests on Kubernetes use.
      const result = await provisionPartitions(store, t.name, {
        brokers: ids,
        placement: { startIndex: this.#placement.startIndex, replicaShift: this.#placement.replicaShift },
        // Seeded ids, so that a seed replays exactly.
        newId: () => `operator-${this.scheduler.random.int(0, 0x7fffffff).toString(16)}`,
      });
      this.provisioned.led += result.led;
      this.provisioned.leaderless += result.created.length - result.led;
    }
  }

  get brokerIds(): number[] {
    return this.#slots.map((s) => s.id);
  }

  /** The running (or paused) incarnation of a broker, if any. */
  node(id: number): SimNode | undefined {
    const slot = this.#slot(id);
    return slot.process?.alive === true ? slot.node : undefined;
  }

  process(id: number): SimProcess | undefined {
    const p = this.#slot(id).process;
    return p?.alive === true ? p : undefined;
  }

  disk(id: number): SimDisk {
    return this.#slot(id).disk;
  }

  /** Network name of a broker. */
  static endpoint(id: number): string {
    return `broker-${id}`;
  }

  /** Starts a new incarnation of broker `id` (which must not be running); `start()` runs in the background. */
  start(id: number): void {
    const slot = this.#slot(id);
    if (slot.process?.alive === true) throw new Error(`Cannot start broker ${id}: incarnation ${slot.process.toString()} is still alive`);
    const process = new SimProcess(SimCluster.endpoint(id), ++slot.incarnation);
    slot.process = process;
    const log = (msg: string, fields?: Record<string, unknown>): void => this.log(process.toString(), msg, fields);
    const cleanStart = slot.cleanMarker;
    slot.cleanMarker = false;
    slot.node = this.#factory({
      brokerId: id,
      process,
      random: this.scheduler.random.fork(),
      cleanStart,
      dataDirUuid: slot.dataDirUuid,
      clock: new VirtualClock(this.scheduler, process, {
        wallSkewMs: this.scheduler.random.int(-3_600_000, 3_600_000),
        rate: 1 + (this.scheduler.random.next() * 2 - 1) * this.#clockDrift,
      }),
      store: this.store.viewFor(process),
      io: slot.disk.ioFor(process),
      dataDir: '/data',
      network: this.network,
      endpointOf: SimCluster.endpoint,
      timing: this.timing,
      observeHighWatermark: (o) => this.highWatermarks.push(o),
      observeRetention: (o) => this.retention.push(o),
      log,
    });
    log('starting');
    slot.node.start().catch((err: unknown) => {
      // A start cut short by a crash never settles. One that fails (e.g. the API server did not
      // answer) makes the process exit, and the kubelet starts it again after a back-off; the
      // page cache survives an exit, so no data is lost.
      if (!process.alive) return;
      this.faults.startFailures++;
      log('start failed; exiting', { err: String(err) });
      this.scheduler.kill(process);
      this.network.unregister(SimCluster.endpoint(id), process);
      slot.node?.crash?.();
      this.scheduler.schedule(this.timing.renewPeriodMs * 5, undefined, `kubelet restarts broker ${id}`, () => {
        if (this.process(id) === undefined) this.start(id);
      });
    });
  }

  /**
   * kill -9: the incarnation stops and its calls in flight never complete. With `power-loss` the
   * disk also loses what was not synced; with `process-kill` it keeps everything written.
   */
  crash(id: number, kind: CrashKind): void {
    const slot = this.#slot(id);
    if (slot.process === undefined || !slot.process.alive) return;
    this.log(slot.process.toString(), `crash (${kind})`);
    this.scheduler.kill(slot.process);
    this.network.unregister(SimCluster.endpoint(id), slot.process);
    slot.node?.crash?.();
    slot.disk.crash(kind);
    this.faults.crashes++;
    if (kind === 'power-loss') this.faults.powerLosses++;
    else this.faults.kills++;
  }

  /**
   * Clean shutdown (rule 12: hand over, flush, release) and start again, as a rolling restart
   * does. Runs in the background; a shutdown that a fault interrupts just ends in a crash later.
   */
  cleanRestart(id: number): void {
    const slot = this.#slot(id);
    const process = slot.process;
    const node = slot.node;
    if (process?.state !== 'running' || node?.close === undefined) return;
    this.log(process.toString(), 'clean shutdown');
    this.faults.cleanRestarts++;
    node.close().then(
      () => {
        if (!process.alive) return;
        this.scheduler.kill(process);
        this.network.unregister(SimCluster.endpoint(id), process);
        slot.cleanMarker = true;
        this.log(process.toString(), 'clean shutdown done');
        this.start(id);
      },
      (err: unknown) => {
        // The process gives up and exits: the page cache survives it.
        this.log(process.toString(), 'clean shutdown failed', { err: String(err) });
        this.crash(id, 'process-kill');
      },
    );
  }

  /** Starts a crashed broker again; with `wipe`, on an empty data directory. */
  restart(id: number, wipe = false): void {
    const slot = this.#slot(id);
    if (wipe) {
      slot.disk.wipe();
      slot.dataDirUuid = `disk-${id}-${slot.incarnation + 1}`;
      this.faults.wipedRestarts++;
    } else this.faults.restarts++;
    this.start(id);
  }

  /** SIGSTOP for `ms`, then SIGCONT. */
  pause(id: number, ms: number): void {
    const process = this.process(id);
    if (process === undefined || process.state !== 'running') return;
    this.log(process.toString(), `pause ${ms} ms`);
    this.scheduler.pause(process);
    this.faults.pauses++;
    this.scheduler.schedule(ms, undefined, `resume ${process.toString()}`, () => {
      this.log(process.toString(), 'resume');
      this.scheduler.resume(process);
    });
  }

  /** Appends a trace line (bounded: the oldest lines go). */
  log(who: string, msg: string, fields?: Record<string, unknown>): void {
    this.trace.push(`${this.scheduler.now.toFixed(3)} ${who} ${msg}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`);
    if (this.trace.length > this.#traceLimit) this.trace.splice(0, this.trace.length - this.#traceLimit);
  }

  #slot(id: number): BrokerSlot {
    const slot = this.#slots[id - 1];
    if (slot === undefined) throw new RangeError(`No broker ${id} in this cluster (1..${this.#slots.length})`);
    return slot;
  }
}
