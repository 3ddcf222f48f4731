// The fakes' launchers (`npm run fake-moodle`, `npm run fake-slack`) as a person runs them: a port that is taken
// gets a sentence that says how to pick another, never a stack trace; --port 0 takes any free port.
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildRun, runChild } from '../e2e/run-child.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

let blocker: Server;
let takenPort: number;
beforeAll(async () => {
  blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  takenPort = (blocker.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((done) => blocker.close(() => done())));

const launch = (script: string, args: string[]): ChildRun =>
  runChild(process.execPath, ['--import', TSX_LOADER, join(ROOT, script), ...args], { cwd: ROOT, env: process.env });

describe.concurrent.each([
  ['fake-moodle', 'test/fakes/fake-moodle/cli.ts', 'fake Moodle', 'MOODLE_URL=http://127.0.0.1:'],
  ['fake-slack', 'test/fakes/fake-slack/cli.ts', 'fake Slack', 'SLACK_API_URL=http://127.0.0.1:'],
])('npm run %s', (script, path, fake, printed) => {
  it('says the port is taken and how to pick another, without a stack trace', async () => {
    const run = launch(path, ['--port', String(takenPort)]);
    expect((await run.exited).code).toBe(1);
    expect(run.stderr()).toContain(`Cannot start the ${fake}: port ${takenPort} on 127.0.0.1 is already in use`);
    expect(run.stderr()).toContain(`npm run ${script} -- --port ${takenPort + 1} (or --port 0 for any free one)`);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
    expect(run.stdout()).toBe('');
  });

  it('refuses a port that is not a number, with its usage', async () => {
    const run = launch(path, ['--port', 'eighty']);
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toContain(`usage: npm run ${script}`);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });

  it('takes any free port with --port 0 and prints the settings to paste', async () => {
    const run = launch(path, ['--port', '0']);
    try {
      await run.waitForOutput(printed);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect((await run.exited).code).toBe(0);
  });
});
