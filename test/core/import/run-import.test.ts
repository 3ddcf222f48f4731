// An import from file to Moodle below Slack: preview, one request, approval, execution through the batch helper
// against the fake Moodle, the rows' states in the store, the result CSV, the audit, progress. And a stop in the
// middle (the process dies with calls in flight, one of them committed in Moodle without its answer): a new process
// over the same store resumes it without creating any account twice or losing a row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../../src/core/clock.js';
import type { ImportPreview } from '../../../src/core/import/types.js';
import type { MoodleGateway } from '../../../src/core/moodle-gateway.js';
import type { ProvisioningService } from '../../../src/core/provisioning.js';
import type { Store } from '../../../src/core/store.js';
import { createMoodleClient } from '../../../src/moodle/client.js';
import { Secret } from '../../../src/secret.js';
import { openStore } from '../../../src/store/index.js';
import type { FakeMoodle } from '../../fakes/fake-moodle/index.js';
import { fakeMoodleForFile } from '../../fakes/fake-moodle-per-file.js';
import { APPROVER, buildService, bulkFile, csv, REQUESTER, type Recorded } from './harness.js';

let fake: FakeMoodle;
let dir: string;
let store: Store;
let clock: ManualClock;
let client: ReturnType<typeof createMoodleClient>;
let recorded: Recorded;

fakeMoodleForFile((started) => {
  fake = started;
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'import-'));
  store = await openStore(`sqlite:${join(dir, 'store.db')}`);
  clock = createManualClock(new Date('2026-03-02T08:00:00.000Z'));
  client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 10_000, readRetries: 0 });
  recorded = { progress: [], results: [], events: [] };
});
afterEach(async () => {
  fake.setFault(null);
  await client.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function service(
  gateway: MoodleGateway = client,
  s: Store = store,
  passwordMode: 'email' | 'generate' = 'email',
): ProvisioningService {
  return buildService({ store: s, gateway, clock, recorded, moodleUrl: fake.url }, { passwordMode });
}

async function previewOf(svc: ProvisioningService, text: string, mode: ImportPreview['mode'] = 'create') {
  const read = svc.imports.readFile(csv(text), 'staff.csv');
  if (!read.ok) throw new Error(read.error.message);
  const outcome = await svc.imports.preview({ userId: REQUESTER }, read.file, mode);
  if (outcome.kind !== 'preview') throw new Error(JSON.stringify(outcome));
  return outcome.preview;
}

async function submitted(svc: ProvisioningService, preview: ImportPreview): Promise<string> {
  const outcome = await svc.imports.submit({ userId: REQUESTER }, preview, 'term start');
  if (outcome.kind !== 'pending') throw new Error(JSON.stringify(outcome));
  return outcome.request.id;
}

const createdUsernames = () =>
  fake.calls
    .filter((c) => c.wsfunction === 'core_user_create_users' && c.status === 200 && !c.body.includes('exception'))
    .flatMap((c) =>
      Object.entries(c.params)
        .filter(([k]) => /^users\[\d+\]\[username\]$/.test(k))
        .map(([, v]) => v),
    );

describe('an approved import', () => {
  it('creates the new accounts with their course and cohort, skips the rest, and says so row by row', async () => {
    fake.site.addUser({ username: 'taken', firstname: 'T', lastname: 'K', email: 'taken@example.org' });
    const svc = service();
    const preview = await previewOf(
      svc,
      [
        'username;firstname;lastname;email;course1;role1;cohort1',
        'ann;Ann;Lee;ann@example.org;TEST101;student;COHORT1',
        'ben;Ben;Ray;ben@example.org;TEST102;editingteacher;',
        'cy;Cy;Oh;not-an-email;;;',
        'dup;Dup;Li;ANN@example.org;;;',
        'taken;Ta;Ken;other@example.org;;;',
        'dan;Dan;Ho;dan@example.org;TEST103;;',
      ].join('\n'),
    );
    expect(preview.counts).toEqual({ create: 2, update: 0, unchanged: 0, invalid: 2, duplicate: 1, exists: 1 });
    expect(preview.problems.map((p) => [p.row, p.action])).toEqual([
      [4, 'invalid'],
      [5, 'duplicate'],
      [6, 'exists'],
      [7, 'invalid'],
    ]);
    expect(preview.problems[3]?.message).toContain('Manual enrolments');
    const id = await submitted(svc, preview);
    expect(fake.calls.some((c) => c.wsfunction === 'core_user_create_users')).toBe(false);

    const outcome = await svc.approve(id, APPROVER);
    expect(outcome.kind).toBe('executed');
    const ann = fake.site.findUser('ann');
    const ben = fake.site.findUser('ben');
    expect(ann && ben).toBeTruthy();
    expect(fake.site.catalogue.isActivelyEnrolled(ann?.id ?? 0, 2, fake.site.now())).toBe(true);
    expect(fake.site.catalogue.rolesOf(ben?.id ?? 0, 3)).toEqual([3]);
    expect(fake.site.catalogue.isMember(1, ann?.id ?? 0)).toBe(true);
    expect(fake.site.findUser('cy')).toBeUndefined();

    const result = await svc.imports.result(id);
    expect(result?.totals).toEqual({
      rows: 6,
      created: 2,
      updated: 0,
      partial: 0,
      failed: 0,
      skipped: 4,
      unfinished: 0,
    });
    const lines = result?.csv.trim().split('\n') ?? [];
    expect(lines[0]).toBe('row,username,moodle_id,status,message');
    expect(lines[1]).toBe(`2,ann,${ann?.id},created,`);
    expect(lines[5]).toContain('skipped: already in Moodle');
    expect(recorded.results).toHaveLength(1);
    expect(recorded.events).toEqual(['card succeeded', 'dm executed', 'announce executed']);
    expect(recorded.progress.at(-1)).toMatchObject({ phase: 'done', total: 2, done: 2, created: 2 });

    const audit = await store.listAudit();
    const rows = audit.filter((e) => e.kind === 'import_row');
    expect(rows.map((e) => e.outcome).sort()).toEqual([
      'created',
      'created',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(audit.find((e) => e.kind === 'import')?.detail).toContain('2 created');
  });

  it('updates only the changed fields of existing accounts in update mode, and leaves unchanged ones alone', async () => {
    fake.site.addUser({ username: 'eve', firstname: 'Eve', lastname: 'Old', email: 'eve@example.org', city: 'Paris' });
    fake.site.addUser({ username: 'fay', firstname: 'Fay', lastname: 'Same', email: 'fay@example.org' });
    const svc = service();
    const preview = await previewOf(
      svc,
      'username,firstname,lastname,email\neve,Eve,New,eve@example.org\nfay,Fay,Same,fay@example.org\ngus,Gus,Neu,gus@example.org\n',
      'create_or_update',
    );
    expect(preview.counts).toMatchObject({ create: 1, update: 1, unchanged: 1 });
    expect(preview.rows[0]?.changes).toEqual([{ field: 'lastname', before: 'Old', after: 'New' }]);
    const id = await submitted(svc, preview);
    expect((await svc.approve(id, APPROVER)).kind).toBe('executed');
    expect(fake.site.findUser('eve')).toMatchObject({ lastname: 'New', city: 'Paris' });
    const update = fake.calls.find((c) => c.wsfunction === 'core_user_update_users');
    expect(Object.keys(update?.params ?? {}).filter((k) => k.startsWith('users['))).toEqual([
      'users[0][id]',
      'users[0][lastname]',
    ]);
    expect((await svc.imports.result(id))?.totals).toMatchObject({ created: 1, updated: 1, skipped: 1 });
  });

  it('isolates a row Moodle refuses at create time; every other row is created', async () => {
    const svc = service();
    const preview = await previewOf(svc, bulkFile('iso', 40));
    // An account appears with row 20's email after the preview, in a case the look-up does not ask for.
    fake.site.addUser({ username: 'someone', firstname: 'S', lastname: 'O', email: 'ISO19@EXAMPLE.ORG' });
    const id = await submitted(svc, preview);
    expect((await svc.approve(id, APPROVER)).kind).toBe('executed');
    const result = await svc.imports.result(id);
    expect(result?.totals).toMatchObject({ created: 39, failed: 1 });
    expect(result?.csv).toContain('iso19');
    expect(createdUsernames()).toHaveLength(39);
  });

  it('is one request: the same file cannot be asked for twice while it waits, and its requester cannot approve it', async () => {
    const svc = service();
    const preview = await previewOf(svc, bulkFile('once', 3));
    const id = await submitted(svc, preview);
    expect(await svc.imports.submit({ userId: REQUESTER }, preview, undefined)).toEqual({
      kind: 'refused',
      reason: `This file is already being imported (request ${id}).`,
      inFlight: id,
    });
    expect((await svc.approve(id, REQUESTER)).kind).toBe('refused');
    expect(fake.calls.some((c) => c.wsfunction === 'core_user_create_users')).toBe(false);
    const nothing = await previewOf(svc, 'firstname,lastname,email\nA,B,bad\n');
    expect(await svc.imports.submit({ userId: REQUESTER }, nothing, undefined)).toMatchObject({ kind: 'invalid' });
  });

  it('makes no account with a Moodle password once PASSWORD_MODE=generate is set after the preview', async () => {
    const preview = await previewOf(
      service(),
      'firstname,lastname,email,auth\nAl,Ma,al@example.org,manual\nSo,So,so@example.org,oauth2\n',
    );
    const id = await submitted(service(), preview);
    expect((await service(client, store, 'generate').approve(id, APPROVER)).kind).toBe('executed');
    const result = await service().imports.result(id);
    expect(result?.totals).toMatchObject({ created: 1, failed: 1 });
    expect(result?.csv).toContain('PASSWORD_MODE=generate would show its password to nobody');
    expect(fake.site.findUser('al')).toBeUndefined();
    expect(fake.site.findUser('so')).toMatchObject({ auth: 'oauth2' });
    // The random password sent for the oauth2 account is stored nowhere: not in the rows, not in the audit.
    const sent = fake.calls.find((c) => c.wsfunction === 'core_user_create_users')?.params['users[0][password]'];
    expect(sent).toMatch(/.{12,}/);
    const stored = JSON.stringify([
      await store.listImportRows(id),
      await store.listAudit(),
      await store.getRequest(id),
    ]);
    expect(stored).not.toContain(sent);
    expect(stored).not.toMatch(/"password"/);
  });
});

describe('an import stopped in the middle', () => {
  it('waits, while Moodle is unreachable, for a later run of the reconcile job; only the run that ends it is told', async () => {
    const id = await crashMidway('down', 200);
    const second = await openStore(`sqlite:${join(dir, 'store.db')}`, { holderId: 'second' });
    try {
      const svc = service(client, second);
      fake.setFault('refuse');
      const first = await svc.reconcileInterrupted();
      fake.setFault(null);
      expect(first.unresolved.map((r) => [r.id, r.status])).toEqual([[id, 'executing']]);
      expect(recorded.results).toEqual([]);
      expect((await second.listAudit()).filter((e) => e.kind === 'import')).toEqual([]);
      const then = await svc.reconcileInterrupted();
      expect(then.reconciled.map((r) => [r.id, r.status])).toEqual([[id, 'succeeded']]);
      expect(recorded.results.map((r) => r.totals.created)).toEqual([200]);
      expect(fake.site.users.filter((u) => u.username.startsWith('down'))).toHaveLength(200);
    } finally {
      await second.close();
    }
  }, 60_000);

  /** An import whose process dies mid-way: its third create reaches Moodle and commits, its answer is lost. */
  async function crashMidway(prefix: string, rows: number): Promise<string> {
    const id = await submitted(service(), await previewOf(service(), bulkFile(prefix, rows, { course: true })));
    let creates = 0;
    let lostAnswer = false;
    const dying: MoodleGateway = Object.create(client);
    dying.createUsers = async (users) => {
      creates += 1;
      if (creates < 3) return client.createUsers(users);
      if (creates === 3) {
        await client.createUsers(users);
        lostAnswer = true;
      }
      return new Promise(() => {});
    };
    void service(dying).approve(id, APPROVER);
    await expect.poll(() => lostAnswer, { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => (await store.countImportRows(id)).sending ?? 0).toBeGreaterThan(0);
    return id;
  }

  it('is resumed by the next process: rows sent but not recorded are looked up, no account is created twice', async () => {
    const id = await crashMidway('crash', 300);
    // Moodle holds accounts whose rows say `sending` (the lost answer); other `sending` rows never reached it.
    const before = await store.countImportRows(id);
    // Recorded rows are `account_done`, or already `created` when their courses went out while creates ran on.
    const recorded = (before.account_done ?? 0) + (before.created ?? 0) + (before.partial ?? 0);
    const committedUnrecorded = fake.site.users.filter((u) => u.username.startsWith('crash')).length - recorded;
    expect(committedUnrecorded).toBeGreaterThan(0);
    expect(before.sending ?? 0).toBeGreaterThan(committedUnrecorded);

    // The second process over the same database: its reconcile job finds the execution interrupted.
    const second = await openStore(`sqlite:${join(dir, 'store.db')}`, { holderId: 'second' });
    try {
      const svc = service(client, second);
      const { reconciled } = await svc.reconcileInterrupted();
      expect(reconciled.map((r) => [r.id, r.status])).toEqual([[id, 'succeeded']]);
      const result = await svc.imports.result(id);
      expect(result?.totals).toMatchObject({ rows: 300, created: 300, failed: 0, unfinished: 0 });
      const names = createdUsernames();
      expect(names).toHaveLength(300);
      expect(new Set(names).size).toBe(300);
      const users = fake.site.users.filter((u) => u.username.startsWith('crash'));
      expect(users).toHaveLength(300);
      expect(users.every((u) => fake.site.catalogue.isActivelyEnrolled(u.id, 2, fake.site.now()))).toBe(true);
    } finally {
      await second.close();
    }
  }, 60_000);
});
