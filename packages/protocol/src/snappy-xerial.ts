/**
 * Snappy as Kafka writes it: the xerial snappy-java stream framing (SnappyOutputStream) around
 * raw Snappy blocks. Not the official Snappy "framing format".
 *
 *   stream => header block*
 *   header => 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, version:int32 (1), minCompatibleVersion:int32 (1)
 *   block  => compressedLength:int32 rawSnappyBlock   (each block compresses <= 32 KiB of input)
 *
 * Readers, like snappy-java's SnappyInputStream, also accept a bare raw Snappy block (no header),
 * which some non-Java clients write. Raw blocks come from the `snappy` package (napi-rs).
 */
import { compressSync, uncompressSync } from 'snappy';

const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const HEADER_BYTES = 16;
/** snappy-java's default block size, which Kafka uses: identical input gives identical bytes. */
const BLOCK_BYTES = 32 * 1024;

/** Compresses `raw` into xerial-framed Snappy. */
export function snappyXerialCompress(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let start = 0; start < raw.length; start += BLOCK_BYTES) {
    const block = compressSync(raw.subarray(start, Math.min(raw.length, start + BLOCK_BYTES)));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

/**
 * Decompresses xerial-framed (or bare raw) Snappy. Throws Error on malformed input, and when the
 * output would exceed `maxOutputBytes` (checked from each block's declared length before
 * decompressing it).
 */
export function snappyXerialDecompress(data: Buffer, maxOutputBytes: number): Buffer {
  if (data.length < HEADER_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    return uncompressBlock(data, maxOutputBytes);
  }
  const parts: Buffer[] = [];
  let total = 0;
  let p = HEADER_BYTES;
  while (p < data.length) {
    if (data.length - p < 4) throw new Error(`truncated snappy block length at byte ${p}`);
    const length = data.readInt32BE(p);
    p += 4;
    if (length < 0 || length > data.length - p) throw new Error(`snappy block length ${length} exceeds the data`);
    const block = uncompressBlock(data.subarray(p, p + length), maxOutputBytes - total);
    total += block.length;
    parts.push(block);
    p += length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

function uncompressBlock(block: Buffer, maxOutputBytes: number): Buffer {
  // A raw Snappy block starts with its uncompressed length as an unsigned varint.
  let declared = 0;
  let multiplier = 1;
  for (let i = 0; i < 5; i++) {
    const byte = block[i];
    if (byte === undefined) throw new Error('truncated snappy block');
    declared += (byte & 0x7f) * multiplier;
    if (byte < 0x80) break;
    multiplier *= 0x80;
  }
  if (declared > maxOutputBytes) throw new Error(`snappy block declares ${declared} bytes, over the ${maxOutputBytes}-byte limit`);
  return uncompressSync(block, { asBuffer: true }) as Buffer;
}
