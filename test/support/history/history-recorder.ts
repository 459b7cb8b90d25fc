/**
 * Records a history (see `history-types.ts`) while a workload runs. Each `invoke*` returns a
 * handle whose `ok` / `fail` / `info` completes the operation exactly once; a second completion
 * is a bug in the workload and throws, since it would make the history ambiguous.
 */
import type { Acks, HistoryEvent, ObservedRecord, ReadKind } from './history-types.ts';

/** Completes a send. */
export interface SendHandle {
  readonly id: number;
  ok(offset: number): void;
  /** The send definitely did not happen (rejected before append). */
  fail(error: string): void;
  /** Unknown outcome (timeout, lost connection, failed after append). */
  info(error: string): void;
}

/** Completes a read. */
export interface ReadHandle {
  readonly id: number;
  ok(records: readonly ObservedRecord[]): void;
  fail(error: string): void;
  info(error: string): void;
}

/** Completes a DeleteRecords. */
export interface DeleteHandle {
  readonly id: number;
  /** The leader moved the log start to `logStartOffset`. */
  ok(logStartOffset: number): void;
  /** Definitely nothing deleted (rejected: not the leader, offset out of range). */
  fail(error: string): void;
  /** Unknown outcome: the log start may have moved up to the requested offset. */
  info(error: string): void;
}

/** Options of {@link HistoryRecorder}. */
export interface HistoryRecorderOptions {
  /** The clock stamped on events (virtual time in the simulation). @default performance.now */
  readonly now?: () => number;
  /** Called with every event as it is recorded (e.g. to append it to a JSONL file). */
  readonly onEvent?: (event: HistoryEvent) => void;
}

/** Collects the events of one run, in the order they happened. */
export class HistoryRecorder {
  readonly #events: HistoryEvent[] = [];
  readonly #now: () => number;
  readonly #onEvent: ((event: HistoryEvent) => void) | undefined;
  #nextId = 0;

  constructor(options: HistoryRecorderOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#onEvent = options.onEvent;
  }

  /** The events so far (a live view; do not mutate). */
  get events(): readonly HistoryEvent[] {
    return this.#events;
  }

  /** Records the invocation of a send of `value` (unique per run) to `partition`. */
  invokeSend(process: string, partition: string, value: string, acks: Acks): SendHandle {
    const id = this.#nextId++;
    this.#push({ type: 'invoke', f: 'send', id, process, partition, time: this.#now(), value, acks });
    const base = { f: 'send', id, process, partition, value } as const;
    const complete = this.#once(id);
    return {
      id,
      ok: (offset) => complete(() => this.#push({ ...base, type: 'ok', time: this.#now(), offset })),
      fail: (error) => complete(() => this.#push({ ...base, type: 'fail', time: this.#now(), error })),
      info: (error) => complete(() => this.#push({ ...base, type: 'info', time: this.#now(), error })),
    };
  }

  /** Records the invocation of a read of `partition` from `offset`; `drain` for the final read after healing. */
  invokeRead(process: string, partition: string, offset: number, kind: ReadKind = 'read'): ReadHandle {
    const id = this.#nextId++;
    this.#push({ type: 'invoke', f: kind, id, process, partition, time: this.#now(), offset });
    const base = { f: kind, id, process, partition } as const;
    const complete = this.#once(id);
    return {
      id,
      ok: (records) => complete(() => this.#push({ ...base, type: 'ok', time: this.#now(), records: records.map((r) => ({ offset: r.offset, value: r.value })) })),
      fail: (error) => complete(() => this.#push({ ...base, type: 'fail', time: this.#now(), error })),
      info: (error) => complete(() => this.#push({ ...base, type: 'info', time: this.#now(), error })),
    };
  }

  /** Records the invocation of a DeleteRecords of `partition` below `offset` (≥ 0). */
  invokeDelete(process: string, partition: string, offset: number): DeleteHandle {
    const id = this.#nextId++;
    this.#push({ type: 'invoke', f: 'delete', id, process, partition, time: this.#now(), offset });
    const base = { f: 'delete', id, process, partition } as const;
    const complete = this.#once(id);
    return {
      id,
      ok: (logStartOffset) => complete(() => this.#push({ ...base, type: 'ok', time: this.#now(), logStartOffset })),
      fail: (error) => complete(() => this.#push({ ...base, type: 'fail', time: this.#now(), error })),
      info: (error) => complete(() => this.#push({ ...base, type: 'info', time: this.#now(), error })),
    };
  }

  #once(id: number): (record: () => void) => void {
    let done = false;
    return (record) => {
      if (done) throw new Error(`Cannot complete operation ${id} twice: it already has a completion in the history`);
      done = true;
      record();
    };
  }

  #push(event: HistoryEvent): void {
    this.#events.push(event);
    this.#onEvent?.(event);
  }
}
