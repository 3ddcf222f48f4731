// An operator's installation, end to end: the project packed (npm pack) and installed from the tarball with
// --omit=dev in an empty folder, then `moodle-provisioner doctor`, `start` and `audit` run from the installed bin
// against the fake Moodle and the fake Slack. No development dependency is installed or reachable there, so a
// command that still needed tsx (as `npm run doctor` once did) fails here.
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { buildSlashCommand, encodeForm, FORM_CONTENT_TYPE, postSigned } from '../fakes/sign.js';
import { buildTestEnv, TEST_SIGNING_SECRET } from './harness.js';
import { type ChildRun, runChild } from './run-child.js';

const ROOT = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);
const project = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  files: string[];
  devDependencies: Record<string, string>;
};

// The set-up compiles src/ (about 8 s on an idle 2-core machine), packs (1 s) and installs from the npm cache
// (about 5 s); the bound leaves room for a machine loaded by the rest of the suite.
const SETUP_TIMEOUT_MS = 240_000;
// Each command starts a fresh Node process that loads Bolt: about a second idle, much more under load.
const COMMAND_TIMEOUT_MS = 60_000;

let work: string;
let app: string;
let packedFiles: string[];
let moodle: FakeMoodle;
let slack: FakeSlack;

/** npm's own variables from an outer `npm test` (npm_config_local_prefix, …) would point npm at this repository. */
const npmEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_|^INIT_CWD$/i.test(key)));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mp-packed-'));
  const source = join(work, 'source');
  app = join(work, 'app');
  // What `npm pack` sees in a clone, with dist/ compiled from today's src/ here rather than a dist/ left in the repo.
  for (const entry of ['package.json', 'README.md', ...project.files.filter((f) => f !== 'dist')]) {
    cpSync(join(ROOT, entry), join(source, entry), { recursive: true });
  }
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await exec(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(source, 'dist')], { cwd: ROOT });
  // --ignore-scripts: prepack would compile again, and the source folder has no TypeScript.
  const packArgs = ['pack', '--ignore-scripts', '--json', '--pack-destination', work];
  const packed = JSON.parse((await exec('npm', packArgs, { cwd: source, env: npmEnv() })).stdout) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  packedFiles = packed[0]?.files.map((f) => f.path) ?? [];

  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'operator-install', private: true }));
  // Install scripts are skipped: better-sqlite3's would compile SQLite from source (about a minute of one core;
  // no prebuilt binary can be downloaded here). Its binding comes instead from the project's own install of the
  // same version, built on this machine for this Node; everything else is exactly what the tarball pulls in.
  const tarball = join(work, packed[0]?.filename ?? '');
  const installArgs = ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'];
  await exec('npm', [...installArgs, tarball], { cwd: app, env: npmEnv() });
  const binding = 'better-sqlite3/build/Release/better_sqlite3.node';
  const version = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, 'better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
  expect(version(join(app, 'node_modules'))).toBe(version(join(ROOT, 'node_modules')));
  mkdirSync(dirname(join(app, 'node_modules', binding)), { recursive: true });
  copyFileSync(join(ROOT, 'node_modules', binding), join(app, 'node_modules', binding));

  moodle = await startFakeMoodle();
  slack = await FakeSlack.start();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await moodle?.close();
  await slack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The settings for the fakes, and a PATH with nothing but node and the system: no npx, no tsx from elsewhere. */
function operatorEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    ...buildTestEnv(slack, { moodleUrl: moodle.url, env: { MOODLE_TOKEN: moodle.token, LOG_LEVEL: 'info' } }),
    DATABASE_URL: `sqlite:${join(app, 'data', 'app.db')}`,
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: work,
    ...extra,
  };
}

/** The installed bin, as npm linked it (its shebang and exec bit included). */
const runBin = (args: string[], env = operatorEnv()): ChildRun =>
  runChild(join(app, 'node_modules/.bin/moodle-provisioner'), args, { cwd: app, env });

describe('the packed and installed project', () => {
  it('holds the built JavaScript and what an operator needs, and no sources, tests or secrets', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['dist/cli/main.js', 'package.json', 'manifest.yml']));
    expect(packedFiles).toContain('.env.example');
    const unexpected = packedFiles.filter(
      (f) =>
        !/^(dist\/.+\.js(\.map)?|package\.json|README\.md|manifest\.yml|\.env\.example|scripts\/[\w-]+\.mjs)$/.test(f),
    );
    expect(unexpected).toEqual([]);
  });

  it('has no development dependency installed or reachable from the installation', () => {
    const folders: string[] = [];
    for (let dir = app; ; dir = dirname(dir)) {
      folders.push(join(dir, 'node_modules'));
      if (dir === parse(dir).root) break;
    }
    // Type declarations never load at run time (and @types/node comes with Bolt's own dependencies).
    const reachable = Object.keys(project.devDependencies)
      .filter((name) => !name.startsWith('@types/'))
      .filter((name) => folders.some((folder) => existsSync(join(folder, name))));
    expect(reachable).toEqual([]);
    expect(existsSync(join(app, 'node_modules/moodle-provisioner/dist/cli/main.js'))).toBe(true);
  });

  it(
    'runs the doctor from the bin and through npm run doctor, all checks passing against the fakes',
    async () => {
      const run = runBin(['doctor']);
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.stdout()).toContain('All required checks passed');
      expect(run.stdout()).toContain('✓ Moodle site: "LMS Focusteck"');
      expect(run.stderr()).toBe('');

      // The command of the issue: npm run doctor where the package is installed without its dev dependencies.
      const npmRun = runChild('npm', ['run', 'doctor'], {
        cwd: join(app, 'node_modules/moodle-provisioner'),
        env: { ...npmEnv(), ...operatorEnv({ PATH: process.env.PATH ?? '' }) },
      });
      expect((await npmRun.exited).code).toBe(0);
      expect(npmRun.stdout()).toContain('All required checks passed');
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'starts the app, which serves health and a signed slash command, and stops gracefully on SIGTERM',
    async () => {
      const run = runBin(['start']);
      try {
        await run.waitForOutput('listening for Slack requests', COMMAND_TIMEOUT_MS / 2);
        const line = run
          .stdout()
          .split('\n')
          .find((l) => l.includes('listening for Slack requests'));
        const base = `http://127.0.0.1:${(JSON.parse(line ?? '{}') as { port: number }).port}`;
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        expect((await fetch(`${base}/readyz`)).status).toBe(200);

        const body = buildSlashCommand({
          command: '/moodle-adduser',
          text: 'jane.doe@example.org Jane Doe',
          user_id: 'U0ADMIN',
          user_name: 'admin',
          response_url: slack.responseUrl('packed-create'),
          trigger_id: slack.issueTriggerId(),
        });
        const ack = await postSigned(`${base}/slack/events`, encodeForm(body), FORM_CONTENT_TYPE, {
          secret: TEST_SIGNING_SECRET,
        });
        expect(ack.status).toBe(200);
        const reply = await slack.waitForResponse('packed-create', COMMAND_TIMEOUT_MS / 4);
        expect(JSON.stringify(reply.body)).toContain('jane.doe');
        expect(moodle.site.users.some((u) => u.username === 'jane.doe')).toBe(true);
      } finally {
        run.child.kill('SIGTERM');
      }
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(run.stdout()).toContain('"msg":"stopped"');
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'exports the audit log the app wrote',
    async () => {
      const run = runBin(['audit', '--format', 'csv']);
      expect(await run.exited).toEqual({ code: 0, signal: null });
      const rows = parseCsv(run.stdout(), { columns: true }) as Array<Record<string, string>>;
      expect(rows).toContainEqual(
        expect.objectContaining({ actor: 'U0ADMIN', operation: 'create', target_username: 'jane.doe' }),
      );
    },
    COMMAND_TIMEOUT_MS,
  );
});
