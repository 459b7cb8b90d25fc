/**
 * Small checkpoint files (recovery point, high watermark, leader epochs), in Kafka's text layout:
 * a version line, an entry count line, then one entry per line. Written atomically (tmp + fsync +
 * rename + fsync dir), so a reader sees either the old or the new file.
 */
import { RunnelError } from '@runnel/protocol';
import { readSmallFile, writeFileAtomic, type StorageIo } from './storage-io.ts';

const VERSION = 0;

/** Writes `entries` (each a list of integers) to `dir/name` atomically. */
export async function writeCheckpoint(io: StorageIo, dir: string, name: string, entries: ReadonlyArray<readonly number[]>): Promise<void> {
  const lines = [String(VERSION), String(entries.length), ...entries.map((e) => e.join(' '))];
  await writeFileAtomic(io, dir, name, `${lines.join('\n')}\n`);
}

/**
 * Reads a checkpoint written by {@link writeCheckpoint}; undefined if the file does not exist.
 * @throws RunnelError STORAGE_ERROR naming the file and line when it is malformed
 */
export async function readCheckpoint(io: StorageIo, dir: string, name: string, width: number): Promise<number[][] | undefined> {
  const path = `${dir}/${name}`;
  const bytes = await readSmallFile(io, path);
  if (bytes === undefined) return undefined;
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const bad = (line: number, why: string): RunnelError =>
    new RunnelError('STORAGE_ERROR', `Cannot read checkpoint ${path}: line ${line} ${why}`);
  if (lines[0] !== String(VERSION)) throw bad(1, `has version ${JSON.stringify(lines[0])}, expected ${VERSION}`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || lines.length !== count + 2) {
    throw bad(2, `declares ${lines[1]} entries but the file has ${lines.length - 2}`);
  }
  return lines.slice(2).map((line, i) => {
    const fields = line.split(' ');
    if (fields.length !== width || !fields.every((f) => /^-?\d+$/.test(f))) {
      throw bad(i + 3, `is ${JSON.stringify(line)}, expected ${width} integer(s)`);
    }
    const values = fields.map(Number);
    if (!values.every(Number.isSafeInteger)) throw bad(i + 3, 'holds an integer out of range');
    return values;
  });
}

/** Reads a single-offset checkpoint (recovery point, high watermark); undefined if absent. */
export async function readOffsetCheckpoint(io: StorageIo, dir: string, name: string): Promise<number | undefined> {
  const entries = await readCheckpoint(io, dir, name, 1);
  if (entries === undefined) return undefined;
  const value = entries[0]?.[0];
  if (entries.length !== 1 || value === undefined || value < 0) {
    throw new RunnelError('STORAGE_ERROR', `Cannot read checkpoint ${dir}/${name}: expected one non-negative offset`);
  }
  return value;
}

/** Writes a single-offset checkpoint atomically. */
export async function writeOffsetCheckpoint(io: StorageIo, dir: string, name: string, offset: number): Promise<void> {
  await writeCheckpoint(io, dir, name, [[offset]]);
}
