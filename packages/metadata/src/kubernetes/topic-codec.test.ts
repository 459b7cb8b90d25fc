import { describe, expect, it } from 'vitest';
import type { TopicDefinition } from '../topic-model.ts';
import type { KubeObject } from './kube-object.ts';
import { topicCodec } from './topic-codec.ts';

const userTopic = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'runnel.dev/v1alpha1',
  kind: 'Topic',
  metadata: { name: 'orders', resourceVersion: '7', uid: 'u1', labels: { 'runnel.dev/cluster': 'main' } },
  spec: { partitions: 3, replicationFactor: 3, ...spec },
});

describe('topicCodec', () => {
  it('gives brokers spec.minInsyncReplicas and spec.uncleanLeaderElection as the configs they read', () => {
    const topic = topicCodec('main').decode(userTopic({ minInsyncReplicas: 2, uncleanLeaderElection: true, configs: { 'retention.ms': '60000' } })).value;
    expect(topic.configs).toEqual({ 'retention.ms': '60000', 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'true' });
    expect(topic.minInsyncReplicas).toBe(2);
  });

  it('leaves configs alone when the spec fields are absent', () => {
    const topic = topicCodec('main').decode(userTopic({ configs: { 'min.insync.replicas': '3' } })).value;
    expect(topic.configs).toEqual({ 'min.insync.replicas': '3' });
  });

  it('does not write the mirrored config keys back into the spec (a read-modify-write keeps the spec as the user wrote it)', () => {
    const codec = topicCodec('main');
    const read = codec.decode(userTopic({ minInsyncReplicas: 2, configs: { 'retention.ms': '1' } })).value;
    const written = codec.encode('orders', { ...read, topicId: 'id', assignments: [[0, 1, 2]] } as TopicDefinition);
    expect(written.spec).toMatchObject({ minInsyncReplicas: 2, configs: { 'retention.ms': '1' } });
    expect(codec.decode({ ...written, metadata: { ...written.metadata, resourceVersion: '8', uid: 'u1' } }).value.configs).toEqual(read.configs);
  });
});

describe('topicCodec writes', () => {
  it('keep the finalizers and owner references of the object read (a PUT would drop them)', () => {
    const codec = topicCodec('main');
    const object = userTopic({});
    object.metadata['finalizers'] = ['runnel.dev/topic'];
    object.metadata['ownerReferences'] = [{ apiVersion: 'runnel.dev/v1alpha1', kind: 'Cluster', name: 'main', uid: 'c1' }];
    const read = codec.decode(object).value;
    const written = codec.encode('orders', { ...read, topicId: 'id', assignments: [[0, 1, 2]] } as TopicDefinition);
    expect(written.metadata['finalizers']).toEqual(['runnel.dev/topic']);
    expect(written.metadata['ownerReferences']).toEqual(object.metadata['ownerReferences']);
  });
});

describe('topicCodec and spec.topicName (immutable, absent included)', () => {
  it('writes a Topic a user created without spec.topicName back without it, and keeps it when present', () => {
    const codec = topicCodec('main');
    const read = codec.decode(userTopic({})).value;
    expect(read.name).toBe('orders');
    expect(codec.encode('orders', { ...read, topicId: 'id', assignments: [[0]] }).spec).not.toHaveProperty('topicName');
    const named = codec.decode({ ...userTopic({ topicName: 'orders' }), metadata: { ...userTopic({}).metadata, name: 'orders' } }).value;
    expect(codec.encode('orders', { ...named, topicId: 'id', assignments: [[0]] }).spec).toMatchObject({ topicName: 'orders' });
    expect(topicCodec('main').encode('fresh', { name: 'fresh', topicId: 'id', partitions: 1, replicationFactor: 1, configs: {}, assignments: [[0]] }).spec).toMatchObject({ topicName: 'fresh' });
  });
});
