/**
 * One segment of a partition log: `<baseOffset20>.log` with its `.index` and `.timeindex`.
 *
 * Invariants: `size` is the number of bytes holding complete, acknowledged-or-pending batches
 * (readers never look past it); `nextOffset` is one past the last batch's last offset (or
 * `baseOffset` when empty); the in-memory indexes describe exactly the bytes below `size`.
 * Only the partition log's write lane mutates a segment.
 */
import type { RecordBatchHeader } from '@runnel/protocol';
import { OffsetIndex } from './offset-index.ts';
import { TimeIndex } from './time-index.ts';
import { readAt, scanBatches, type ScanStop } from './batch-scanner.ts';
import { lazyFile } from './lazy-directory.ts';
import { isNotFound, readSmallFile, writeFileAtomic, type StorageFile, type StorageIo } from './storage-io.ts';

/** A batch as written to a segment. */
export interface SegmentBatch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

/**
 * Gives a read a buffer of at least `length` bytes to read into (e.g. from a pool): the caller
 * then owns when it is reused.
 */
export type ReadAllocator = (length: number) => Buffer;

/** `<baseOffset padded to 20 digits>.<ext>`, Kafka's file naming. */
export function segmentFileName(baseOffset: number, ext: 'log' | 'index' | 'timeindex' | 'log.cleaned'): string {
  return `${String(baseOffset).padStart(20, '0')}.${ext}`;
}

/** A log segment and its indexes. */
export class LogSegment {
  /** First offset this segment may hold (its file name). */
  readonly baseOffset: number;
  readonly dir: string;
  #file: StorageFile;
  #io: StorageIo;
  /** Bytes of complete batches. */
  size: number;
  /** One past the last offset held. */
  nextOffset: number;
  /** Largest batch max timestamp, -1 when empty. */
  maxTimestamp = -1;
  offsetIndex = new OffsetIndex();
  timeIndex = new TimeIndex();
  /** Wall-clock time of the first append in this process (segment.ms rolls), if any. */
  firstAppendAt: number | undefined;
  #bytesSinceIndexEntry = 0;
  #readers = 0;
  #closing: Promise<void> | undefined;
  #deleted = false;
  #hasFile: () => boolean = () => true;

  private constructor(io: StorageIo, dir: string, baseOffset: number, file: StorageFile, size: number) {
    this.#io = io;
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.#file = file;
    this.size = size;
    this.nextOffset = baseOffset;
  }

  /** Path of the `.log` file. */
  get path(): string {
    return `${this.dir}/${segmentFileName(this.baseOffset, 'log')}`;
  }

  /** The file handle, for writes and fdatasync by the owning log. */
  get file(): StorageFile {
    return this.#file;
  }

  /**
   * Creates an empty segment file and makes its directory entry durable, unless `syncDir` is false
   * (the caller then syncs the directory before any data of the segment counts as durable). With
   * `exclusive`, fails with EEXIST rather than empty an existing file.
   */
  static async create(io: StorageIo, dir: string, baseOffset: number, options: { syncDir?: boolean; exclusive?: boolean } = {}): Promise<LogSegment> {
    const file = await io.open(`${dir}/${segmentFileName(baseOffset, 'log')}`, options.exclusive === true ? 'wx+' : 'w+');
    if (options.syncDir !== false) await io.syncDir(dir);
    return new LogSegment(io, dir, baseOffset, file, 0);
  }

  /**
   * An empty segment whose file is created only when first written (a new partition's first
   * segment; see lazy-directory.ts). The caller syncs the directory before its data counts as durable.
   */
  static createLazy(io: StorageIo, dir: string, baseOffset: number): LogSegment {
    const file = lazyFile(io, `${dir}/${segmentFileName(baseOffset, 'log')}`);
    const segment = new LogSegment(io, dir, baseOffset, file, 0);
    segment.#hasFile = () => file.created;
    return segment;
  }

  /** False while the file of a {@link createLazy} segment has not been created yet. */
  get hasFile(): boolean {
    return this.#hasFile();
  }

  /**
   * Opens an existing segment file; indexes are loaded or rebuilt by the caller. `fileName`
   * opens a file that will be renamed to the segment's name later (compaction output).
   */
  static async open(io: StorageIo, dir: string, baseOffset: number, fileName = segmentFileName(baseOffset, 'log')): Promise<LogSegment> {
    const file = await io.open(`${dir}/${fileName}`, 'r+');
    const { size } = await file.stat();
    return new LogSegment(io, dir, baseOffset, file, size);
  }

  /** Relative offset as stored in the indexes. */
  relative(offset: number): number {
    return offset - this.baseOffset;
  }

  /** Books batches that were just written at their positions: indexes, size, offsets, times. */
  recordBatches(batches: readonly SegmentBatch[], indexIntervalBytes: number): void {
    for (const b of batches) {
      if (b.position > 0 && this.#bytesSinceIndexEntry >= indexIntervalBytes) {
        this.offsetIndex.append(this.relative(b.baseOffset), b.position);
        if (this.maxTimestamp >= 0) this.timeIndex.append(this.maxTimestamp, this.relative(b.baseOffset));
        this.#bytesSinceIndexEntry = 0;
      }
      this.#bytesSinceIndexEntry += b.size;
      if (b.maxTimestamp > this.maxTimestamp) this.maxTimestamp = b.maxTimestamp;
      this.nextOffset = b.lastOffset + 1;
      this.size = b.position + b.size;
    }
  }

  /**
   * Rescans the whole file (CRC-checking every batch when `verifyCrc`) and rebuilds the indexes,
   * `size`, `nextOffset` and `maxTimestamp` from what is valid. Returns where and why the scan
   * stopped early (bytes from there on are not counted in `size`), or undefined. `onBatch` sees
   * the header of each valid batch, in order.
   */
  async rebuild(indexIntervalBytes: number, verifyCrc: boolean, onBatch?: (header: RecordBatchHeader) => void): Promise<ScanStop | undefined> {
    const end = (await this.#file.stat()).size;
    this.offsetIndex = new OffsetIndex();
    this.timeIndex = new TimeIndex();
    this.#bytesSinceIndexEntry = 0;
    this.maxTimestamp = -1;
    this.nextOffset = this.baseOffset;
    this.size = 0;
    const scan = scanBatches(this.#file, { start: 0, end, verifyCrc, minOffset: this.baseOffset });
    for (;;) {
      const step = await scan.next();
      if (step.done === true) return step.value;
      const { position, size, header } = step.value;
      this.recordBatches([{ position, size, baseOffset: header.baseOffset, lastOffset: header.baseOffset + header.lastOffsetDelta, maxTimestamp: header.maxTimestamp }], indexIntervalBytes);
      onBatch?.(header);
    }
  }

  /**
   * Loads `.index`/`.timeindex` if present and consistent with the log, then CRC-checks the
   * batches after the last index entry to learn `nextOffset`/`maxTimestamp`. Returns false when
   * the caller must rebuild instead (missing or inconsistent index, or a bad tail).
   */
  async loadIndexes(): Promise<boolean> {
    const offsetBytes = await readSmallFile(this.#io, `${this.dir}/${segmentFileName(this.baseOffset, 'index')}`);
    const timeBytes = await readSmallFile(this.#io, `${this.dir}/${segmentFileName(this.baseOffset, 'timeindex')}`);
    if (offsetBytes === undefined || timeBytes === undefined) return false;
    const offsetIndex = OffsetIndex.fromBytes(offsetBytes, this.size);
    const timeIndex = TimeIndex.fromBytes(timeBytes);
    if (offsetIndex === undefined || timeIndex === undefined) return false;
    const last = offsetIndex.count - 1;
    const start = last >= 0 ? offsetIndex.positionAt(last) : 0;
    const minOffset = last >= 0 ? this.baseOffset + offsetIndex.relativeOffsetAt(last) : this.baseOffset;
    let nextOffset = minOffset;
    let maxTimestamp = timeIndex.lastTimestamp ?? -1;
    let bytesSince = 0;
    const scan = scanBatches(this.#file, { start, end: this.size, verifyCrc: true, minOffset });
    for (;;) {
      const step = await scan.next();
      if (step.done === true) {
        if (step.value !== undefined) return false;
        break;
      }
      const { header, size, position } = step.value;
      if (position === start && last >= 0 && header.baseOffset !== minOffset) return false;
      nextOffset = header.baseOffset + header.lastOffsetDelta + 1;
      maxTimestamp = Math.max(maxTimestamp, header.maxTimestamp);
      bytesSince += size;
    }
    if (timeIndex.count > 0 && timeIndex.relativeOffsetAt(timeIndex.count - 1) > this.relative(nextOffset)) return false;
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    this.nextOffset = nextOffset;
    this.maxTimestamp = maxTimestamp;
    this.#bytesSinceIndexEntry = bytesSince;
    return true;
  }

  /** Writes both index files atomically, the time index sealed with the segment's max timestamp. */
  async writeIndexes(): Promise<void> {
    if (this.maxTimestamp >= 0) this.timeIndex.append(this.maxTimestamp, this.relative(this.nextOffset));
    await writeFileAtomic(this.#io, this.dir, segmentFileName(this.baseOffset, 'index'), this.offsetIndex.toBytes());
    await writeFileAtomic(this.#io, this.dir, segmentFileName(this.baseOffset, 'timeindex'), this.timeIndex.toBytes());
  }

  /** Removes both index files (before the log file is replaced, so stale ones are never trusted). */
  async deleteIndexFiles(): Promise<void> {
    for (const ext of ['index', 'timeindex'] as const) {
      try {
        await this.#io.unlink(`${this.dir}/${segmentFileName(this.baseOffset, ext)}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /**
   * Runs `fn` (which reads this segment's file) with the handle pinned: a concurrent delete,
   * truncation to nothing or compaction swap closes the handle only after `fn` settles.
   */
  async use<T>(fn: () => Promise<T>): Promise<T> {
    this.#readers++;
    try {
      return await fn();
    } finally {
      this.#readers--;
      if (this.#deleted && this.#readers === 0) this.#closeOnce();
    }
  }

  /**
   * Reads `length` bytes at `position` (clamped to `size`), safe against a concurrent delete; into
   * a buffer from `allocate` when given (the result is then a view of it), else into a new one.
   */
  read(position: number, length: number, allocate?: ReadAllocator): Promise<Buffer> {
    const len = Math.max(0, Math.min(length, this.size - position));
    if (len === 0) return Promise.resolve(Buffer.alloc(0));
    const target = allocate?.(len).subarray(0, len);
    return this.use(() => readAt(this.#file, position, len, target));
  }

  /** Cuts the file at `position` (a batch boundary) and rebuilds the in-memory indexes. */
  async truncateTo(position: number, indexIntervalBytes: number): Promise<void> {
    await this.#file.truncate(position);
    await this.rebuild(indexIntervalBytes, false);
  }

  /** Deletes the files; the handle closes once in-flight reads are done. */
  async delete(): Promise<void> {
    this.#deleted = true;
    await this.deleteIndexFiles();
    // A lazy segment never written has no file to remove.
    if (this.#hasFile()) await this.#io.unlink(this.path);
    if (this.#readers === 0) this.#closeOnce();
  }

  /**
   * Marks the segment replaced (compaction swapped in a new file under the same name): the old
   * handle closes once in-flight reads are done, without touching the files.
   */
  retire(): void {
    this.#deleted = true;
    if (this.#readers === 0) this.#closeOnce();
  }

  /** Closes the file handle. */
  async close(): Promise<void> {
    this.#closeOnce();
    await this.#closing;
  }

  #closeOnce(): void {
    // A close error on a read-only or already-synced handle loses nothing; it must not crash the log.
    this.#closing ??= this.#file.close().catch(() => undefined);
  }
}
