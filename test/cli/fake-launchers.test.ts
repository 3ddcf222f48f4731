// The fakes' launchers (`npm run fake-moodle`, `npm run fake-slack`) as a person runs them: a port that is taken
// gets a sentence that says how to pick another, never a stack trace; --port 0 takes any free port.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

function launch(script: string, args: string[]): { child: ChildProcess; output: () => { out: string; err: string } } {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, script), ...args], {
    cwd: ROOT,
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
  return { child, output: () => ({ out, err }) };
}

async function exitOf(child: ChildProcess): Promise<number | null> {
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe.concurrent.each([
  ['fake-moodle', 'test/fakes/fake-moodle/cli.ts', 'fake Moodle', 'MOODLE_URL=http://127.0.0.1:'],
  ['fake-slack', 'test/fakes/fake-slack/cli.ts', 'fake Slack', 'SLACK_API_URL=http://127.0.0.1:'],
])('npm run %s', (script, path, fake, printed) => {
  it('says the port is taken and how to pick another, without a stack trace', async () => {
    const run = launch(path, ['--port', String(takenPort)]);
    expect(await exitOf(run.child)).toBe(1);
    const { out, err } = run.output();
    expect(err).toContain(`Cannot start the ${fake}: port ${takenPort} on 127.0.0.1 is already in use`);
    expect(err).toContain(`npm run ${script} -- --port ${takenPort + 1} (or --port 0 for any free one)`);
    expect(err).not.toMatch(/\n\s+at /);
    expect(out).toBe('');
  });

  it('refuses a port that is not a number, with its usage', async () => {
    const run = launch(path, ['--port', 'eighty']);
    expect(await exitOf(run.child)).toBe(2);
    expect(run.output().err).toContain(`usage: npm run ${script}`);
    expect(run.output().err).not.toMatch(/\n\s+at /);
  });

  it('takes any free port with --port 0 and prints the settings to paste', async () => {
    const run = launch(path, ['--port', '0']);
    try {
      while (!run.output().out.includes(printed)) {
        if (run.child.exitCode !== null) throw new Error(`exited early: ${run.output().err}`);
        await once(run.child.stdout as NodeJS.ReadableStream, 'data');
      }
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await exitOf(run.child)).toBe(0);
  });
});
