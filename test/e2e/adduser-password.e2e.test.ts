// PASSWORD_MODE=generate end to end: a direct creation by an admin shows the generated password once, privately,
// to that admin (the ephemeral reply of the text command, or the modal's result view) and nowhere else: not in any
// log line, any other Slack call or response, or any database row. Moodle gets it, with a forced change at login.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CALLBACK_IDS, userFieldIds } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { hashPassword } from '../fakes/fake-moodle/site.js';
import { buildViewSubmission } from '../fakes/sign.js';
import { startTestApp, type TestApp } from './harness.js';

let t: TestApp;
let moodle: FakeMoodle;
let dir: string;
let dbPath: string;

beforeAll(async () => {
  moodle = await startFakeMoodle();
  dir = mkdtempSync(join(tmpdir(), 'adduser-password-'));
  dbPath = join(dir, 'provisioner.db');
  t = await startTestApp({
    moodleUrl: moodle.url,
    env: {
      MOODLE_TOKEN: moodle.token,
      PASSWORD_MODE: 'generate',
      SLACK_REQUESTERS: 'U0REQUESTER',
      DATABASE_URL: `sqlite:${dbPath}`,
    },
    slack: { users: [{ id: 'U0REQUESTER' }, { id: 'U0ADMIN' }] },
  });
});
afterAll(async () => {
  await t?.stop();
  await moodle?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  t.slack.reset();
});

const PASSWORD_LINE = /Temporary password: `([^`]+)`/;

/** Every row of every table, as text. */
function dumpDatabase(): string {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    expect(tables.length).toBeGreaterThan(0);
    return tables
      .map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all()))
      .join('\n');
  } finally {
    db.close();
  }
}

/** Asserts the password is in Moodle (hashed) with a forced change, and in no log line, row or other Slack call. */
function expectOnlyThere(password: string, username: string, isTheOnePlace: (text: string) => boolean): void {
  const user = moodle.site.users.find((u) => u.username === username);
  expect(user?.passwordHash).toBe(hashPassword(password));
  expect(user && moodle.site.getPreference(user.id, 'auth_forcepasswordchange')).toBe('1');

  expect(t.logs.filter((line) => line.includes(password))).toEqual([]);
  const everything = [
    ...t.slack.calls.map((c) => JSON.stringify({ method: c.method, args: c.args })),
    ...t.slack.responses.map((r) => JSON.stringify(r.body)),
  ];
  const holding = everything.filter((text) => text.includes(password));
  expect(holding).toHaveLength(1);
  expect(isTheOnePlace(holding[0] ?? '')).toBe(true);
  expect(dumpDatabase()).not.toContain(password);
  expect(t.leakedSecrets()).toEqual([]);
}

describe('PASSWORD_MODE=generate', () => {
  it('shows the password in the one ephemeral reply of the text command, and nowhere else', async () => {
    const cmd = await t.command('/moodle-adduser', 'gen.text@example.org Gene Text', { userId: 'U0ADMIN' });
    const post = await cmd.waitForResponse();
    expect(post.body.response_type).toBe('ephemeral');
    const password = PASSWORD_LINE.exec(JSON.stringify(post.body))?.[1];
    expect(password).toMatch(/^\S{12,}$/);
    // Not in the notification text (fallback) of the reply either.
    expect(String(post.body.text)).not.toContain(password);
    const create = moodle.calls.find((c) => c.wsfunction === 'core_user_create_users');
    expect(create?.params['users[0][createpassword]']).toBeUndefined();
    // Let the notification line and the DM go out before looking at every call.
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0NOTIFY');
    expectOnlyThere(password ?? '', 'gen.text', (text) => text.includes('"response_type":"ephemeral"'));
  });

  it('shows the password only in the modal’s result view', async () => {
    const cmd = await t.command('/moodle-adduser', '', { userId: 'U0ADMIN' });
    const open = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === cmd.triggerId);
    const viewId = String((open.response?.view as { id?: string } | undefined)?.id);
    const email = userFieldIds('email');
    const first = userFieldIds('firstname');
    const last = userFieldIds('lastname');
    const ack = await t.submitView(
      buildViewSubmission({
        user: { id: 'U0ADMIN' },
        callbackId: CALLBACK_IDS.newUserModal,
        triggerId: t.slack.issueTriggerId(),
        viewId,
        values: {
          [email.blockId]: { [email.actionId]: { type: 'email_text_input', value: 'gen.modal@example.org' } },
          [first.blockId]: { [first.actionId]: { type: 'plain_text_input', value: 'Gene' } },
          [last.blockId]: { [last.actionId]: { type: 'plain_text_input', value: 'Modal' } },
        },
      }),
    );
    expect(ack.body).toMatchObject({ response_action: 'update' });
    const update = await t.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
    const password = PASSWORD_LINE.exec(JSON.stringify(update.args.view))?.[1];
    expect(password).toMatch(/^\S{12,}$/);
    expect(JSON.stringify(ack.body)).not.toContain(password);
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0NOTIFY');
    expectOnlyThere(password ?? '', 'gen.modal', (text) => text.includes('"method":"views.update"'));
  });

  it('shows no password to a requester whose request waits for approval', async () => {
    const cmd = await t.command('/moodle-adduser', 'gen.pending@example.org Gene Pending', { userId: 'U0REQUESTER' });
    const post = await cmd.waitForResponse();
    expect(JSON.stringify(post.body)).toMatch(/Request \*R-/);
    expect(JSON.stringify(post.body)).not.toContain('Temporary password');
    expect(moodle.site.users.some((u) => u.username === 'gen.pending')).toBe(false);
  });
});
