/**
 * Storage errors. All are RunnelErrors with codes from the shared table; the classes add the
 * fields an operator needs to find the damage.
 */
import { RunnelError } from '@runnel/protocol';

/**
 * A batch in the middle of a log (valid data follows it) failed its checks. The log refuses to
 * open rather than skip data silently; the operator restores the replica from another one.
 */
export class LogCorruptionError extends RunnelError {
  /** The segment file. */
  readonly segment: string;
  /** Byte position of the bad batch in the segment. */
  readonly position: number;

  constructor(segment: string, position: number, message: string) {
    super('STORAGE_ERROR', message);
    this.name = 'LogCorruptionError';
    this.segment = segment;
    this.position = position;
  }
}
