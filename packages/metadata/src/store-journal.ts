import { mkdir, open, readFile, rename, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One change as the journal records it: the store revision it made and the object it wrote. */
export interface JournalEntry {
  readonly revision: number;
  readonly kind: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly name: string;
  readonly value: unknown;
}

/** What a store file holds: a snapshot (or none) and the changes journaled after it. */
export interface JournalContents<S> {
  readonly snapshot: S | undefined;
  readonly entries: readonly JournalEntry[];
}

/** Options of {@link StoreJournal}. */
export interface StoreJournalOptions<S> {
  /** The snapshot file; the journal is `<path>.journal` beside it. */
  readonly path: string;
  /** The whole store as it is now, to compact the journal into. */
  readonly snapshot: () => S;
  /**
   * The journal is compacted into a new snapshot once it holds more bytes than this or than the
   * last snapshot, whichever is larger, so writing n changes costs O(n) bytes, not O(n²).
   * @default 1 MiB
   */
  readonly compactAfterBytes?: number;
}

/**
 * Durable storage of a versioned store: an append-only journal of changes with group commit (the
 * changes that arrive while a flush is in flight share the next `fdatasync`), compacted now and
 * then into a snapshot written atomically (temp file, fsync, rename, fsync dir).
 *
 * Crash safety: on load, journal entries at or below the snapshot's revision are skipped (a crash
 * between writing a snapshot and emptying the journal leaves them behind), and a torn last line is
 * dropped (its change was never acknowledged). A bad line before the last is corruption and fails
 * the load: a store must never silently lose a change it acknowledged.
 */
export class StoreJournal<S extends { readonly revision: number }> {
  readonly #options: StoreJournalOptions<S>;
  readonly #journalPath: string;
  readonly #compactAfterBytes: number;
  #handle: FileHandle | undefined;
  #pending: string[] = [];
  #lane: Promise<void> = Promise.resolve();
  #flushQueued: Promise<void> | undefined;
  #journalBytes = 0;
  #snapshotBytes = 0;

  constructor(options: StoreJournalOptions<S>) {
    this.#options = options;
    this.#journalPath = `${options.path}.journal`;
    this.#compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024;
  }

  /** Reads the snapshot and the journal. `parse` checks the snapshot's shape and may throw. */
  async load(parse: (text: string) => S): Promise<JournalContents<S>> {
    const { path } = this.#options;
    const snapshotText = await readIfExists(path);
    let snapshot: S | undefined;
    if (snapshotText !== undefined) {
      try {
        snapshot = parse(snapshotText);
      } catch (err) {
        throw new Error(`Cannot load metadata store ${path}: not a valid store file (${(err as Error).message})`, { cause: err });
      }
      this.#snapshotBytes = Buffer.byteLength(snapshotText);
    }
    const journalText = (await readIfExists(this.#journalPath)) ?? '';
    const lines = journalText.split('\n');
    const entries: JournalEntry[] = [];
    const from = snapshot?.revision ?? 0;
    let wholeBytes = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      // The last element follows the last newline: empty, or a line torn by a crash.
      const torn = i === lines.length - 1;
      if (line !== '') {
        let entry: JournalEntry;
        try {
          entry = JSON.parse(line) as JournalEntry;
          if (typeof entry.revision !== 'number' || typeof entry.name !== 'string') throw new Error('missing revision or name');
        } catch (err) {
          if (torn) break;
          throw new Error(`Cannot load metadata store journal ${this.#journalPath}: line ${i + 1} is corrupt (${(err as Error).message})`, { cause: err });
        }
        if (torn) break; // whole JSON but no newline: its write never finished, so it was never acknowledged
        if (entry.revision > from) entries.push(entry);
      }
      if (!torn) wholeBytes += Buffer.byteLength(line) + 1;
    }
    // Cut a torn tail off, so the next append starts on a line of its own.
    if (wholeBytes < Buffer.byteLength(journalText)) await truncate(this.#journalPath, wholeBytes);
    this.#journalBytes = wholeBytes;
    return { snapshot, entries };
  }

  /** Resolves once `entry` is on disk. Entries appended together share one fdatasync. */
  append(entry: JournalEntry): Promise<void> {
    this.#pending.push(`${JSON.stringify(entry)}\n`);
    this.#flushQueued ??= this.#enqueue(async () => {
      this.#flushQueued = undefined;
      await this.#flush();
    });
    return this.#flushQueued;
  }

  /** Writes a snapshot of everything and empties the journal (also used on close). */
  compact(): Promise<void> {
    return this.#enqueue(() => this.#compact());
  }

  /** Waits for every write under way and closes the journal file. */
  async close(): Promise<void> {
    await this.#lane;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.#lane.then(step);
    // The lane itself never rejects, so one failed write does not poison later ones.
    this.#lane = next.catch(() => undefined);
    return next;
  }

  async #flush(): Promise<void> {
    const lines = this.#pending;
    this.#pending = [];
    if (lines.length === 0) return;
    const text = lines.join('');
    try {
      this.#handle ??= await openJournal(this.#journalPath);
      await this.#handle.appendFile(text);
      await this.#handle.datasync();
    } catch (err) {
      throw new Error(`Cannot persist metadata store to ${this.#journalPath}: ${(err as Error).message}`, { cause: err });
    }
    this.#journalBytes += Buffer.byteLength(text);
    if (this.#journalBytes > Math.max(this.#compactAfterBytes, this.#snapshotBytes)) await this.#compact();
  }

  async #compact(): Promise<void> {
    const { path } = this.#options;
    const text = JSON.stringify(this.#options.snapshot());
    try {
      await writeFileAtomically(path, text);
      // Entries still pending go to the emptied journal next; any of them already in this
      // snapshot are skipped on load (their revision is at or below the snapshot's).
      await this.#handle?.close();
      this.#handle = await open(this.#journalPath, 'w');
      await this.#handle.sync();
    } catch (err) {
      throw new Error(`Cannot persist metadata store to ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.#snapshotBytes = Buffer.byteLength(text);
    this.#journalBytes = 0;
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function openJournal(path: string): Promise<FileHandle> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'a');
  // The file's directory entry must be durable too before an append to it counts as written.
  await syncDirectory(dirname(path));
  return handle;
}

async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Writes `path` so a crash leaves either the old or the new content: temp file, fsync, rename, fsync dir. */
async function writeFileAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  await syncDirectory(dirname(path));
}
