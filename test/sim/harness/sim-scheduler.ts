/**
 * Discrete-event scheduler of the deterministic simulation: virtual time, one queue of pending
 * events (timer firings, message and reply deliveries, fsync completions, faults), run one at a
 * time in (time, seeded tie-break) order. After each event the scheduler lets the microtask queue
 * drain, so the code under test runs to its next await on a seam, and only then picks the next
 * event: the interleaving is a function of the seed alone.
 *
 * Determinism needs the code under test to wait only through the seams (Clock, transport, store,
 * StorageIo), never on real timers or I/O; events of one process are then the only way its code
 * resumes, which is also how processes are paused (their events are held back) and crashed (their
 * events are dropped, so their pending promises never settle — as after kill -9).
 */
import type { SimRandom } from './sim-random.ts';

/** Lifecycle of one incarnation of a simulated process. */
export type ProcessState = 'running' | 'paused' | 'dead';

/** One incarnation of a process (a broker, a client): the owner of the events that resume it. */
export class SimProcess {
  readonly name: string;
  /** 1 for the first start; +1 on every restart. */
  readonly incarnation: number;
  #state: ProcessState = 'running';
  /** Events that came due while paused, in order. */
  readonly held: SimEvent[] = [];

  constructor(name: string, incarnation: number) {
    this.name = name;
    this.incarnation = incarnation;
  }

  get state(): ProcessState {
    return this.#state;
  }

  get alive(): boolean {
    return this.#state !== 'dead';
  }

  /** @internal the scheduler moves the state */
  setState(state: ProcessState): void {
    this.#state = state;
  }

  toString(): string {
    return `${this.name}#${this.incarnation}`;
  }
}

interface SimEvent {
  readonly at: number;
  readonly tie: number;
  readonly seq: number;
  readonly owner: SimProcess | undefined;
  readonly label: string;
  readonly run: () => void;
  cancelled: boolean;
}

/** A scheduled event that can still be cancelled. */
export interface SimTimer {
  cancel(): void;
}

/** Options of {@link SimScheduler}. */
export interface SimSchedulerOptions {
  /** Events run at one virtual instant before the run is declared a livelock. @default 100000 */
  readonly maxEventsPerInstant?: number;
}

/** The virtual-time event loop of one simulation run. */
export class SimScheduler {
  readonly random: SimRandom;
  #now = 0;
  #seq = 0;
  readonly #heap: SimEvent[] = [];
  readonly #maxEventsPerInstant: number;
  #eventsAtInstant = 0;
  #eventsRun = 0;
  readonly #errors: unknown[] = [];

  constructor(random: SimRandom, options: SimSchedulerOptions = {}) {
    this.random = random;
    this.#maxEventsPerInstant = options.maxEventsPerInstant ?? 100_000;
  }

  /** Virtual milliseconds since the start of the run. */
  get now(): number {
    return this.#now;
  }

  /** Events run so far. */
  get eventsRun(): number {
    return this.#eventsRun;
  }

  /** Events waiting (including cancelled ones not yet popped). */
  get pending(): number {
    return this.#heap.length;
  }

  /**
   * Runs `fn` at now + `delayMs` (at least 0). With an `owner`, the event is held while the owner
   * is paused and dropped once it is dead. Events due at the same instant run in a seeded order.
   */
  schedule(delayMs: number, owner: SimProcess | undefined, label: string, fn: () => void): SimTimer {
    if (!Number.isFinite(delayMs)) throw new RangeError(`Cannot schedule ${label} after ${delayMs} ms`);
    const event: SimEvent = { at: this.#now + Math.max(0, delayMs), tie: this.random.next(), seq: this.#seq++, owner, label, run: fn, cancelled: false };
    this.#push(event);
    return { cancel: () => void (event.cancelled = true) };
  }

  /** Stops running `process`'s events until {@link resume} (SIGSTOP). */
  pause(process: SimProcess): void {
    if (process.state === 'running') process.setState('paused');
  }

  /** Runs the events held during the pause, in order, from now (SIGCONT). */
  resume(process: SimProcess): void {
    if (process.state !== 'paused') return;
    process.setState('running');
    // The backlog runs first, in the order it came due (as a stopped process drains it on SIGCONT).
    const held = process.held.splice(0);
    held.forEach((event, i) => this.#push({ ...event, at: this.#now, tie: -1 + i / held.length }));
  }

  /** Kills `process` (kill -9): its pending and future events never run. */
  kill(process: SimProcess): void {
    process.setState('dead');
    process.held.length = 0;
  }

  /** Records an error thrown by an event or by code the simulation drives; {@link run*} rethrows it. */
  fail(err: unknown): void {
    this.#errors.push(err);
  }

  /** Runs the next event; false when nothing is left. */
  async step(): Promise<boolean> {
    const event = this.#pop();
    if (event === undefined) return false;
    if (event.at > this.#now) {
      this.#now = event.at;
      this.#eventsAtInstant = 0;
    }
    if (++this.#eventsAtInstant > this.#maxEventsPerInstant) {
      throw new Error(`Simulation livelock: more than ${this.#maxEventsPerInstant} events at virtual time ${this.#now} ms (last: ${event.label})`);
    }
    const owner = event.owner;
    if (owner?.state === 'dead') return true;
    if (owner?.state === 'paused') {
      owner.held.push(event);
      return true;
    }
    this.#eventsRun++;
    try {
      event.run();
    } catch (err) {
      this.fail(err);
    }
    // Let everything the event set off run to its next await on a seam.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#throwIfFailed();
    return true;
  }

  /** Runs events until virtual time `until` (events due at `until` included); time then stands at `until`. */
  async runUntilTime(until: number): Promise<void> {
    this.#throwIfFailed();
    while (this.#heap.length > 0 && this.#peekTime() <= until) await this.step();
    if (until > this.#now) {
      this.#now = until;
      this.#eventsAtInstant = 0;
    }
  }

  /** Runs for `ms` of virtual time. */
  runFor(ms: number): Promise<void> {
    return this.runUntilTime(this.#now + ms);
  }

  /** Runs until `condition()` holds (checked after each event) or `timeoutMs` pass; returns whether it held. */
  async runUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    this.#throwIfFailed();
    const deadline = this.#now + timeoutMs;
    while (!condition()) {
      if (this.#heap.length === 0 || this.#peekTime() > deadline) {
        this.#now = Math.max(this.#now, deadline);
        return condition();
      }
      await this.step();
    }
    return true;
  }

  #throwIfFailed(): void {
    if (this.#errors.length > 0) {
      const [first] = this.#errors;
      throw first instanceof Error ? first : new Error(`Simulation event failed: ${String(first)}`);
    }
  }

  #peekTime(): number {
    while (this.#heap.length > 0 && this.#heap[0]!.cancelled) this.#removeTop();
    return this.#heap[0]?.at ?? Infinity;
  }

  // A binary min-heap on (at, tie, seq).
  #less(a: SimEvent, b: SimEvent): boolean {
    return a.at !== b.at ? a.at < b.at : a.tie !== b.tie ? a.tie < b.tie : a.seq < b.seq;
  }

  #push(event: SimEvent): void {
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): SimEvent | undefined {
    for (;;) {
      const top = this.#removeTop();
      if (top === undefined || !top.cancelled) return top;
    }
  }

  #removeTop(): SimEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}
