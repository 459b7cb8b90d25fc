/**
 * Compression of the records section of a batch. Kafka compresses all records of a batch as one
 * stream; the 61-byte header stays uncompressed.
 *
 * gzip and zstd use Node's zlib (zstd since Node 23.8); snappy uses the `snappy` package inside
 * snappy-java's stream framing (snappy-xerial.ts), as Kafka does; lz4 is the LZ4 frame format
 * (64 KiB independent blocks, no checksums: the same flags Kafka's KafkaLZ4BlockOutputStream
 * writes) from `lz4-napi`. All four are proven against Kafka-written golden fixtures.
 */
import zlib from 'node:zlib';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import type { CompressionCodec } from './batch-header.ts';
import { CorruptBatchError, RunnelError } from './errors.ts';
import { snappyXerialCompress, snappyXerialDecompress } from './snappy-xerial.ts';

/** The codecs this build can encode and decode. */
export const SUPPORTED_COMPRESSION: readonly CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Upper bound on one batch's decompressed records, so a tiny "zip bomb" batch cannot exhaust memory. */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

function unsupported(codec: CompressionCodec, action: string): RunnelError {
  return new RunnelError(
    'UNSUPPORTED_COMPRESSION',
    `Cannot ${action} a record batch with ${codec} compression: supported codecs are ${SUPPORTED_COMPRESSION.join(', ')}`,
  );
}

/** Compresses the records section with `codec` ('none' returns `raw` itself). */
export function compressRecords(codec: CompressionCodec, raw: Buffer): Buffer {
  switch (codec) {
    case 'none':
      return raw;
    case 'gzip':
      return zlib.gzipSync(raw);
    case 'zstd':
      return zlib.zstdCompressSync(raw);
    case 'snappy':
      return snappyXerialCompress(raw);
    case 'lz4':
      return compressFrameSync(raw);
    default:
      throw unsupported(codec, 'encode');
  }
}

/**
 * Decompresses the records section of the batch at `position` (for error messages). Throws
 * UNSUPPORTED_COMPRESSION for codecs this build lacks and CorruptBatchError when the data does
 * not decompress.
 */
export function decompressRecords(codec: CompressionCodec, compressed: Buffer, position: number): Buffer {
  try {
    switch (codec) {
      case 'none':
        return compressed;
      case 'gzip':
        return zlib.gunzipSync(compressed, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
      case 'zstd':
        return zlib.zstdDecompressSync(compressed, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
      case 'snappy':
        return snappyXerialDecompress(compressed, MAX_DECOMPRESSED_BYTES);
      case 'lz4':
        // LZ4's ratio is bounded (~255:1), so no output limit is needed beyond the batch size limit.
        return decompressFrameSync(compressed);
      default:
        throw unsupported(codec, 'decode');
    }
  } catch (error) {
    if (error instanceof RunnelError) throw error;
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: ${codec} data does not decompress (${(error as Error).message})`,
      { position, cause: error },
    );
  }
}
