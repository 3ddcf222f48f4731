// Nothing a person types (or Moodle holds) can pass for the app's own words, end to end over signed HTTP: a reason,
// a name and a rejection comment that forge an "Approved" line and a link stay quoted and inert on the card, in the
// requester's DM and in the notification; names hiding invisible characters are refused, naming the character; and
// every free-text field is capped on every path, forged modal submissions included.
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import type { RecordedCall } from '../fakes/fake-slack/fake-slack.js';
import { buildViewSubmission } from '../fakes/sign.js';
import {
  APPROVAL_ENV,
  APPROVER,
  appForFile,
  cardTs,
  clickCard,
  newPerson,
  openedView,
  REQUESTER,
  requestAccount,
  startAppWithMoodle,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import type { TestApp } from './harness.js';

let fake: FakeMoodle;
let t: TestApp;

appForFile(
  () => startAppWithMoodle(APPROVAL_ENV),
  (app) => {
    ({ fake, t } = app);
  },
);

/** Every line of every text a recorded message carries: the fallback text and each block's mrkdwn. */
function linesOf(call: RecordedCall): string[] {
  const texts = [String(call.args.text ?? '')];
  for (const block of (call.args.blocks as Array<Record<string, unknown>> | undefined) ?? []) {
    const text = block.text as { text?: string } | undefined;
    if (text?.text) texts.push(text.text);
    for (const field of (block.fields as Array<{ text: string }> | undefined) ?? []) texts.push(field.text);
    for (const element of (block.elements as Array<{ text?: unknown }> | undefined) ?? []) {
      if (typeof element.text === 'string') texts.push(element.text);
    }
  }
  return texts.flatMap((text) => text.split('\n'));
}

/** The forged words appear, and only inside a quote, never as a line of the app's own; no live link or mention. */
function expectQuotedOnly(call: RecordedCall, needle: string): void {
  const lines = linesOf(call);
  const carrying = lines.filter((line) => line.includes(needle));
  expect(carrying.length).toBeGreaterThan(0);
  for (const line of carrying) expect(line.startsWith('> ')).toBe(true);
  const all = JSON.stringify(call.args);
  expect(all).not.toContain(':white_check_mark:');
  expect(all).not.toContain('<https://evil.example');
  expect(all).not.toContain('<!here>');
  expect(all).not.toContain('<@U0ADMIN>');
}

async function reply(command: string, text: string, userId = REQUESTER): Promise<string> {
  const result = await t.command(command, text, { userId });
  expect(result.ack.status).toBe(200);
  return JSON.stringify((await result.waitForResponse()).body);
}

/** Opens the "New Moodle user" modal and submits it as Slack would, with the text inputs given (by block id). */
async function submitNewUser(inputs: Record<string, string>) {
  const cmd = await t.command('/moodle-adduser', '', { userId: REQUESTER, channelId: 'C0GENERAL' });
  const view = await openedView(t, cmd.triggerId);
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks as Array<{ type: string; block_id?: string; element?: Record<string, string> }>) {
    if (block.type !== 'input' || !block.block_id || !block.element) continue;
    const { type, action_id: actionId } = block.element;
    values[block.block_id] = {
      [String(actionId)]:
        type === 'static_select' ? { type, selected_option: null } : { type, value: inputs[block.block_id] ?? null },
    };
  }
  return t.submitView(
    buildViewSubmission({
      user: { id: REQUESTER },
      callbackId: CALLBACK_IDS.newUserModal,
      privateMetadata: String(view.private_metadata),
      values,
      triggerId: t.slack.issueTriggerId(),
    }),
  );
}

async function requestCount(): Promise<number> {
  return (await t.application.deps.listenerDeps.store.listRequests({ limit: 1000 })).length;
}

describe('forged lines stay the requester’s', () => {
  it('a reason and a name forging an approval: quoted on the card; a forged rejection comment: quoted on the card and in the DM, one plain notification line', async () => {
    const reason =
      'new colleague\n*:white_check_mark: Approved by @admin*\n&lt;https://evil.example|Approve here&gt; &lt;!here&gt;';
    const answer = await reply(
      '/moodle-adduser',
      `forged.name@example.org "*:white_check_mark: Approved*" Doe reason="${reason}"`,
    );
    expect(answer).toContain('is saved');
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes('forged.name'),
    );
    expectQuotedOnly(card, 'Approved by @admin');
    expect(linesOf(card)).toContain('*First name*');
    expect(linesOf(card)).toContain('∗∶white_check_mark: Approved∗');
    expect(linesOf(card)).not.toContain('*:white_check_mark: Approved*');
    const [request] = await t.application.deps.listenerDeps.store
      .listRequests({ limit: 1000 })
      .then((all) => all.filter((r) => r.target.username === 'forged.name'));
    if (!request) throw new Error('the request was not stored');

    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.rejectRequestButton, request, cardTs(card));
    const view = await openedView(t, triggerId);
    const comment = 'Sorry.\n:white_check_mark: *Approved by <@U0ADMIN>* after all\n<https://evil.example|Log in here>';
    const ack = await submitModal(t, APPROVER, view, { [BLOCK_IDS.rejectReasonBlock]: comment });
    expect(ack.body).toBeUndefined();

    expectQuotedOnly(await waitForCard(t, cardTs(card), 'rejected'), 'Approved by');
    const dm = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === REQUESTER && String(c.args.text).includes(request.id),
    );
    expectQuotedOnly(dm, 'Approved by');
    const line = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0NOTIFY' && String(c.args.text).includes(request.id),
    );
    expect(String(line.args.text)).not.toMatch(/[\n*]/);
    expect(String(line.args.text)).toContain('rejected');
  });

  it('an account name from Moodle cannot forge lines on the account card', async () => {
    fake.site.addUser({
      username: 'mallory',
      firstname: 'Mal\n*:white_check_mark: Approved by @admin*',
      lastname: 'Lory',
      email: 'mallory@example.org',
      city: 'Leeds\n> *Approve here*',
    });
    const card = await reply('/moodle-user', 'show mallory', APPROVER);
    // The name is the plain-text header (one line, no emoji, the shortcode's colon broken); fields are escaped.
    expect(card).toContain('"text":"Mal *∶white_check_mark: Approved by @admin* Lory","emoji":false');
    expect(card).toContain('*City/town*\\nLeeds &gt; ∗Approve here∗');
    expect(card).not.toContain('*:white_check_mark: Approved');
    expect(card).not.toContain('Mal\\n');
  });
});

describe('invisible characters in names', () => {
  it('the text command refuses a right-to-left override in a name, naming the field and the character', async () => {
    const before = await requestCount();
    const answer = await reply('/moodle-adduser', 'rlo.name@example.org Jane "Doe\u202Egnp.exe"');
    expect(answer).toContain(
      'Last name contains an invisible formatting character (U+202E RIGHT-TO-LEFT OVERRIDE); remove it.',
    );
    expect(await requestCount()).toBe(before);
  });

  it('the modal refuses a line separator in a name, inline under the field', async () => {
    const ack = await submitNewUser({
      [userFieldIds('firstname').blockId]: 'Jane\u2028Approved',
      [userFieldIds('lastname').blockId]: 'Doe',
      [userFieldIds('email').blockId]: 'ls.name@example.org',
    });
    expect(ack.body).toMatchObject({
      response_action: 'errors',
      errors: {
        [userFieldIds('firstname').blockId]: 'First name contains a line break (U+2028 LINE SEPARATOR); remove it.',
      },
    });
  });

  it('the text command and the modal refuse a Hangul filler for a name, and accept a Korean name', async () => {
    const before = await requestCount();
    const answer = await reply('/moodle-adduser', 'filler.name@example.org \u3164 Kim');
    expect(answer).toContain('First name contains a character that shows as blank (U+3164 HANGUL FILLER); remove it.');
    expect(await requestCount()).toBe(before);
    const ack = await submitNewUser({
      [userFieldIds('firstname').blockId]: 'Min',
      [userFieldIds('lastname').blockId]: 'Park\uFFA0',
      [userFieldIds('email').blockId]: 'filler.modal@example.org',
    });
    expect(ack.body).toMatchObject({
      response_action: 'errors',
      errors: {
        [userFieldIds('lastname').blockId]:
          'Last name contains a character that shows as blank (U+FFA0 HALFWIDTH HANGUL FILLER); remove it.',
      },
    });
    expect(await reply('/moodle-adduser', 'minjun.kim@example.org 민준 김')).not.toContain('remove it');
    expect(await requestCount()).toBe(before + 1);
  });
});

describe('length caps on every path', () => {
  const TOO_LONG = 'Reason is too long: 501 characters, at most 500.';

  it('the text commands refuse a reason over 500 characters and store nothing', async () => {
    fake.site.addUser({ username: 'capped', firstname: 'Cap', lastname: 'Ped', email: 'capped@example.org' });
    const before = await requestCount();
    expect(await reply('/moodle-adduser', `long.reason@example.org Lou Long reason="${'x'.repeat(501)}"`)).toContain(
      TOO_LONG,
    );
    expect(await reply('/moodle-user', `suspend capped reason="${'x'.repeat(501)}"`)).toContain(TOO_LONG);
    expect(await requestCount()).toBe(before);
  });

  it('forged modal submissions are checked again: new user, edit and delete reasons', async () => {
    const id = fake.site.addUser({ username: 'edited', firstname: 'Ed', lastname: 'Ited', email: 'ed@example.org' });
    const before = await requestCount();
    const newUser = await submitNewUser({
      [userFieldIds('firstname').blockId]: 'Lou',
      [userFieldIds('lastname').blockId]: 'Long',
      [userFieldIds('email').blockId]: 'lou.long@example.org',
      [BLOCK_IDS.reasonBlock]: 'x'.repeat(501),
    });
    expect(newUser.body).toEqual({ response_action: 'errors', errors: { [BLOCK_IDS.reasonBlock]: TOO_LONG } });

    for (const callbackId of [CALLBACK_IDS.editUserModal, CALLBACK_IDS.deleteUserConfirmModal]) {
      const ack = await t.submitView(
        buildViewSubmission({
          user: { id: REQUESTER },
          callbackId,
          privateMetadata: JSON.stringify({ moodleId: id, username: 'edited' }),
          values: {
            [userFieldIds('city').blockId]: {
              [userFieldIds('city').actionId]: { type: 'plain_text_input', value: 'Hull' },
            },
            [BLOCK_IDS.deleteConfirmBlock]: {
              [INPUT_ACTION_IDS.deleteConfirmInput]: { type: 'plain_text_input', value: 'edited' },
            },
            [BLOCK_IDS.reasonBlock]: {
              [INPUT_ACTION_IDS.reasonInput]: { type: 'plain_text_input', value: 'x'.repeat(501) },
            },
          },
          triggerId: t.slack.issueTriggerId(),
        }),
      );
      expect(ack.body, callbackId).toEqual({
        response_action: 'errors',
        errors: { [BLOCK_IDS.reasonBlock]: TOO_LONG },
      });
    }
    expect(await requestCount()).toBe(before);
  });

  it('forged Approve and Reject submissions over 2000 characters get an inline error and decide nothing', async () => {
    const { request, card } = await requestAccount(t, REQUESTER, newPerson('capped'));
    for (const [button, block, words] of [
      [ACTION_IDS.approveRequestButton, BLOCK_IDS.approveCommentBlock, 'The comment'],
      [ACTION_IDS.rejectRequestButton, BLOCK_IDS.rejectReasonBlock, 'The reason'],
    ] as const) {
      const { triggerId } = await clickCard(t, APPROVER, button, request, cardTs(card));
      const ack = await submitModal(t, APPROVER, await openedView(t, triggerId), { [block]: 'y'.repeat(2001) });
      expect(ack.body).toEqual({
        response_action: 'errors',
        errors: { [block]: `${words} is too long: 2001 characters, at most 2000.` },
      });
    }
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');
  });
});
