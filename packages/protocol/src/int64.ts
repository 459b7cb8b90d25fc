/**
 * The one place where int64 fields of a record batch become JS numbers.
 *
 * Rule for the whole codebase (DESIGN.md §3): offsets, timestamps and producer ids are numbers.
 * Values outside the safe-integer range cannot be represented exactly, so a batch that carries
 * one is treated as corrupt rather than silently rounded.
 */
import { CorruptBatchError, RunnelError } from './errors.ts';

/**
 * Reads the int64 at `offset` as a number; throws CorruptBatchError naming `field` and the
 * batch `position` when the value is outside ±(2^53 − 1).
 */
export function readInt64AsNumber(buf: Buffer, offset: number, field: string, position: number): number {
  const value = buf.readBigInt64BE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: ${field} ${value} is outside the safe integer range`,
      { position },
    );
  }
  return Number(value);
}

/**
 * Writes `value` as an int64 at `offset`. Throws RunnelError INVALID_RECORD for a non-integer or
 * unsafe value, naming `field`.
 */
export function writeInt64FromNumber(buf: Buffer, value: number, offset: number, field: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new RunnelError('INVALID_RECORD', `Cannot encode ${field} ${value}: not a safe integer`);
  }
  buf.writeBigInt64BE(BigInt(value), offset);
}
