// A crash in the middle of an import. The import is asked for through the app (upload, preview, submit), then
// approved through a second instance running in a process of its own (fixtures/replica.ts) on the same SQLite file.
// Of its four create calls in flight, two are answered and recorded, two never are: Moodle commits one of them
// (its answer is lost) and not the other. The process is killed (SIGKILL). A new instance on the same database
// resumes the import by itself: the committed accounts are found by a look-up, the others sent once, every
// enrolment added, the result reported; no account is sent to Moodle twice.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/requests.js';
import type { Store } from '../../src/core/store.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/slack/ids.js';
import { type FakeMoodle, type FakeMoodleCall, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { buildBlockActions } from '../fakes/sign.js';
import { APPROVER, REQUESTER, SLACK_USERS } from './approval-helpers.js';
import { forkApp, postInteractivity, submissionOf } from './fixtures/forked-app.js';
import { buildTestEnv, startTestApp, type TestApp } from './harness.js';
import { csv, hostCsv, previewFile, submitPreview } from './import-helpers.js';

const ROWS = 100;
const CREATE = 'core_user_create_users';

let fake: FakeMoodle;
let slack: FakeSlack;
let dir: string;
let databaseUrl: string;
const apps: TestApp[] = [];
let child: ChildProcess | undefined;

beforeAll(async () => {
  fake = await startFakeMoodle();
  slack = await FakeSlack.start({ users: SLACK_USERS });
  dir = mkdtempSync(join(tmpdir(), 'mp-import-crash-'));
  databaseUrl = `sqlite:${join(dir, 'x.db')}`;
});
afterAll(async () => {
  child?.kill('SIGKILL');
  for (const t of apps) await t.stop();
  await slack?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = { SLACK_APPROVERS: APPROVER, LOG_LEVEL: 'warn' };

async function startInProcess(): Promise<TestApp> {
  const t = await startTestApp({
    moodleUrl: fake.url,
    slack,
    env: { MOODLE_TOKEN: fake.token, ...env, DATABASE_URL: databaseUrl },
    overrides: { leaseTtlMs: 1_000, reconcileIntervalMs: 200 },
  });
  apps.push(t);
  return t;
}

/** The app in a process of its own, which the test can kill; its port once it is ready. */
async function startChild(): Promise<number> {
  const childEnv = buildTestEnv(slack, {
    moodleUrl: fake.url,
    env: {
      MOODLE_TOKEN: fake.token,
      ...env,
      DATABASE_URL: databaseUrl,
      // The calls left hanging must stay in flight until the kill, not time out and be looked up first.
      MOODLE_TIMEOUT_MS: '120000',
      TEST_LEASE_TTL_MS: '1000',
    },
  });
  const forked = await forkApp(childEnv);
  child = forked.child;
  return forked.port;
}

const post = postInteractivity;

/** Approves the import through the app listening on `port`, as the approver clicking and submitting would. */
async function approveThrough(port: number, request: RequestRecord): Promise<void> {
  const ts = String(request.approvalMessage?.ts);
  const triggerId = slack.issueTriggerId();
  const actions = [
    { action_id: ACTION_IDS.approveRequestButton, block_id: BLOCK_IDS.requestActionsBlock, value: request.id },
  ];
  const click = buildBlockActions({
    user: { id: APPROVER },
    actions,
    triggerId,
    channelId: 'C0APPROVALS',
    message: { ts },
  });
  expect((await post(port, click)).status).toBe(200);
  const opened = await slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId, 30_000);
  const view = opened.args.view as Record<string, unknown>;
  expect((await post(port, submissionOf(slack, view, APPROVER))).status).toBe(200);
}

async function until<T>(read: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  // Generous: only turns a state that never comes into a failure; a loaded machine can take many seconds.
  const deadline = Date.now() + 45_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function usersIn(
  call: FakeMoodleCall,
): Array<{ username: string; firstname: string; lastname: string; email: string }> {
  const users = new Map<string, Record<string, string>>();
  for (const [key, value] of Object.entries(call.params)) {
    const match = /^users\[(\d+)\]\[(username|firstname|lastname|email)\]$/.exec(key);
    if (!match) continue;
    const user = users.get(match[1] as string) ?? {};
    user[match[2] as string] = value;
    users.set(match[1] as string, user);
  }
  return [...users.values()] as Array<{ username: string; firstname: string; lastname: string; email: string }>;
}

const usernames = (calls: readonly FakeMoodleCall[]) => calls.flatMap((c) => usersIn(c).map((u) => u.username));

describe('an import interrupted by a crash', () => {
  it('resumes in a new instance on the same database, with no account sent to Moodle twice', async () => {
    const first = await startInProcess();
    const rows = Array.from({ length: ROWS }, (_, i) => `crash${i},Pat,Crash${i},crash${i}@example.org,TEST101`);
    const file = hostCsv(first, 'crash.csv', csv('username,firstname,lastname,email,course1', rows));
    const { form, preview } = await previewFile(first, REQUESTER, file);
    const outcome = await submitPreview(first, REQUESTER, form.viewId, preview);
    const id = String(/Import `(R-[A-Z0-9]+)`/.exec(JSON.stringify(outcome))?.[1]);
    const store: Store = first.application.deps.listenerDeps.store;
    const pending = await until(async () => {
      const request = await store.getRequest(id);
      return request?.approvalMessage ? request : undefined;
    }, 'the card');
    await first.stop();

    // The second instance approves; two of its four create calls hang (never answered), two are answered.
    fake.setFault('hang', { times: 2, wsfunction: CREATE });
    const port = await startChild();
    await approveThrough(port, pending);
    const creates = () => fake.calls.filter((c) => c.wsfunction === CREATE);
    const hung = await until(() => {
      const calls = creates();
      return calls.length >= 4 && calls.filter((c) => c.status === 200).length >= 2
        ? calls.filter((c) => c.status === 0)
        : undefined;
    }, 'two create calls answered and two in flight');
    expect(hung).toHaveLength(2);
    const [committed, lost] = hung as [FakeMoodleCall, FakeMoodleCall];
    // Moodle carried the first one out, but its answer never reaches the app.
    for (const user of usersIn(committed)) fake.site.addUser(user);
    const answeredBeforeCrash = usernames(creates().filter((c) => c.status === 200));
    const callsBeforeCrash = creates().length;

    const killed = child as ChildProcess;
    await new Promise<void>((resolve) => {
      killed.once('exit', () => resolve());
      killed.kill('SIGKILL');
    });
    child = undefined;
    fake.setFault(null);

    const second = await startInProcess();
    const secondStore = second.application.deps.listenerDeps.store;
    const done = await until(async () => {
      const request = await secondStore.getRequest(id);
      return request?.status === 'succeeded' ? request : undefined;
    }, 'the import to succeed after the restart');
    expect(done.attempts).toBeGreaterThanOrEqual(1);

    const after = creates().slice(callsBeforeCrash);
    const resent = usernames(after);
    // The committed call's accounts were found, never sent again; the lost call's were sent once more; the
    // answered ones never again.
    expect(resent.filter((u) => usersIn(committed).some((c) => c.username === u))).toEqual([]);
    expect(resent.filter((u) => answeredBeforeCrash.includes(u))).toEqual([]);
    expect(resent.sort()).toEqual(
      usersIn(lost)
        .map((u) => u.username)
        .sort(),
    );
    for (let i = 0; i < ROWS; i += 1) {
      const user = fake.site.users.filter((u) => u.username === `crash${i}`);
      expect(user).toHaveLength(1);
      expect(fake.site.catalogue.rolesOf(Number(user[0]?.id), 2)).toEqual([5]);
    }
    const counts = await secondStore.countImportRows(id);
    expect(counts).toEqual({ created: ROWS });
    const result = await slack.waitForUpload((u) => u.filename === 'crash-result.csv', 30_000);
    expect(result.initialComment).toContain(`${ROWS} created`);
  });
});
