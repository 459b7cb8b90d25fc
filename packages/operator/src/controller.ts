import type { Logger } from 'pino';
import type { OperatorMetrics } from './operator-metrics.ts';
import { WorkQueue, type ReconcileResult } from './work-queue.ts';

/** Options of {@link Controller}. */
export interface ControllerOptions {
  readonly name: string;
  /** Reconciles one `namespace/name` key: reads the current state and converges it. */
  readonly reconcile: (namespace: string, name: string) => Promise<ReconcileResult>;
  readonly metrics: OperatorMetrics;
  readonly logger: Logger;
  /** @default 4 */
  readonly concurrency?: number;
}

/**
 * One controller: a work queue of `namespace/name` keys and a level-triggered reconcile function.
 * Events only enqueue keys ({@link enqueue}); the reconcile reads the state from the informer
 * caches, so a burst of events for one object is one reconcile, and a missed event is repaired by
 * the next. Failures are retried with the queue's per-key backoff and counted.
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #logger: Logger;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#logger = options.logger.child({ controller: options.name });
    const { metrics } = options;
    // Every series at 0 from the start: a panel shows 0 errors rather than "no data", and rate()
    // counts the first failure (a counter series that appears at 1 loses that increment).
    metrics.reconciles.inc({ controller: this.name, result: 'success' }, 0);
    metrics.reconciles.inc({ controller: this.name, result: 'error' }, 0);
    metrics.reconcileErrors.inc({ controller: this.name }, 0);
    this.queue = new WorkQueue(
      async (key) => {
        const slash = key.indexOf('/');
        const namespace = key.slice(0, slash);
        const name = key.slice(slash + 1);
        const end = metrics.reconcileDuration.startTimer({ controller: this.name });
        try {
          const result = await options.reconcile(namespace, name);
          metrics.reconciles.inc({ controller: this.name, result: 'success' });
          metrics.lastSuccess.set({ controller: this.name }, Date.now() / 1000);
          return result;
        } catch (err) {
          metrics.reconciles.inc({ controller: this.name, result: 'error' });
          metrics.reconcileErrors.inc({ controller: this.name });
          this.#logger.warn({ err, key, failures: this.queue.failures(key) + 1 }, 'reconcile failed; retrying with backoff');
          throw err;
        } finally {
          end();
          metrics.queueDepth.set({ controller: this.name }, this.queue.depth);
        }
      },
      { concurrency: options.concurrency ?? 4 },
    );
  }

  /** Queues a reconcile of `namespace/name`. */
  enqueue(namespace: string, name: string): void {
    this.queue.add(`${namespace}/${name}`);
  }
}
