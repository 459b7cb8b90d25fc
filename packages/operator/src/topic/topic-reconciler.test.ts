import { ApiException } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { OperatorContext } from '../operator-context.ts';
import type { ClusterResource, TopicResource } from '../runnel-resources.ts';
import { TOPIC_FINALIZER, TopicReconciler } from './topic-reconciler.ts';

const topic = (over: { finalizers?: string[]; deleting?: boolean; deletionPolicy?: 'Delete' | 'Retain' }): TopicResource => ({
  apiVersion: 'runnel.dev/v1alpha1',
  kind: 'Topic',
  metadata: {
    name: 'events',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '7',
    generation: 1,
    labels: { 'runnel.dev/cluster': 'main' },
    ...(over.finalizers ? { finalizers: over.finalizers } : {}),
    ...(over.deleting ? { deletionTimestamp: new Date() } : {}),
  },
  spec: { partitions: 1, replicationFactor: 1, ...(over.deletionPolicy ? { deletionPolicy: over.deletionPolicy } : {}) },
});
const cluster: ClusterResource = { apiVersion: 'runnel.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'main', namespace: 'ns', uid: 'c1', resourceVersion: '1' }, spec: { replicas: 1, image: 'x', storage: { size: '1Gi' } } };

/** A context whose caches hold `t` and `cluster`, whose API answers setFinalizers with `error`, and which records warnings. */
function context(t: TopicResource, error: unknown): { ctx: OperatorContext; warnings: string[]; calls: string[][] } {
  const warnings: string[] = [];
  const calls: string[][] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => { const o = JSON.parse(line) as { level: number; msg: string }; if (o.level >= 40) warnings.push(o.msg); } });
  const group = (obj: unknown) => ({ get: () => obj, list: () => [] });
  const ctx = {
    caches: { topics: group(t), clusters: group(cluster), leases: group(undefined) },
    partitions: { topicPartitions: () => [] },
    api: {
      setFinalizers: (_ref: unknown, _kind: string, _ns: string, _name: string, finalizers: string[]) => {
        calls.push(finalizers);
        return Promise.reject(error as Error);
      },
      event: () => Promise.resolve(),
      delete: () => Promise.resolve(),
    },
    logger,
    now: () => new Date(),
  } as unknown as OperatorContext;
  return { ctx, warnings, calls };
}

const notFound = new ApiException(404, 'Not Found', JSON.stringify({ kind: 'Status', message: 'topics.runnel.dev "events" not found', code: 404 }), {});

describe('TopicReconciler finalizer', () => {
  it('treats a Topic already gone (404) while removing its finalizer as done: no error, no warning', async () => {
    for (const deletionPolicy of ['Delete', 'Retain'] as const) {
      const { ctx, warnings, calls } = context(topic({ finalizers: [TOPIC_FINALIZER], deleting: true, deletionPolicy }), notFound);
      await expect(new TopicReconciler(ctx).reconcile('ns', 'events')).resolves.toBeUndefined();
      expect(calls).toEqual([[]]);
      expect(warnings).toEqual([]);
    }
  });

  it('treats a Topic deleted before its finalizer could be added (404) as done', async () => {
    const { ctx, warnings, calls } = context(topic({}), notFound);
    await expect(new TopicReconciler(ctx).reconcile('ns', 'events')).resolves.toBeUndefined();
    expect(calls).toEqual([[TOPIC_FINALIZER]]);
    expect(warnings).toEqual([]);
  });

  it('still fails (and so retries) on other API errors, such as a lost compare-and-swap', async () => {
    const conflict = new ApiException(409, 'Conflict', '{"message":"the object has been modified"}', {});
    const { ctx } = context(topic({ finalizers: [TOPIC_FINALIZER], deleting: true, deletionPolicy: 'Retain' }), conflict);
    await expect(new TopicReconciler(ctx).reconcile('ns', 'events')).rejects.toBe(conflict);
  });
});
