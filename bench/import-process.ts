// The process an import runs in for (f): started by bench/imports.ts through bench/child.ts with the Node flags of
// `npm start` (package.json, the Docker image's too), so that what is measured, memory above all, is what the
// production process does; nothing else has run in it. Its first IPC message gives its V8 heap limit; it then answers
// open (a store and the core against a Moodle), submit (a file read, previewed and submitted, optionally starting
// to sample RSS), approve (its execution to the end, and the RSS growth since the submission) and close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { serveParent } from './child.js';
import { importFile } from './import-file.js';
import { createImportStack, type ImportStack } from './import-stack.js';

export interface ImportProcessHello {
  heapLimitMb: number;
}

export interface ImportArgs {
  prefix: string;
  rows: number;
  course: boolean;
  auth: string;
  /** Samples RSS every 20 ms from before the file is made to the end of the execution. */
  sampleMemory: boolean;
}

export interface ImportDone {
  wallMs: number;
  created: number;
  failed: number;
  rssGrowthMb?: number;
}

let stack: ImportStack | undefined;
let dir: string | undefined;

async function closeStack(): Promise<void> {
  await stack?.close();
  stack = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

/** The RSS sampling of the import under way: from before its file is made to the end of its execution. */
let sampling: { before: number; peak: number; timer: NodeJS.Timeout } | undefined;

async function submit(args: ImportArgs): Promise<string> {
  if (!stack) throw new Error('open first');
  if (args.sampleMemory) {
    const before = process.memoryUsage.rss();
    const state = { before, peak: before, timer: setInterval(() => sample(), 20) };
    sampling = state;
  }
  return stack.submit(new TextEncoder().encode(importFile(args.prefix, args.rows, args)));
}

function sample(): void {
  if (sampling) sampling.peak = Math.max(sampling.peak, process.memoryUsage.rss());
}

async function approve(id: string): Promise<ImportDone> {
  if (!stack) throw new Error('open first');
  try {
    const started = performance.now();
    await stack.approve(id);
    const wallMs = performance.now() - started;
    const totals = await stack.totals(id);
    sample();
    return {
      wallMs,
      ...totals,
      ...(sampling ? { rssGrowthMb: (sampling.peak - sampling.before) / (1024 * 1024) } : {}),
    };
  } finally {
    clearInterval(sampling?.timer);
    sampling = undefined;
  }
}

serveParent(
  { heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / (1024 * 1024)) } satisfies ImportProcessHello,
  {
    open: async (args) => {
      await closeStack();
      const { moodle, passwordMode } = args as { moodle: { url: string; token: string }; passwordMode: 'email' };
      dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
      stack = await createImportStack({ moodle, dbPath: join(dir, 'store.db'), passwordMode });
      return null;
    },
    tuning: (args) => {
      const { rows, auth } = args as { rows: number; auth: string };
      if (!stack) throw new Error('open first');
      return stack.tuning(rows, auth);
    },
    submit: (args) => submit(args as ImportArgs),
    approve: (args) => approve(args as string),
    close: () => closeStack(),
  },
  closeStack,
);
