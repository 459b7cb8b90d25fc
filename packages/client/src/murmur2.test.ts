import { describe, expect, it } from 'vitest';
import { murmur2, toPositive } from './murmur2.ts';

// Vectors from Apache Kafka's own UtilsTest.testMurmur2 (clients/src/test/.../utils/UtilsTest.java),
// so a keyed record is routed exactly as the Java producer routes it.
const kafkaVectors: Array<[Uint8Array, number]> = [
  [Buffer.from('21'), -973932308],
  [Buffer.from('foobar'), -790332482],
  [Buffer.from('a-little-bit-long-string'), -985981536],
  [Buffer.from('a-little-bit-longer-string'), -1486304829],
  [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
  [Uint8Array.from([0x61, 0x62, 0x63]), 479470107],
];

// Computed with the real kafka-clients 3.9.1 jar (Utils.murmur2 / Utils.toPositive(...) % 7) on
// UTF-8 bytes; they cover every tail length (0..3 remaining bytes), the empty key and non-ASCII.
const javaVectors: Array<[string, number, number]> = [
  ['', 275646681, 2],
  ['1', -1993445489, 2],
  ['12', 126087238, 4],
  ['123', -267702483, 3],
  ['1234', -1614185708, 0],
  ['12345', -1188365604, 3],
  ['runnel', -1500294524, 1],
  ['orders-42', 479277457, 1],
  ['\u00e9t\u00e9', -2101193575, 4],
];

describe('murmur2', () => {
  it.each(kafkaVectors)('matches Kafka UtilsTest for %s', (bytes, expected) => {
    expect(murmur2(bytes)).toBe(expected);
  });

  it.each(javaVectors)('matches kafka-clients for "%s" (hash and partition of 7)', (key, hash, partition) => {
    const bytes = Buffer.from(key, 'utf8');
    expect(murmur2(bytes)).toBe(hash);
    expect(toPositive(murmur2(bytes)) % 7).toBe(partition);
  });
});

describe('toPositive', () => {
  it('clears the sign bit instead of negating, as Kafka does', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(42)).toBe(42);
  });
});
