// Durable commits without blocking the event loop. With synchronous=FULL, SQLite fsyncs the write-ahead log inside
// every commit, on the one thread that also answers Slack (1-2 ms per commit on a cloud disk, more on a busy one).
// With synchronous=NORMAL it writes the commit to the -wal file and leaves the flush to the OS; this module flushes
// that file on libuv's thread pool after each commit, and the store's write resolves only once the flush that covers
// it has finished. So a write still returns only when it would survive a power cut, as with FULL, while the event
// loop keeps serving. Commits made while a flush runs share the next one (group commit).
import { type FileHandle, open } from 'node:fs/promises';
import { StoreError } from './errors.js';

export interface WalFlusher {
  /** Call right after a commit: resolves once a flush that started after that commit has completed. */
  afterCommit(): Promise<void>;
  /** Waits for the flushes under way, then closes the file. */
  close(): Promise<void>;
}

export interface WalFlusherOptions {
  /** How the file is flushed (tests observe or fail it); fdatasync by default. */
  sync?: (handle: FileHandle) => Promise<void>;
}

export function createWalFlusher(walPath: string, options: WalFlusherOptions = {}): WalFlusher {
  const sync = options.sync ?? ((handle: FileHandle) => handle.datasync());
  let handle: Promise<FileHandle> | undefined;
  /** The flush running now: it may have started before the latest commit, so it cannot vouch for it. */
  let running: Promise<void> | undefined;
  /** The flush that starts when `running` ends: every commit made meanwhile waits for this one. */
  let next: Promise<void> | undefined;

  const flushOnce = async (): Promise<void> => {
    try {
      // Opened on first use: SQLite creates the -wal file with the first write. A flush of any descriptor of a
      // file flushes the file; SQLite takes no locks on the -wal file, so this descriptor cannot disturb its own.
      handle ??= open(walPath, 'r+');
      await sync(await handle);
    } catch (cause) {
      // The next commit opens the file anew; this descriptor is closed now, not left to the garbage collector.
      const failed = handle;
      handle = undefined;
      await failed?.then((h) => h.close()).catch(() => undefined);
      throw new StoreError(
        'durability_failed',
        `The database's write-ahead log ${walPath} could not be flushed to disk (${
          (cause as { code?: unknown }).code ?? (cause instanceof Error ? cause.message : String(cause))
        }): the last change may not survive a power cut. Check the disk and its free space.`,
        { cause },
      );
    }
  };

  const start = (): Promise<void> => {
    const flush = flushOnce().finally(() => {
      if (running === flush) running = undefined;
    });
    running = flush;
    return flush;
  };

  return {
    afterCommit() {
      if (!running) return start();
      next ??= running
        .catch(() => undefined)
        .then(() => {
          next = undefined;
          return start();
        });
      return next;
    },
    async close() {
      await Promise.allSettled([running, next]);
      const opened = handle;
      handle = undefined;
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}
