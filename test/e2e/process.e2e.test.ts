// `moodle-provisioner start` (src/cli/main.ts) as a child process: exit codes and messages at start-up, and SIGTERM;
// and src/index.ts, the older entry point that does the same.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { buildTestEnv } from './harness.js';
import { type ChildRun, runChild } from './run-child.js';

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

const BIN = ['src/cli/main.ts', 'start'];

function runEntryPoint(env: Record<string, string | undefined>, [script = '', ...args]: string[] = BIN): ChildRun {
  const argv = ['--import', TSX_LOADER, join(ROOT, script), ...args];
  return runChild(process.execPath, argv, { cwd: CWD, env: { PATH: process.env.PATH, ...env } });
}

// tsx compiles the whole app as the child starts: a second or two when idle, several times that on a loaded machine.
// The deadline only turns a child that never starts into a failure.
const TEST_TIMEOUT_MS = 60_000;

describe.concurrent('moodle-provisioner start', { timeout: TEST_TIMEOUT_MS }, () => {
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

  it('names the PostgreSQL it cannot reach and what failed, exits 78, without a stack trace or the password', async () => {
    const password = 'pg-Secret-4471';
    const env = { DATABASE_URL: `postgres://app:${password}@127.0.0.1:1/provisioner`, LOG_LEVEL: 'info' };
    const run = runEntryPoint(buildTestEnv(slack, { env }));
    expect(await run.exited).toEqual({ code: 78, signal: null });
    expect(run.stderr().trim().split('\n')).toEqual([
      'moodle-provisioner cannot start: Cannot connect to PostgreSQL at postgres://app@127.0.0.1:1/provisioner: ' +
        'the connection was refused (is PostgreSQL running and listening on that host and port?). Check DATABASE_URL.',
    ]);
    expect(run.stderr() + run.stdout()).not.toContain(password);
  });

  it('refuses a DATABASE_URL that is neither SQLite nor PostgreSQL as a setting, exit 78', async () => {
    const run = runEntryPoint(buildTestEnv(slack, { env: { DATABASE_URL: 'mysql://db/app' } }));
    expect(await run.exited).toEqual({ code: 78, signal: null });
    expect(run.stderr()).toContain('DATABASE_URL uses "mysql:", which is not supported');
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });

  it('stops gracefully on SIGTERM and exits 0', async () => {
    const run = runEntryPoint(buildTestEnv(slack, { env: { LOG_LEVEL: 'info' } }));
    await run.waitForOutput('listening for Slack requests');
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('"msg":"stopped"');
    expect(run.stderr()).toBe('');
  });

  it('stops gracefully on a SIGTERM that arrives while it is still starting', async () => {
    const run = runEntryPoint(buildTestEnv(slack, { env: { LOG_LEVEL: 'info' } }));
    // Logged once the bot token is checked, before the server listens and the application is returned.
    await run.waitForOutput('"msg":"connected to Slack"');
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('"msg":"stopped"');
  });

  it('src/index.ts starts the same app and stops the same way', async () => {
    const run = runEntryPoint(buildTestEnv(slack, { env: { LOG_LEVEL: 'info' } }), ['src/index.ts']);
    await run.waitForOutput('listening for Slack requests');
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('"msg":"stopped"');
  });
});
