// moodle-provisioner migrate-store (npm run migrate-store): copies requests and the audit log from SQLite to PostgreSQL (and back), ids included, then
// verifies the copy; the app then carries on from the copy. Refuses a target that holds anything, and says why.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { createManualClock } from '../../src/core/clock.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { Store } from '../../src/core/store.js';
import { openStore } from '../../src/store/index.js';
import { importRequest, importRowsOf } from '../store/contract/import-rows-contract.js';
import { createPgTestSchema, type PgTestSchema } from '../store/pg-test-database.js';

let dir: string;
let sqliteUrl: string;
let pg: PgTestSchema;
const stores: Store[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mp-migrate-'));
  sqliteUrl = `sqlite:${join(dir, 'app.db')}`;
  pg = await createPgTestSchema();
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await pg.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(url: string): Promise<Store> {
  const store = await openStore(url);
  stores.push(store);
  return store;
}

async function cli(argv: string[], env: Record<string, string | undefined> = { DATABASE_URL: sqliteUrl }) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['migrate-store', ...argv], {
    env,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

/** Requests in several states, with corrections, a result, a card and audit events, made as the app makes them. */
async function fill(store: Store): Promise<string[]> {
  const service = createRequestService({
    store,
    clock: createManualClock(new Date('2026-03-01T09:00:00Z')),
    ttlHours: 72,
  });
  const user = (username: string) => ({
    username,
    email: `${username}@example.org`,
    firstname: 'A',
    lastname: 'B',
    auth: 'manual',
  });
  const create = (username: string, approvalsNeeded = 1) =>
    service.submit({
      approvalsNeeded,
      requester: { userId: 'UREQ', channelId: 'C1' },
      target: { username, email: `${username}@example.org` },
      payload: { operation: 'create', user: user(username) },
      preflight: { checked: true, notes: ['No account uses this email.'], conflicts: [] },
      reason: 'new colleague',
    });
  const done = await create('done');
  await store.setApprovalMessage(done.id, { channel: 'CAPPROVE', ts: '1700000000.000100' });
  await service.approve(done.id, 'UAPPR', { corrections: { firstname: 'Ann' }, comment: 'ok' });
  await service.startExecution(done.id);
  await service.recordSuccess(done.id, { moodleId: 4242 });
  // A quorum request with one approval of two and a reminder: the columns of a later migration are copied too.
  const waiting = await create('waiting', 2);
  await service.approve(waiting.id, 'UAPPR', { comment: 'one of two' });
  await store.claimReminder(waiting.id, new Date('2026-03-02T09:00:00Z'), new Date('2026-03-01T10:00:00Z'));
  const rejected = await create('rejected');
  await service.reject(rejected.id, 'UAPPR', 'no such teacher');
  await service.recordRefusal('USTRANGER', { reason: 'permission', requestId: waiting.id, detail: 'not an approver' });
  // An end date: its reminder (due) and its expiry (later).
  const endAt = new Date('2026-06-01T00:00:00Z');
  const action = { moodleId: 4242, username: 'done', endAt, requestId: done.id, requesterId: 'UREQ' };
  await store.replaceSchedule(
    4242,
    [
      { ...action, kind: 'remind', dueAt: new Date('2026-05-25T00:00:00Z') },
      { ...action, kind: 'expire', dueAt: endAt },
    ],
    new Date('2026-03-01T09:00:00Z'),
  );
  // An import with its rows, one of them moved on.
  const imported = await store.createRequest(importRequest, [], importRowsOf(3));
  await store.updateImportRows(imported.id, [{ row: 2, state: 'created', moodleId: 77 }]);
  return [done.id, waiting.id, rejected.id, imported.id];
}

describe('moodle-provisioner migrate-store', () => {
  it('copies every request and audit event from SQLite to PostgreSQL, and the app carries on from the copy', async () => {
    const source = await open(sqliteUrl);
    const ids = await fill(source);
    const requests = await Promise.all(ids.map((id) => source.getRequest(id)));
    const audit = await source.listAudit();
    const actions = await source.listActions({});
    const importRows = await source.listImportRows(ids[3]!);
    expect(importRows[0]).toMatchObject({ state: 'created', moodleId: 77 });
    await source.close();

    const { code, stdout } = await cli(['--to', pg.url]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Copied 4 requests, ${audit.length} audit events, 2 scheduled actions and 3 import rows`);
    expect(stdout).toContain('every row reads back the same');

    const target = await open(pg.url);
    expect(await Promise.all(ids.map((id) => target.getRequest(id)))).toEqual(requests);
    expect(await target.listAudit()).toEqual(audit);
    expect(actions.map((a) => a.kind)).toEqual(['remind', 'expire']);
    expect(await target.listActions({})).toEqual(actions);
    expect(await target.listImportRows(ids[3]!)).toEqual(importRows);
    const next = await target.appendAudit({ at: new Date(), actor: 'system', kind: 'expiry' });
    expect(next.id).toBe(Math.max(...audit.map((e) => e.id)) + 1);
    const service = createRequestService({ store: target, clock: createManualClock(), ttlHours: 72 });
    expect((await target.getRequest(ids[1]!))?.approvals).toHaveLength(1);
    expect(await service.approve(ids[1]!, 'UAPPR2')).toMatchObject({ ok: true, request: { status: 'approved' } });
  });

  it('copies back from PostgreSQL to SQLite', async () => {
    const ids = await fill(await open(pg.url));
    const back = `sqlite:${join(dir, 'back.db')}`;
    expect((await cli(['--from', pg.url, '--to', back])).code).toBe(0);
    const copy = await open(back);
    expect((await copy.getRequest(ids[0]!))?.result).toEqual({ ok: true, moodleId: 4242 });
    expect(await copy.findDueActions(new Date('2026-05-26T00:00:00Z'), 10)).toMatchObject([
      { kind: 'remind', moodleId: 4242, requestId: ids[0], state: 'scheduled' },
    ]);
    expect(await copy.countImportRows(ids[3]!)).toEqual({ created: 1, pending: 1, skipped: 1 });
    expect(await copy.getRequest(ids[1]!)).toMatchObject({
      approvalsNeeded: 2,
      approvals: [{ by: 'UAPPR', comment: 'one of two' }],
      remindedAt: new Date('2026-03-02T09:00:00Z'),
    });
  });

  it('refuses a target that holds anything, a missing source, an unreachable target and a missing --to', async () => {
    await fill(await open(sqliteUrl));
    await fill(await open(pg.url));
    const full = await cli(['--to', pg.url]);
    expect(full.code).toBe(1);
    expect(full.stderr).toContain('already holds 4 requests');

    const missing = await cli(['--from', `sqlite:${join(dir, 'absent.db')}`, '--to', `sqlite:${join(dir, 'x.db')}`]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('There is no database') });
    const unreachable = await cli(['--to', 'postgres://app:pw-4471@127.0.0.1:1/app']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('Cannot connect to PostgreSQL at postgres://app@127.0.0.1:1/app');
    expect(unreachable.stderr).not.toContain('pw-4471');
    const usage = await cli([]);
    expect(usage).toMatchObject({ code: 64, stderr: expect.stringContaining('--to is required') });
    expect(usage.stderr).toContain('Usage: moodle-provisioner migrate-store');
  });

  it('runs as a command of the moodle-provisioner entry point', async () => {
    await fill(await open(sqliteUrl));
    const script = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const argv = ['--import', 'tsx', script, 'migrate-store', '--to', pg.url];
    const { stdout } = await promisify(execFile)(process.execPath, argv, {
      env: { ...process.env, DATABASE_URL: sqliteUrl },
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    expect(stdout).toContain('Copied 4 requests');
  });
});
