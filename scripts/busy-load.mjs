#!/usr/bin/env node
// Keeps CPU cores busy until stopped, to check that the test suite holds on a loaded machine (docs/SECURITY.md,
// "The test suite under load"). Usage: node scripts/busy-load.mjs [cores]   (default: every core), then
// `npx vitest run` in another shell; Ctrl-C or SIGTERM stops it. stress-ng --cpu N does the same where installed.
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';

if (isMainThread) {
  const cores = Number(process.argv[2] ?? availableParallelism());
  if (!Number.isInteger(cores) || cores < 1) {
    console.error('usage: node scripts/busy-load.mjs [cores]');
    process.exit(64);
  }
  const workers = Array.from({ length: cores }, () => new Worker(new URL(import.meta.url)));
  console.log(`busy-load: ${cores} core(s) busy, pid ${process.pid}; stop with Ctrl-C or kill ${process.pid}`);
  const stop = () => {
    for (const worker of workers) void worker.terminate();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  // A tight loop with no I/O: the whole core, for as long as the process lives.
  let x = 0;
  for (;;) x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
}
