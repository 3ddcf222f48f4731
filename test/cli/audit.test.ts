// The audit export (`moodle-provisioner audit`): both formats parsed back, the time window, and the messages for each
// mistake, through the same dispatcher the command line uses.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_COLUMNS } from '../../src/cli/audit.js';
import { runCli } from '../../src/cli/run-cli.js';
import { openStore } from '../../src/store/index.js';

let dir: string;
let url: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mp-audit-'));
  url = `sqlite:${join(dir, 'audit.db')}`;
  const store = await openStore(url);
  const request = await store.createRequest(
    {
      requester: { userId: 'UREQ' },
      target: { username: 'jdoe', email: 'jdoe@example.org' },
      payload: {
        operation: 'create',
        user: { username: 'jdoe', email: 'jdoe@example.org', firstname: 'Jane', lastname: 'Doe', auth: 'manual' },
      },
      createdAt: new Date('2026-01-05T09:00:00Z'),
    },
    [{ actor: 'UREQ', kind: 'request', outcome: 'pending' }],
  );
  await store.appendAudit({
    at: new Date('2026-01-20T10:30:00Z'),
    actor: 'UAPPR',
    kind: 'decision',
    requestId: request.id,
    operation: 'create',
    target: { username: 'jdoe', email: 'jdoe@example.org' },
    outcome: 'rejected',
    detail: 'Wrong "department", please\nresubmit, thanks',
  });
  await store.appendAudit({
    at: new Date('2026-02-01T00:00:00Z'),
    actor: 'system',
    kind: 'execution',
    target: { moodleId: 12 },
    outcome: 'succeeded',
    moodleId: 12,
    detail: '=HYPERLINK("http://evil")',
  });
  await store.close();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], env: Record<string, string | undefined> = { DATABASE_URL: url }) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['audit', ...argv], {
    env,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe('export', () => {
  it('writes CSV that parses back to the same events, with formulas defused', async () => {
    const { code, stdout, stderr } = await run(['--since', '2026-01-01', '--format', 'csv']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const rows = parse(stdout, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0] ?? {})).toEqual([...AUDIT_COLUMNS]);
    expect(rows.map((r) => [r.kind, r.outcome, r.actor])).toEqual([
      ['request', 'pending', 'UREQ'],
      ['decision', 'rejected', 'UAPPR'],
      ['execution', 'succeeded', 'system'],
    ]);
    expect(rows[0]).toMatchObject({ at: '2026-01-05T09:00:00.000Z', operation: 'create', target_username: 'jdoe' });
    expect(rows[0]?.request_id).toMatch(/^R-/);
    expect(rows[1]?.detail).toBe('Wrong "department", please\nresubmit, thanks');
    expect(rows[2]).toMatchObject({ moodle_id: '12', target_moodle_id: '12', detail: `'=HYPERLINK("http://evil")` });
  });

  it('writes JSON with the same rows, and limits to the window (until is a whole day)', async () => {
    const { code, stdout } = await run(['--since', '2026-01-10', '--until', '2026-01-20', '--format', 'json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'UAPPR',
      kind: 'decision',
      outcome: 'rejected',
      moodle_id: null,
      detail: 'Wrong "department", please\nresubmit, thanks',
    });
    const instant = await run(['--until', '2026-01-20T10:30:00Z', '--format', 'json']);
    expect((JSON.parse(instant.stdout) as unknown[]).length).toBe(1);
  });

  it('takes --database over DATABASE_URL, and needs no other setting', async () => {
    const { code, stdout } = await run(['--database', url, '--format', 'json'], {
      DATABASE_URL: `sqlite:${join(dir, 'other.db')}`,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toHaveLength(3);
  });
});

it('prints its usage on --help', async () => {
  const { code, stdout } = await run(['--help']);
  expect(code).toBe(0);
  expect(stdout).toContain('--format    csv (default) or json');
});

describe('mistakes', () => {
  it.each([
    [['--since', 'yesterday'], '--since must be a date such as 2026-01-01'],
    [['--until', '2026-02-30'], '--until must be a date'],
    [['--since', '2026-02-01', '--until', '2026-01-01'], 'must come before --until'],
    [['--format', 'xml'], '--format must be csv or json, not "xml"'],
    [['--sinse', '2026-01-01'], "Unknown option '--sinse'"],
  ])('%j → exit 64 with a clear message and the usage', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: moodle-provisioner audit');
  });

  it('says which database is missing, and does not create it', async () => {
    const missing = join(dir, 'nope', 'missing.db');
    const { code, stderr } = await run([], { DATABASE_URL: `sqlite:${missing}` });
    expect(code).toBe(1);
    expect(stderr).toContain(`There is no database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a database URL it cannot read, and says which PostgreSQL it could not reach', async () => {
    const unsupported = await run(['--database', 'mysql://db/app']);
    expect(unsupported.code).toBe(1);
    expect(unsupported.stderr).toContain('not supported');
    const unreachable = await run(['--database', 'postgres://app:s3cret-pw@127.0.0.1:1/app']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('Cannot connect to PostgreSQL at postgres://app@127.0.0.1:1/app');
    expect(unreachable.stderr).toContain('refused');
    expect(unreachable.stderr).not.toContain('s3cret-pw');
  });
});

it('runs as a command (moodle-provisioner audit)', async () => {
  const script = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  const argv = ['--import', 'tsx', script, 'audit', '--format', 'csv'];
  const { stdout } = await promisify(execFile)(process.execPath, argv, {
    env: { ...process.env, DATABASE_URL: url },
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  expect(stdout.split('\n')[0]).toBe(AUDIT_COLUMNS.join(','));
  expect(parse(stdout, { columns: true })).toHaveLength(3);
});
