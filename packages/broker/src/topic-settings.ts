import { RunnelError } from '@runnel/protocol';
import type { TopicDefinition } from '@runnel/metadata';
import { parseLogConfig, storageConfigKeys, type LogConfig } from '@runnel/storage';

/** Topic config keys a broker accepts as a cluster-wide default (`runnel broker --topic-default`). */
export const TOPIC_DEFAULT_KEYS: readonly string[] = Object.freeze([...storageConfigKeys, 'min.insync.replicas'].sort());

/**
 * Checks cluster-wide topic config defaults (the broker's `--topic-default KEY=VALUE`, the
 * operator's `Cluster.spec.topicDefaults`): known keys with valid values.
 * @throws RunnelError INVALID_CONFIG naming the key, the value and what is accepted
 */
export function validateTopicDefaults(defaults: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(defaults)) {
    if (!TOPIC_DEFAULT_KEYS.includes(key)) {
      throw new RunnelError('INVALID_CONFIG', `Unknown topic config default ${JSON.stringify(key)} (known keys: ${TOPIC_DEFAULT_KEYS.join(', ')})`);
    }
    if (key === 'min.insync.replicas' && !(/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 64)) {
      throw new RunnelError('INVALID_CONFIG', `Invalid value ${JSON.stringify(value)} for topic config default min.insync.replicas: expected 1..64`);
    }
  }
  parseLogConfig({ ...defaults });
}

/** How a broker runs one topic's partitions: its log config and its min.insync.replicas. */
export interface TopicSettings {
  readonly config: LogConfig;
  readonly minIsr: number;
}

/**
 * The settings of `topic` as this broker applies them: the topic's own configs over the cluster
 * defaults. A default min.insync.replicas is capped at the topic's replication factor (a cluster
 * default of 2 must not make RF 1 topics unwritable); a topic's own value is taken as it is
 * (admission and CreateTopics keep it within the RF).
 * @throws RunnelError INVALID_CONFIG when a config value is invalid
 */
export function topicSettings(topic: Pick<TopicDefinition, 'configs' | 'replicationFactor'>, defaults: Readonly<Record<string, string>> = {}): TopicSettings {
  const config = parseLogConfig({ ...defaults, ...topic.configs });
  return { config, minIsr: minIsrOf(topic, defaults) };
}

/** min.insync.replicas of `topic` as the broker enforces it (1 when neither the topic nor the defaults set it). */
export function minIsrOf(topic: Pick<TopicDefinition, 'configs' | 'replicationFactor'>, defaults: Readonly<Record<string, string>> = {}): number {
  const own = topic.configs['min.insync.replicas'];
  if (own !== undefined) return Math.max(1, Number.parseInt(own, 10) || 1);
  const fallback = Math.max(1, Number.parseInt(defaults['min.insync.replicas'] ?? '1', 10) || 1);
  return Math.min(fallback, Math.max(1, topic.replicationFactor));
}

/** Whether two settings differ in anything a running partition uses. */
export function settingsDiffer(a: TopicSettings, b: TopicSettings): boolean {
  if (a.minIsr !== b.minIsr) return true;
  const keys = new Set([...Object.keys(a.config), ...Object.keys(b.config)]) as Set<keyof LogConfig>;
  for (const k of keys) if (a.config[k] !== b.config[k]) return true;
  return false;
}
