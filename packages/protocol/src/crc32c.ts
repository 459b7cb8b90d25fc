/**
 * CRC-32C (Castagnoli), the checksum of RecordBatch v2. Delegates to @node-rs/crc32, a native
 * implementation using SSE4.2 / ARMv8 CRC instructions, shipped as prebuilt binaries.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC-32C of `buf`, as an unsigned 32-bit number.
 *
 * @param buf the bytes to checksum
 * @param initial a previous CRC to continue from (for checksumming in pieces); 0 to start
 */
export function crc32c(buf: Uint8Array, initial = 0): number {
  return nativeCrc32c(buf, initial) >>> 0;
}
