/**
 * Test fixtures for the storage package: temporary directories with random names, record batches
 * built with the real encoder of @runnel/protocol, and a logger that records what it was told.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecordBatch, type ProducerRecord } from '@runnel/protocol';
import { defaultLogConfig, type LogConfig } from '../log-config.ts';
import type { StorageLogger } from '../storage-events.ts';

/** A fresh directory under the OS temp dir; remove it with {@link removeDir}. */
export function makeTempDir(prefix = 'runnel-storage-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a directory tree. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A config for tests: small segments and index interval so rolls and index entries happen. */
export function testConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...defaultLogConfig, segmentBytes: 64 * 1024, indexIntervalBytes: 512, ...overrides };
}

/** Records `count` values `${prefix}-${i}`, keyed `k${i % keys}` when `keys` is given. */
export function records(count: number, prefix: string, options: { keys?: number; timestamp?: number; valueBytes?: number } = {}): ProducerRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: options.keys === undefined ? null : Buffer.from(`k${i % options.keys}`),
    value: Buffer.from(`${prefix}-${i}`.padEnd(options.valueBytes ?? 0, '.')),
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  }));
}

/** One encoded batch of `count` records (offsets relative; the leader stamps them). */
export function batchOf(count: number, prefix: string, options: { keys?: number; timestamp?: number; valueBytes?: number } = {}): Buffer {
  return encodeRecordBatch(records(count, prefix, options), { now: options.timestamp ?? 1_700_000_000_000 });
}

/** A logger that keeps every call, for assertions on what recovery reported. */
export interface RecordingLogger extends StorageLogger {
  readonly lines: Array<{ level: 'info' | 'warn' | 'error'; obj: object; msg: string }>;
}

/** Creates a {@link RecordingLogger}. */
export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}
