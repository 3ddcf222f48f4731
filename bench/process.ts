// (d) The application as a process: time from spawn to /readyz answering 200, resident memory at idle, and its
// growth over 10,000 requests (signed help commands and /healthz, bounded concurrency). The same for a bare Bolt
// process (bench/bare-bolt-server.mjs) as the baseline. Runs dist/index.js, building it first when it is missing or
// older than src/ (scripts/ensure-build.mjs).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEnv, type Fakes, type LoadGenerator } from './apps.js';
import { median, sleep } from './stats.js';

export interface StartupResult {
  name: string;
  readyMs: number[];
  readyMedianMs: number;
  /** VmRSS 1 s after ready, one per start: it varies by several MB between starts, so the target uses the median. */
  idleRssMb: number[];
  idleRssMedianMb: number;
}

export interface MemoryResult {
  name: string;
  idleMb: number;
  afterWarmupMb: number;
  after10kMb: number;
  requests: number;
  non2xx: number;
  /** after10k ÷ idle − 1 */
  growthFromIdle: number;
  /** after10k ÷ afterWarmup − 1: what keeps growing once the process is warm. */
  growthAfterWarmup: number;
  /** RSS after a second window of the same 10,000 requests. */
  after20kMb: number;
  /** after20k ÷ after10k − 1: a leak keeps growing here; heap sizing under load does not. */
  growthSecondWindow: number;
}

const ROOT = new URL('..', import.meta.url).pathname;

/** Builds dist/ when needed; returns how long that took (0 when it was up to date). */
export function ensureBuild(): number {
  const t0 = performance.now();
  execFileSync(process.execPath, [join(ROOT, 'scripts/ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  return performance.now() - t0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export interface Spawned {
  child: ChildProcess;
  baseUrl: string;
  readyMs: number;
  stop(): Promise<void>;
}

export type Kind = 'app' | 'bare';

/**
 * Spawns `node dist/index.js` (app) or bench/bare-bolt-server.mjs (bare) on a free port; resolves once /readyz is
 * 200. The app's store is an SQLite file in the temp directory (as in production), in memory, or `databaseUrl`.
 */
export async function spawnAndWaitReady(
  kind: Kind,
  fakes: Fakes,
  options: { nodeArgs?: string[]; store?: 'file' | 'memory'; databaseUrl?: string } = {},
): Promise<Spawned> {
  const nodeArgs = options.nodeArgs ?? [];
  const port = await freePort();
  const dbFile = join(tmpdir(), `moodle-provisioner-bench-${process.pid}-${port}.db`);
  const env = {
    ...process.env,
    ...benchEnv(fakes, {
      PORT: String(port),
      DATABASE_URL: options.databaseUrl ?? (options.store === 'memory' ? 'sqlite::memory:' : `sqlite:${dbFile}`),
    }),
  } as NodeJS.ProcessEnv;
  const script = kind === 'app' ? join(ROOT, 'dist/index.js') : join(ROOT, 'bench/bare-bolt-server.mjs');
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = started + 15_000;
  let readyMs = Number.NaN;
  while (performance.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) {
        readyMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbFile}${suffix}`, { force: true });
  };
  if (Number.isNaN(readyMs)) {
    await stop();
    throw new Error(`${script} did not become ready within 15 s: ${stderr.trim() || 'no output'}`);
  }
  return { child, baseUrl, readyMs, stop };
}

export async function benchStartup(fakes: Fakes, repeats = 5): Promise<StartupResult[]> {
  const results: StartupResult[] = [];
  for (const kind of ['bare', 'app'] as const) {
    const readyMs: number[] = [];
    const idleRssMb: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const spawned = await spawnAndWaitReady(kind, fakes);
      readyMs.push(spawned.readyMs);
      await sleep(1_000);
      idleRssMb.push(rssMb(spawned.child.pid as number));
      await spawned.stop();
    }
    results.push({
      name: kind === 'app' ? 'moodle-provisioner' : 'bare Bolt',
      readyMs,
      readyMedianMs: median(readyMs),
      idleRssMb,
      idleRssMedianMb: median(idleRssMb),
    });
  }
  return results;
}

export async function benchMemory(fakes: Fakes, load: LoadGenerator, requests = 10_000): Promise<MemoryResult[]> {
  const results: MemoryResult[] = [];
  for (const kind of ['bare', 'app'] as const) {
    const spawned = await spawnAndWaitReady(kind, fakes);
    try {
      const pid = spawned.child.pid as number;
      await sleep(1_000);
      const idleMb = rssMb(pid);
      let non2xx = 0;
      const send = async (total: number, tag: string) => {
        // One in four is a health check; the rest are signed /moodle-adduser help commands (ack + one reply).
        const result = await load.run({
          baseUrl: spawned.baseUrl,
          total,
          concurrency: 20,
          deadlineMs: 120_000,
          kind: 'help-and-health',
          tag,
        });
        non2xx += [...result.statuses].filter(([s]) => s < 200 || s >= 300).reduce((n, [, c]) => n + c, 0);
        non2xx += result.errors;
        await sleep(1_000);
        await fakes.reset();
      };
      await send(1_000, `${kind}warm`);
      const afterWarmupMb = rssMb(pid);
      non2xx = 0;
      await send(requests, `${kind}mem`);
      const after10kMb = rssMb(pid);
      await send(requests, `${kind}mem2`);
      const after20kMb = rssMb(pid);
      results.push({
        name: kind === 'app' ? 'moodle-provisioner' : 'bare Bolt',
        idleMb,
        afterWarmupMb,
        after10kMb,
        requests,
        non2xx,
        growthFromIdle: after10kMb / idleMb - 1,
        growthAfterWarmup: after10kMb / afterWarmupMb - 1,
        after20kMb,
        growthSecondWindow: after20kMb / after10kMb - 1,
      });
    } finally {
      await spawned.stop();
    }
  }
  return results;
}
