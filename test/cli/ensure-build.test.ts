// scripts/ensure-build.mjs, which runs before npm start/doctor/audit: in a production install (no TypeScript, or
// no src/ as in the packed package) it builds nothing, runs the dist/ there is, and says what to do when there is none.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/ensure-build.mjs');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-ensure-build-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, mtime?: Date): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), '');
  if (mtime) utimesSync(join(dir, path), mtime, mtime);
}

const run = (): Promise<{ code: number; stderr: string }> =>
  new Promise((done) => {
    execFile(process.execPath, [SCRIPT], { cwd: dir }, (error, _stdout, stderr) =>
      done({ code: typeof error?.code === 'number' ? error.code : 0, stderr }),
    );
  });

it('does nothing where the package was installed from its tarball (dist/, no src/)', async () => {
  write('dist/cli/main.js');
  expect(await run()).toEqual({ code: 0, stderr: '' });
});

it('runs an older dist/ when TypeScript is not installed to rebuild it, and says so', async () => {
  write('dist/cli/main.js', new Date('2026-01-01T00:00:00Z'));
  write('src/cli/main.ts', new Date('2026-02-01T00:00:00Z'));
  const { code, stderr } = await run();
  expect(code).toBe(0);
  expect(stderr).toContain('dist/ is older than src/, and TypeScript is not installed to rebuild it');
});

it.each([
  ['src/ without TypeScript (npm ci --omit=dev on a clone)', ['src/cli/main.ts'], 'TypeScript is not installed'],
  ['neither src/ nor dist/', [], 'there is no src/ folder'],
])('says how to get dist/ when it is missing: %s', async (_case, files, why) => {
  for (const file of files) write(file);
  const { code, stderr } = await run();
  expect(code).toBe(1);
  expect(stderr).toContain(`dist/cli/main.js is missing and cannot be built here: ${why}`);
  expect(stderr).toContain('npm ci && npm run build');
  expect(stderr).not.toMatch(/\n\s+at /);
});
