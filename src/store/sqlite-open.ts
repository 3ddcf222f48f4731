// Opening a SQLite database for the store: the folder, WAL mode and durability, and the migrations.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Logger } from '../logger.js';
import type { DatabaseLocation } from './database-url.js';
import { StoreError } from './errors.js';
import { runMigrations } from './migrations.js';
import { summarise } from './rows.js';
import { createWalFlusher, type WalFlusher, type WalFlusherOptions } from './wal-flush.js';

export interface OpenOptions {
  logger?: Logger | undefined;
  fileMustExist?: boolean | undefined;
  busyTimeoutMs?: number | undefined;
  walSync?: WalFlusherOptions['sync'] | undefined;
}

export function openDatabase(
  location: DatabaseLocation,
  where: string,
  options: OpenOptions,
): { db: BetterSqlite3.Database; wal: WalFlusher | undefined } {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (location.kind === 'sqlite') {
    if (options.fileMustExist && !existsSync(location.path)) {
      throw new StoreError(
        'database_missing',
        `There is no database ${where}. Check DATABASE_URL (or --database), and run this from the directory the app runs in.`,
      );
    }
    try {
      mkdirSync(dirname(location.path), { recursive: true });
    } catch (cause) {
      throw new StoreError(
        'database_open_failed',
        `Cannot create the folder for the database ${where}: ${summarise(cause)}`,
        {
          cause,
        },
      );
    }
  }
  let db: BetterSqlite3.Database | undefined;
  let wal: WalFlusher | undefined;
  try {
    db = new BetterSqlite3(location.kind === 'sqlite' ? location.path : ':memory:', {
      timeout: busyTimeoutMs,
      fileMustExist: options.fileMustExist ?? false,
    });
    const mode = location.kind === 'sqlite' ? db.pragma('journal_mode = WAL', { simple: true }) : 'memory';
    if (location.kind === 'sqlite' && mode !== 'wal') {
      options.logger?.warn({ journalMode: mode }, 'SQLite could not switch to WAL mode; concurrent access is slower');
    }
    // A request acknowledged to the requester must survive a power cut, not only a crash. In WAL mode the store
    // flushes the log itself after each commit, off the event loop (wal-flush.ts), and SQLite need not (NORMAL
    // still flushes around checkpoints); in any other journal mode SQLite flushes every commit (FULL).
    if (location.kind === 'sqlite' && mode === 'wal') {
      db.pragma('synchronous = NORMAL');
      wal = createWalFlusher(`${location.path}-wal`, options.walSync ? { sync: options.walSync } : {});
    } else {
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
  } catch (cause) {
    db?.close();
    throw new StoreError('database_open_failed', `Cannot open the database ${where}: ${summarise(cause)}`, { cause });
  }
  try {
    const applied = runMigrations(db, where);
    if (applied.length > 0) {
      options.logger?.info(
        { migrations: applied.map((m) => `${m.version} ${m.name}`) },
        `database ${where}: schema upgraded`,
      );
    }
  } catch (error) {
    db.close();
    throw error;
  }
  options.logger?.debug(`database ${where} open`);
  return { db, wal };
}
