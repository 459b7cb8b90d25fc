import { describe, expect, it } from 'vitest';
import { minIsrOf, settingsDiffer, topicSettings, validateTopicDefaults } from './topic-settings.ts';

describe('topic settings', () => {
  it("use a topic's own configs over the cluster defaults", () => {
    const s = topicSettings({ replicationFactor: 3, configs: { 'retention.ms': '1000' } }, { 'retention.ms': '5000', durability: 'replicated', 'min.insync.replicas': '2' });
    expect(s.config.retentionMs).toBe(1000);
    expect(s.config.durability).toBe('replicated');
    expect(s.minIsr).toBe(2);
  });

  it('cap a default min.insync.replicas at the topic replication factor, but never a topic value', () => {
    expect(minIsrOf({ replicationFactor: 1, configs: {} }, { 'min.insync.replicas': '2' })).toBe(1);
    expect(minIsrOf({ replicationFactor: 3, configs: {} }, { 'min.insync.replicas': '2' })).toBe(2);
    expect(minIsrOf({ replicationFactor: 3, configs: { 'min.insync.replicas': '3' } }, { 'min.insync.replicas': '2' })).toBe(3);
    expect(minIsrOf({ replicationFactor: 3, configs: {} })).toBe(1);
  });

  it('tell a changed retention or min.insync.replicas from an unchanged one', () => {
    const base = topicSettings({ replicationFactor: 3, configs: { 'retention.ms': '1000' } });
    expect(settingsDiffer(base, topicSettings({ replicationFactor: 3, configs: { 'retention.ms': '1000' } }))).toBe(false);
    expect(settingsDiffer(base, topicSettings({ replicationFactor: 3, configs: { 'retention.ms': '2000' } }))).toBe(true);
    expect(settingsDiffer(base, topicSettings({ replicationFactor: 3, configs: { 'retention.ms': '1000', 'min.insync.replicas': '2' } }))).toBe(true);
  });

  it('refuse unknown default keys and invalid values, naming them', () => {
    expect(() => validateTopicDefaults({ 'retention.hours': '1' })).toThrow(/Unknown topic config default "retention.hours" \(known keys: .*retention.ms/);
    expect(() => validateTopicDefaults({ 'min.insync.replicas': '0' })).toThrow(/min.insync.replicas: expected 1..64/);
    expect(() => validateTopicDefaults({ durability: 'maybe' })).toThrow(/Invalid value "maybe" for topic config durability/);
    expect(() => validateTopicDefaults({ 'retention.ms': 'soon' })).toThrow(/retention.ms: expected an integer/);
    expect(() => validateTopicDefaults({ 'retention.ms': '60000', 'min.insync.replicas': '2', durability: 'fsync' })).not.toThrow();
  });
});
