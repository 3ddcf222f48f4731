// Durable commits off the event loop: in WAL mode the store runs SQLite with synchronous=NORMAL and flushes the
// write-ahead log itself (src/store/wal-flush.ts). A write must resolve only after a flush that began after its
// commit; commits made during a flush share the next one; a failed flush fails the write with a message an
// operator can act on; the event loop is never the one waiting for the disk.
import { mkdtempSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewRequest } from '../../src/core/requests.js';
import { openStore } from '../../src/store/index.js';
import { createWalFlusher } from '../../src/store/wal-flush.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-wal-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A flush that completes only when the test says so. */
function gatedSync() {
  const gates: Array<() => void> = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let calls = 0;
  const sync = async (_handle: FileHandle) => {
    calls += 1;
    for (const w of waiters.filter((w) => calls >= w.n)) w.resolve();
    await new Promise<void>((resolve) => gates.push(resolve));
  };
  return {
    sync,
    get calls() {
      return calls;
    },
    /** Resolves once the flush has been called `n` times: opening the file takes a thread-pool turn of its own. */
    called(n: number): Promise<void> {
      return calls >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));
    },
    release() {
      const gate = gates.shift();
      if (!gate) throw new Error('no flush is waiting');
      gate();
    },
  };
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

function createOf(username: string): NewRequest {
  return {
    requester: { userId: 'UREQ' },
    target: { username, email: `${username}@example.org` },
    payload: {
      operation: 'create',
      user: { username, email: `${username}@example.org`, firstname: 'A', lastname: 'B', auth: 'manual' },
    },
    createdAt: new Date(Date.UTC(2026, 10, 26, 12)),
  };
}

describe('createWalFlusher', () => {
  it('makes a commit made during a flush wait for the next flush, and lets the commits of that time share it', async () => {
    const path = join(dir, 'x.db-wal');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, '');
    const gate = gatedSync();
    const flusher = createWalFlusher(path, { sync: gate.sync });
    const first = flusher.afterCommit();
    await gate.called(1);
    expect(await settled(first)).toBe(false);
    const second = flusher.afterCommit();
    const third = flusher.afterCommit();
    gate.release(); // the flush that began before the second and third commits
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(false);
    expect(await settled(third)).toBe(false);
    await gate.called(2);
    gate.release();
    expect(await settled(second)).toBe(true);
    expect(await settled(third)).toBe(true);
    expect(gate.calls).toBe(2);
    await flusher.close();
  });

  it('fails a write whose flush fails, naming the file and what to check, and tries again on the next commit', async () => {
    const path = join(dir, 'y.db-wal');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, '');
    let fail = true;
    const handles: FileHandle[] = [];
    const flusher = createWalFlusher(path, {
      sync: async (handle) => {
        handles.push(handle);
        if (fail) throw Object.assign(new Error('I/O error'), { code: 'EIO' });
      },
    });
    const error = await flusher.afterCommit().catch((e: unknown) => e);
    // The failed flush's descriptor is closed (a FileHandle left open warns when garbage-collected).
    expect(handles[0]?.fd).toBe(-1);
    expect(error).toMatchObject({ code: 'durability_failed' });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('EIO');
    expect((error as Error).message).toMatch(/power cut.*Check the disk/);
    fail = false;
    await expect(flusher.afterCommit()).resolves.toBeUndefined();
    expect(handles[1]).not.toBe(handles[0]);
    await flusher.close();
    expect(handles[1]?.fd).toBe(-1);
  });
});

describe('the SQLite store in WAL mode', () => {
  it('commits with synchronous=NORMAL and resolves a write only after its flush, the row already committed', async () => {
    const dbPath = join(dir, 'store.db');
    const gate = gatedSync();
    const store = await openStore(`sqlite:${dbPath}`, { walSync: gate.sync });
    const reader = new BetterSqlite3(dbPath, { readonly: true });
    try {
      const writing = store.createRequest(createOf('jane'));
      await gate.called(1);
      expect(await settled(writing)).toBe(false);
      // Committed (another connection sees it) before the flush, which the write waits for.
      expect(reader.prepare('SELECT COUNT(*) AS n FROM requests').get()).toEqual({ n: 1 });
      gate.release();
      const request = await writing;
      expect(request.target.username).toBe('jane');

      const noted = store.setApprovalMessage(request.id, { channel: 'C1', ts: '1.2' });
      await gate.called(2);
      expect(await settled(noted)).toBe(false);
      gate.release();
      await noted;
      const moved = store.transition(request.id, {
        from: 'pending',
        to: 'cancelled',
        expectedVersion: request.version,
        at: new Date(),
      });
      await gate.called(3);
      expect(await settled(moved)).toBe(false);
      gate.release();
      expect((await moved).ok).toBe(true);
      expect(gate.calls).toBe(3);
    } finally {
      reader.close();
      await store.close();
    }
  });

  it('flushes the log itself for a WAL file, with fdatasync by default, and never for a memory store', async () => {
    let flushes = 0;
    const spy = async (handle: FileHandle) => {
      flushes += 1;
      await handle.datasync();
    };
    const store = await openStore(`sqlite:${join(dir, 'mode.db')}`, { walSync: spy });
    await store.createRequest(createOf('real-flush'));
    await store.close();
    expect(flushes).toBe(1);
    const plain = await openStore(`sqlite:${join(dir, 'default.db')}`);
    await expect(plain.createRequest(createOf('default'))).resolves.toMatchObject({ status: 'pending' });
    await plain.close();
    const memory = await openStore('sqlite::memory:', { walSync: spy });
    await expect(memory.createRequest(createOf('mem'))).resolves.toMatchObject({ status: 'pending' });
    await memory.close();
    expect(flushes).toBe(1);
  });

  it('fails the write, not the process, when the flush fails', async () => {
    const dbPath = join(dir, 'eio.db');
    const store = await openStore(`sqlite:${dbPath}`, {
      walSync: async () => {
        throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
      },
    });
    try {
      await expect(store.createRequest(createOf('lost'))).rejects.toMatchObject({ code: 'durability_failed' });
    } finally {
      await store.close();
    }
  });
});
