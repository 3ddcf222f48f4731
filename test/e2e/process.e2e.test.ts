// The real entry point (src/index.ts) as a child process: exit codes and messages at start-up, and SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { buildTestEnv } from './harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
// An empty working directory, so that no developer .env is read.
const CWD = mkdtempSync(join(tmpdir(), 'moodle-provisioner-e2e-'));

let slack: FakeSlack;
beforeAll(async () => {
  slack = await FakeSlack.start();
});
afterAll(async () => {
  await slack.close();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runEntryPoint(env: Record<string, string | undefined>): Run {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, 'src/index.ts')], {
    cwd: CWD,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

// tsx compiles the whole app as the child starts: a second or two when idle, several times that on a loaded
// machine. The deadlines only turn a child that never gets there into a failure.
const START_DEADLINE_MS = 45_000;
const TEST_TIMEOUT_MS = 60_000;

/** Resolves when the child prints `text`; rejects if it exits first or the deadline passes. */
function waitForOutput(run: Run, text: string): Promise<void> {
  if (run.stdout().includes(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle(new Error(`no "${text}" within ${START_DEADLINE_MS} ms`)), START_DEADLINE_MS);
    const onData = (): void => {
      if (run.stdout().includes(text)) settle();
    };
    const onExit = (): void => settle(new Error(`exited before printing "${text}"`));
    function settle(error?: Error): void {
      clearTimeout(timer);
      run.child.stdout?.off('data', onData);
      run.child.off('exit', onExit);
      if (error) reject(new Error(`${error.message}; output:\n${run.stdout()}\n${run.stderr()}`));
      else resolve();
    }
    // Registered after runEntryPoint's own listener, so the text it appends is already there.
    run.child.stdout?.on('data', onData);
    run.child.on('exit', onExit);
  });
}

describe.concurrent('src/index.ts', { timeout: TEST_TIMEOUT_MS }, () => {
  it('prints every settings problem without a stack trace and exits 78', async () => {
    const run = runEntryPoint({ MOODLE_URL: 'not a url' });
    expect(await run.exited).toEqual({ code: 78, signal: null });
    expect(run.stderr()).toContain('SLACK_BOT_TOKEN is required');
    expect(run.stderr()).toContain('MOODLE_URL must be the site address');
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });

  it('explains a rejected bot token and exits 78 without a stack trace or the token', async () => {
    const badToken = 'xoxb-1234-5678-definitelyNotValid';
    const run = runEntryPoint(buildTestEnv(slack, { env: { SLACK_BOT_TOKEN: badToken, LOG_LEVEL: 'info' } }));
    expect(await run.exited).toEqual({ code: 78, signal: null });
    expect(run.stderr()).toContain('Slack rejected SLACK_BOT_TOKEN (invalid_auth)');
    expect(run.stderr()).not.toMatch(/\n\s+at /);
    expect(run.stderr() + run.stdout()).not.toContain(badToken);
    expect(run.stderr()).not.toContain('nhandled');
  });

  it('stops gracefully on SIGTERM and exits 0', async () => {
    const run = runEntryPoint(buildTestEnv(slack, { env: { LOG_LEVEL: 'info' } }));
    await waitForOutput(run, 'listening for Slack requests');
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('"msg":"stopped"');
    expect(run.stderr()).toBe('');
  });

  it('stops gracefully on a SIGTERM that arrives while it is still starting', async () => {
    const run = runEntryPoint(buildTestEnv(slack, { env: { LOG_LEVEL: 'info' } }));
    // Logged once the bot token is checked, before the server listens and the application is returned.
    await waitForOutput(run, '"msg":"connected to Slack"');
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('"msg":"stopped"');
  });
});
