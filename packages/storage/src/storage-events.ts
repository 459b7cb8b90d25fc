/**
 * Instrumentation through node:diagnostics_channel: free when nobody subscribes (publishers check
 * `hasSubscribers` first), and the broker's metrics code subscribes without the engine knowing.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

/** Published after every fdatasync of a segment (group commit, periodic flush, roll, close). */
export interface FsyncEvent {
  /** The log's name (e.g. 'orders-3'). */
  log: string;
  durationMs: number;
  /** How many appends this sync acknowledged (group-commit batch size). */
  appends: number;
  /** The error when the sync failed (the log is then failed). */
  error?: unknown;
}

/** Published when recovery cut bytes off a segment. */
export interface RecoveryTruncationEvent {
  log: string;
  segment: string;
  /** Where the cut was made. */
  position: number;
  /** How many bytes were removed. */
  bytes: number;
  reason: string;
}

/** Channel names, stable for subscribers. */
export const storageChannels = Object.freeze({
  fsync: 'runnel:storage:fsync',
  recoveryTruncation: 'runnel:storage:recovery-truncation',
});

/** The fsync latency channel. */
export const fsyncChannel = diagnosticsChannel.channel(storageChannels.fsync);
/** The recovery truncation channel. */
export const recoveryTruncationChannel = diagnosticsChannel.channel(storageChannels.recoveryTruncation);

/** A pino-compatible logger (the subset used here). */
export interface StorageLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Logs warnings and errors to stderr as JSON lines; info is dropped. */
export const stderrLogger: StorageLogger = Object.freeze({
  info: () => undefined,
  warn: (obj: object, msg: string) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', ...obj, msg })}\n`);
  },
  error: (obj: object, msg: string) => {
    process.stderr.write(`${JSON.stringify({ level: 'error', ...obj, msg })}\n`);
  },
});
