/**
 * Kafka's 32-bit murmur2 hash (`org.apache.kafka.common.utils.Utils#murmur2`), byte for byte, so a
 * keyed record lands in the same partition as it would with the Java producer.
 *
 * The arithmetic is 32-bit two's complement: `Math.imul` multiplies modulo 2^32 and `| 0` keeps
 * every intermediate a signed int32, exactly like Java `int`. `>>>` mirrors Java's unsigned shift.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Returns the signed 32-bit murmur2 hash of `data`, equal to Kafka's `Utils.murmur2(data)`. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;

  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    // Little-endian 4-byte word, as Kafka reads it.
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  // Java's switch falls through from the highest remaining byte down to the lowest.
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which overflows on INT_MIN). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}
