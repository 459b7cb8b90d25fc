/**
 * @runnel/storage: the segmented partition log (DESIGN.md §4).
 *
 * - {@link PartitionLog}: append (group commit), read by file position, recovery, truncation,
 *   retention, compaction. {@link LeaderEpochCache}: KIP-101 epochs.
 * - {@link DataDirectory}: a broker's volume (meta.json identity, clean-shutdown marker, partitions).
 * - {@link parseLogConfig}: Kafka-style topic configs to a {@link LogConfig}.
 * - Instrumentation on node:diagnostics_channel ({@link storageChannels}).
 */
export { PartitionLog, RECOVERY_POINT_CHECKPOINT, HIGH_WATERMARK_CHECKPOINT, type PartitionLogOptions, type AppendOptions, type AppendResult } from './partition-log.ts';
export { LeaderEpochCache, LEADER_EPOCH_CHECKPOINT, UNDEFINED_EPOCH, type EpochEntry } from './leader-epoch-cache.ts';
export { DataDirectory, META_FILE, CLEAN_SHUTDOWN_MARKER, LOCK_FILE, type DataDirectoryOptions } from './data-directory.ts';
export { defaultLogConfig, parseLogConfig, storageConfigKeys, type LogConfig } from './log-config.ts';
export { LogCorruptionError } from './errors.ts';
export { storageChannels, fsyncChannel, recoveryTruncationChannel, type FsyncEvent, type RecoveryTruncationEvent, type StorageLogger } from './storage-events.ts';
export { nodeStorageIo, type StorageIo, type StorageFile } from './storage-io.ts';
export type { RecoveryTruncation } from './log-loader.ts';
export type { IntegrityReport } from './log-verifier.ts';
