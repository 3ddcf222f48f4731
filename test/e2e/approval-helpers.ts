// Helpers for the approval-workflow end-to-end tests: submit a request through the running app's core, click the
// card's buttons and submit the modals the app opened, as Slack would (signed requests through the harness).
import { afterAll, beforeAll, expect } from 'vitest';
import type { RequestRecord } from '../../src/core/requests.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import type { RecordedCall } from '../fakes/fake-slack/fake-slack.js';
import { buildBlockActions, buildViewSubmission } from '../fakes/sign.js';
import { type AckResult, startTestApp, type TestApp } from './harness.js';

export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER';
export const APPROVER2 = 'U0APPROVER2';
export const ADMIN = 'U0ADMIN';
export const STRANGER = 'U0STRANGER';

export const SLACK_USERS = [REQUESTER, APPROVER, APPROVER2, ADMIN, STRANGER].map((id) => ({ id }));

export const APPROVAL_ENV = {
  SLACK_APPROVERS: `${APPROVER},${APPROVER2},${ADMIN}`,
  SLACK_ADMINS: ADMIN,
  APPROVAL_REQUIRED: 'create,delete',
};

/** One fake Moodle and one app for a test file, knowing `users` (the ones above), `env` on top of the token. */
export async function startAppWithMoodle(
  env: Record<string, string>,
  users: Array<{ id: string; tz?: string }> = SLACK_USERS,
): Promise<{ fake: FakeMoodle; t: TestApp }> {
  const fake = await startFakeMoodle();
  const t = await startTestApp({
    moodleUrl: fake.url,
    env: { MOODLE_TOKEN: fake.token, ...env },
    slack: { users },
  });
  return { fake, t };
}

export interface AppWithMoodle {
  fake: FakeMoodle;
  t: TestApp;
}

/** Starts one fake Moodle and one app before a test file's tests and stops both after them; `use` gets the pair. */
export function appForFile(start: () => Promise<AppWithMoodle>, use: (app: AppWithMoodle) => void): void {
  let app: AppWithMoodle | undefined;
  beforeAll(async () => {
    app = await start();
    use(app);
  });
  afterAll(async () => {
    await app?.t.stop();
    await app?.fake.close();
  });
}

let counter = 0;
/** A fresh person to create, so that tests sharing one app and one fake Moodle never collide. */
export function newPerson(prefix = 'pat'): { email: string; firstname: string; lastname: string; username: string } {
  counter += 1;
  const username = `${prefix}${counter}${Date.now() % 100000}`;
  return { email: `${username}@example.org`, firstname: 'Pat', lastname: `Tester${counter}`, username };
}

/** Asks for an account through the running app's provisioning service; returns the pending request and its card. */
export async function requestAccount(
  t: TestApp,
  requester: string,
  person: { email: string; firstname: string; lastname: string },
  reason = 'new colleague',
): Promise<{ request: RequestRecord; card: RecordedCall }> {
  const outcome = await t.application.deps.listenerDeps.provisioning.submitCreate(
    { userId: requester, channelId: 'C0GENERAL' },
    { ...person, reason },
  );
  if (outcome.kind !== 'pending') throw new Error(`expected a pending request, got ${JSON.stringify(outcome)}`);
  const { request } = outcome;
  const card = await t.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(request.id),
  );
  return { request, card };
}

export function cardTs(card: RecordedCall): string {
  return String(card.response?.ts);
}

/** Clicks a button on the card as `user`; returns the ack and the trigger id used. */
export async function clickCard(
  t: TestApp,
  user: string,
  actionId: string,
  request: RequestRecord,
  ts: string,
): Promise<{ ack: AckResult; triggerId: string }> {
  const triggerId = t.slack.issueTriggerId();
  const ack = await t.action(
    buildBlockActions({
      user: { id: user },
      actions: [{ action_id: actionId, block_id: BLOCK_IDS.requestActionsBlock, value: request.id }],
      triggerId,
      channelId: 'C0APPROVALS',
      message: { ts },
    }),
  );
  return { ack, triggerId };
}

type Block = {
  type: string;
  block_id?: string;
  element?: { type?: string; action_id: string; initial_value?: string; initial_option?: { value: string } };
};

/**
 * The state Slack would submit for a view: every input's initial value (a select's initial option), then
 * `overrides` (block_id → typed value, or the chosen option's value for a select).
 */
export function stateOf(view: Record<string, unknown>, overrides: Record<string, string | null> = {}) {
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of (view.blocks as Block[]) ?? []) {
    if (block.type !== 'input' || !block.block_id || !block.element) continue;
    const { element } = block;
    if (element.type === 'static_select') {
      const chosen = block.block_id in overrides ? overrides[block.block_id] : element.initial_option?.value;
      values[block.block_id] = {
        [element.action_id]: { type: 'static_select', selected_option: chosen ? { value: chosen } : null },
      };
      continue;
    }
    const value = block.block_id in overrides ? overrides[block.block_id] : (element.initial_value ?? null);
    const type = element.type === 'email_text_input' ? 'email_text_input' : 'plain_text_input';
    values[block.block_id] = { [element.action_id]: { type, value } };
  }
  return values;
}

/** Waits for the modal opened with this trigger id. */
export async function openedView(t: TestApp, triggerId: string): Promise<Record<string, unknown>> {
  const call = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
  expect(call.response?.ok).toBe(true);
  return call.args.view as Record<string, unknown>;
}

/** The modal opened with this trigger id, and the id Slack gave it (for Edit details and the redraws). */
export async function openedViewWithId(
  t: TestApp,
  triggerId: string,
): Promise<{ view: Record<string, unknown>; viewId: string }> {
  const call = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
  expect(call.response?.ok).toBe(true);
  const viewId = String((call.response?.view as { id?: string } | undefined)?.id);
  return { view: call.args.view as Record<string, unknown>, viewId };
}

/** Clicks Edit details on the approve summary `viewId`; returns the pushed corrections form. */
export async function clickEditDetails(
  t: TestApp,
  user: string,
  summary: { view: Record<string, unknown>; viewId: string },
): Promise<Record<string, unknown>> {
  const triggerId = t.slack.issueTriggerId();
  const ack = await t.action(
    buildBlockActions({
      user: { id: user },
      actions: [{ action_id: ACTION_IDS.approveEditDetailsButton, block_id: BLOCK_IDS.approveEditBlock, value: '' }],
      triggerId,
      view: { ...summary.view, id: summary.viewId },
    }),
  );
  expect(ack.status).toBe(200);
  const pushed = await t.slack.waitForCall('views.push', (c) => c.args.trigger_id === triggerId);
  expect(pushed.response?.ok).toBe(true);
  return pushed.args.view as Record<string, unknown>;
}

/** The view_submission Slack would send when `user` submits `view` (see stateOf for `overrides`). */
export function buildModalSubmission(
  t: TestApp,
  user: string,
  view: Record<string, unknown>,
  overrides: Record<string, string | null> = {},
): Record<string, unknown> {
  return buildViewSubmission({
    user: { id: user },
    callbackId: String(view.callback_id),
    privateMetadata: String(view.private_metadata),
    values: stateOf(view, overrides),
    blocks: view.blocks as unknown[],
    triggerId: t.slack.issueTriggerId(),
  });
}

export function submitModal(
  t: TestApp,
  user: string,
  view: Record<string, unknown>,
  overrides: Record<string, string | null> = {},
): Promise<AckResult> {
  return t.submitView(buildModalSubmission(t, user, view, overrides));
}

/**
 * The first chat.update of this card whose text shows `status`. The default deadline is generous: it only turns a
 * card that never changes into a failure, and a loaded machine can take seconds to get there.
 */
export function waitForCard(t: TestApp, ts: string, status: string, timeoutMs = 15_000): Promise<RecordedCall> {
  return t.slack.waitForCall(
    'chat.update',
    (c) => c.args.ts === ts && String(c.args.text).endsWith(`: ${status}`),
    timeoutMs,
  );
}

export function blocksText(call: RecordedCall): string {
  return JSON.stringify(call.args.blocks ?? []);
}

export async function auditOf(t: TestApp, requestId: string): Promise<string[]> {
  const events = await t.application.deps.listenerDeps.store.listAudit();
  return events.filter((e) => e.requestId === requestId).map((e) => `${e.kind}:${e.outcome}:${e.actor}`);
}

/** Runs a /moodle-user command that opens "Looking up…" and replaces it after the look-up; returns the final view. */
export async function accountModalOf(
  t: TestApp,
  text: string,
  userId = REQUESTER,
): Promise<{ loading: Record<string, unknown>; view: Record<string, unknown>; viewId: string }> {
  const result = await t.command('/moodle-user', text, { userId });
  expect(result.ack.status).toBe(200);
  const loading = await openedView(t, result.triggerId);
  expect(JSON.stringify(loading)).toContain('Looking up');
  const open = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === result.triggerId);
  const viewId = String((open.response?.view as { id?: string } | undefined)?.id);
  const update = await t.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
  expect(update.response?.ok).toBe(true);
  return { loading, view: update.args.view as Record<string, unknown>, viewId };
}

let accounts = 0;
/** A fresh Moodle account on the fake for one test; `prefix` keeps test files' usernames apart. */
export function addAccount(
  fake: { site: { addUser(user: { username: string; firstname: string; lastname: string; email: string }): number } },
  prefix: string,
): { id: number; username: string } {
  accounts += 1;
  const username = `${prefix}${accounts}`;
  const id = fake.site.addUser({
    username,
    firstname: 'Pat',
    lastname: `Tester${accounts}`,
    email: `${username}@example.org`,
  });
  return { id, username };
}
