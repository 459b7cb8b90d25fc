import type { Logger } from 'pino';
import type { PartitionLog } from '@runnel/storage';

/** A partition log maintenance may work on. */
export interface MaintainedPartition {
  /** `<topic>-<partition>`, for logs. */
  readonly name: string;
  /** Set once the partition is closing: it is skipped. */
  readonly closed: boolean;
  readonly log: PartitionLog;
  /**
   * Whether this replica decides retention: the leader (or the one replica of RF=1) does; a
   * follower instead follows its leader's log start through replication. Compaction runs on
   * every replica. @default true
   */
  readonly decidesRetention?: boolean;
}

/** Default period of retention and compaction passes (Kafka's log.retention.check.interval.ms). */
export const DEFAULT_LOG_MAINTENANCE_INTERVAL_MS = 5 * 60_000;

/**
 * Runs retention (delete whole segments by time and size) and compaction over the partitions this
 * broker hosts, one partition at a time so maintenance never competes with itself for the disk.
 * Retention runs where the replica decides it (leaders; followers follow the leader's log start,
 * as Kafka's followers do); compaction runs on every replica, each over its own log below its HW
 * (as Kafka's cleaner). Storage decides what may go (never past the HW, never the active
 * segment); this only schedules.
 * Passes never overlap; close() waits for the one running.
 */
export class LogMaintenance {
  readonly #replicas: () => Iterable<MaintainedPartition>;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #closed = false;

  constructor(options: { replicas: () => Iterable<MaintainedPartition>; logger: Logger; intervalMs?: number }) {
    this.#replicas = options.replicas;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? DEFAULT_LOG_MAINTENANCE_INTERVAL_MS;
  }

  /** Starts periodic passes (the timer does not keep the process alive). */
  start(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#running === undefined) void this.runOnce();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** One pass over every hosted partition; failures are logged per partition and do not stop the pass. */
  runOnce(now = Date.now()): Promise<{ deletedSegments: number; removedRecords: number }> {
    const pass = (async () => {
      let deletedSegments = 0;
      let removedRecords = 0;
      for (const replica of [...this.#replicas()]) {
        if (this.#closed) break;
        if (replica.closed) continue;
        try {
          const retention = replica.decidesRetention === false ? { deletedSegments: 0 } : await replica.log.enforceRetention(now);
          const compaction = await replica.log.compact(now);
          deletedSegments += retention.deletedSegments;
          removedRecords += compaction.removedRecords;
          if (retention.deletedSegments > 0 || compaction.removedRecords > 0) {
            this.#logger.info({ partition: replica.name, ...retention, ...compaction, logStartOffset: replica.log.logStartOffset }, 'log maintenance');
          }
        } catch (err) {
          if (!replica.closed) this.#logger.error({ err, partition: replica.name }, 'log maintenance failed');
        }
      }
      return { deletedSegments, removedRecords };
    })();
    const tracked = pass.finally(() => {
      if (this.#running === tracked) this.#running = undefined;
    });
    this.#running = tracked;
    return tracked;
  }

  /** Stops the timer and waits for a running pass. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }
}
