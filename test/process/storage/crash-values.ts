/**
 * The deterministic record values of the crash test, shared by the writer and the checker.
 */
import { createHash } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** How many records the append tagged `tag` holds (1..40). */
export function recordsInAppend(tag: string): number {
  return 1 + (digest(tag)[0]! % 40);
}

/** The value of record `i` of the append tagged `tag`: up to 600 bytes derived from both. */
export function crashValue(tag: string, i: number): Buffer {
  const seed = digest(`${tag}/${i}`);
  const length = seed.readUInt16BE(0) % 600;
  const out = Buffer.alloc(length + tag.length + 1);
  out.write(`${tag}|`);
  for (let p = tag.length + 1; p < out.length; p++) out[p] = seed[p % seed.length]!;
  return out;
}

/** The key of record `i` of the compaction test's append tagged `tag`: one of 40 keys. */
export function compactKey(tag: string, i: number): string {
  return `key-${digest(`${tag}#${i}`)[0]! % 40}`;
}
