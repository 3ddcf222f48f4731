// What approvers and requesters see, end to end over signed HTTP: the approval card person first (header, the
// record in two columns, who asked, when, the id), delete and suspend cards that show the account with a dangerous
// Approve, the outcome first once decided, values in words, failures in plain words for the requester with the
// technical detail on the card only, and the requester's DM saying what happens next.
import { beforeEach, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/requests.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import type { RecordedCall } from '../fakes/fake-slack/fake-slack.js';
import {
  ADMIN,
  APPROVER,
  accountModalOf,
  appForFile,
  cardTs,
  clickCard,
  openedView,
  REQUESTER,
  startAppWithMoodle,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import { blockKitProblemsReceived } from './block-kit-received.js';
import type { TestApp } from './harness.js';

let fake: FakeMoodle;
let t: TestApp;
let counter = 0;

appForFile(
  () =>
    startAppWithMoodle({
      MOODLE_TIMEOUT_MS: '5000',
      SLACK_APPROVERS: `${APPROVER},${ADMIN}`,
      SLACK_ADMINS: ADMIN,
      APPROVAL_REQUIRED: 'create,suspend,delete',
    }),
  (app) => {
    ({ fake, t } = app);
  },
);
beforeEach(() => fake.setFault(null));

type Element = { action_id?: string; style?: string; text?: { text: string } };
type Block = {
  type: string;
  text?: { text: string; emoji?: boolean };
  fields?: Array<{ text: string }>;
  elements?: Element[];
};

const blocksOf = (call: RecordedCall) => (call.args.blocks ?? []) as Block[];
const fieldsOf = (call: RecordedCall) => blocksOf(call).flatMap((b) => (b.fields ?? []).map((f) => f.text));
const buttonsOf = (call: RecordedCall) =>
  blocksOf(call).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []));
const allText = (call: RecordedCall) => JSON.stringify(call.args.blocks ?? []);

/** The card of a request (or, in C0NOTIFY, its notification line). */
function cardFor(id: string, channel = 'C0APPROVALS'): Promise<RecordedCall> {
  return t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === channel && String(c.args.text).includes(id));
}

function dmTo(user: string, includes: string): Promise<RecordedCall> {
  return t.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === user && String(c.args.text).includes(includes),
  );
}

async function stored(id: string): Promise<RequestRecord> {
  const request = await t.application.deps.listenerDeps.store.getRequest(id);
  if (!request) throw new Error(`no request ${id}`);
  return request;
}

async function requestIdOf(reply: Promise<{ body: Record<string, unknown> }>): Promise<string> {
  const id = /R-[A-Z0-9]{6}/.exec(JSON.stringify((await reply).body))?.[0];
  if (!id) throw new Error('no request id in the reply');
  return id;
}

/** Asks for an account with the text command as the requester; returns its id and card. */
async function askFor(
  first: string,
  last: string,
  extra = '',
): Promise<{ id: string; username: string; card: RecordedCall }> {
  counter += 1;
  const username = `${first.toLowerCase()}.${last.toLowerCase()}${counter}`;
  const asked = await t.command('/moodle-adduser', `${username}@example.org ${first} ${last} ${extra}`.trim(), {
    userId: REQUESTER,
  });
  const id = await requestIdOf(asked.waitForResponse());
  return { id, username, card: await cardFor(id) };
}

async function approve(id: string, card: RecordedCall, comment?: string): Promise<void> {
  const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, await stored(id), cardTs(card));
  const view = await openedView(t, triggerId);
  const overrides = comment ? { [BLOCK_IDS.approveCommentBlock]: comment } : {};
  expect((await submitModal(t, APPROVER, view, overrides)).status).toBe(200);
}

function account(first: string, last: string, lastaccess: number) {
  counter += 1;
  const username = `${first.toLowerCase()}${counter}`;
  const email = `${username}@example.org`;
  const id = fake.site.addUser({ username, firstname: first, lastname: last, email, lastaccess });
  return { id, username, email };
}

describe('the approval card, person first', () => {
  it('header, the record in two columns with codes in words, the check line, then who asked, when and the id', async () => {
    const { id, username, card } = await askFor('Nora', 'Teach', 'country=DE lang=en timezone=99');
    const blocks = blocksOf(card);
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'New Moodle account for Nora Teach', emoji: false },
    });
    expect(blocks[1]?.type).toBe('section');
    expect(fieldsOf(card)).toEqual([
      `*Username*\n${username}`,
      `*Email address*\n${username}@example.org`,
      '*First name*\nNora',
      '*Last name*\nTeach',
      '*Authentication method*\nMoodle login',
      '*Country*\nGermany',
      '*Language*\nEnglish',
      '*Time zone*\nServer default',
    ]);
    const text = allText(card);
    expect(text).toContain(`:heavy_check_mark: No Moodle account uses the username ${username} or this email.`);
    expect(text).not.toContain('Pre-flight');
    expect(text).toMatch(
      new RegExp(`Requested by <@${REQUESTER}> · <!date\\^\\d+\\^[^|]+\\|[^>]+> · Request \`${id}\``),
    );
    expect(buttonsOf(card).map((b) => [b.action_id, b.style])).toEqual([
      [ACTION_IDS.approveRequestButton, 'primary'],
      [ACTION_IDS.rejectRequestButton, 'danger'],
    ]);
    expect(String(card.args.text)).toBe(`New Moodle account for Nora Teach · ${username} (${id}): pending`);
  });

  it('once approved, the outcome comes first with who and when; the DM says the username and where the login went', async () => {
    const { id, username, card } = await askFor('Ada', 'Lovel');
    await approve(id, card, 'Welcome aboard, Ada');
    const done = await waitForCard(t, cardTs(card), 'succeeded');
    const user = fake.site.findUser(username);
    const [outcome, divider, header] = blocksOf(done);
    expect(outcome?.text?.text).toMatch(
      new RegExp(
        `^:white_check_mark: \\*Approved by <@${APPROVER}>\\* · <!date\\^\\d+\\^[^>]+> · account created · <${fake.url}/user/profile\\.php\\?id=${user?.id}\\|Open in Moodle>\\n> Welcome aboard, Ada$`,
      ),
    );
    expect(divider?.type).toBe('divider');
    expect(header).toMatchObject({ type: 'header', text: { text: 'New Moodle account for Ada Lovel' } });
    expect(buttonsOf(done)).toEqual([]);

    const dm = String((await dmTo(REQUESTER, id)).args.text);
    expect(dm).toContain(`Your request \`${id}\` (New Moodle account for Ada Lovel) was approved by <@${APPROVER}>`);
    expect(dm).toContain(`The username is ${username}.`);
    expect(dm).toContain(`Moodle has emailed the login details to ${username}@example.org.`);
    expect(dm).toContain(`Comment from <@${APPROVER}>:\n> Welcome aboard, Ada`);
    expect(dm).toContain(`profile.php?id=${user?.id}|Open it in Moodle>`);
  });
});

describe('delete and suspend cards show the account', () => {
  it('delete: name, username, email, status, last access; Approve is dangerous; once deleted, no profile link', async () => {
    const lee = account('Lee', 'Ver', 1767225600);
    const { view } = await accountModalOf(t, `delete ${lee.username}`, REQUESTER);
    await submitModal(t, REQUESTER, view, {
      [BLOCK_IDS.deleteConfirmBlock]: lee.username,
      [BLOCK_IDS.reasonBlock]: 'left in June',
    });
    const id = await requestIdOf(dmTo(REQUESTER, `delete ${lee.username}`).then((c) => ({ body: c.args })));
    const card = await cardFor(id);
    expect(blocksOf(card)[0]).toMatchObject({ type: 'header', text: { text: 'Delete Moodle account: Lee Ver' } });
    expect(fieldsOf(card)).toEqual([
      '*Name*\nLee Ver',
      `*Username*\n${lee.username} (id ${lee.id})`,
      `*Email address*\n${lee.email}`,
      '*Status*\nActive',
      '*Last access*\n<!date^1767225600^{date_short_pretty}|2026-01-01T00:00:00.000Z>',
    ]);
    expect(allText(card)).toContain('Deletion cannot be undone');
    expect(buttonsOf(card).map((b) => [b.action_id, b.style])).toEqual([
      [ACTION_IDS.approveRequestButton, 'danger'],
      [ACTION_IDS.rejectRequestButton, undefined],
    ]);

    await approve(id, card);
    const done = await waitForCard(t, cardTs(card), 'succeeded');
    expect(blocksOf(done)[0]?.text?.text).toMatch(
      /^:white_check_mark: \*Approved by <@U0APPROVER>\* · .* · account deleted$/,
    );
    expect(allText(done)).not.toContain('profile.php');
    expect(String((await dmTo(REQUESTER, `${id}\``)).args.text)).not.toContain('profile.php');
    const line = await cardFor(id, 'C0NOTIFY');
    expect(String(line.args.text)).toContain('Delete Moodle account: Lee Ver');
    expect(String(line.args.text)).not.toContain('profile.php');
  });

  it('suspend: the account and its status, and a dangerous Approve', async () => {
    const sam = account('Sam', 'Pend', 0);
    const asked = await t.command('/moodle-user', `suspend ${sam.username} reason="on leave"`, { userId: REQUESTER });
    const id = await requestIdOf(asked.waitForResponse());
    const card = await cardFor(id);
    expect(blocksOf(card)[0]).toMatchObject({ type: 'header', text: { text: 'Suspend Moodle account: Sam Pend' } });
    expect(fieldsOf(card)).toEqual([
      '*Name*\nSam Pend',
      `*Username*\n${sam.username} (id ${sam.id})`,
      `*Email address*\n${sam.email}`,
      '*Status*\nActive',
      '*Last access*\nNever',
    ]);
    expect(buttonsOf(card)[0]).toMatchObject({ action_id: ACTION_IDS.approveRequestButton, style: 'danger' });
    // Kept on the request, so that the card is drawn the same when it is redrawn later.
    expect((await stored(id)).preflight?.account).toEqual({
      fullname: 'Sam Pend',
      username: sam.username,
      email: sam.email,
      suspended: false,
    });
  });
});

describe('failures', () => {
  it('the requester gets a plain sentence and what happens next; Moodle’s detail is on the card only', async () => {
    const { id, card } = await askFor('Mai', 'Tenance');
    fake.setFault({ status: 503 });
    await approve(id, card);
    const failed = await waitForCard(t, cardTs(card), 'failed');
    const outcome = blocksOf(failed)[0]?.text?.text ?? '';
    expect(outcome).toMatch(/^:x: \*Approved by <@U0APPROVER>\* · .* · failed in Moodle/);
    expect(outcome).toContain('*What Moodle said:* core_user_create_users: Moodle answered 503');
    expect(outcome).toContain('Site administration &gt; Server &gt; Maintenance mode');
    expect(buttonsOf(failed).map((b) => b.action_id)).toEqual([ACTION_IDS.retryRequestButton]);

    const dm = String((await dmTo(REQUESTER, `${id}\``)).args.text);
    expect(dm).toContain(
      'Moodle is in maintenance, so the account isn’t created yet. An approver will retry once it is back.',
    );
    for (const detail of ['503', 'core_user_create_users', 'Site administration', 'MOODLE_']) {
      expect(dm).not.toContain(detail);
    }
    const line = await cardFor(id, 'C0NOTIFY');
    expect(String(line.args.text)).toContain('failed in Moodle; the details are on its card in <#C0APPROVALS>');
    expect(String(line.args.text)).not.toContain('503');
  });

  it('Moodle down before anything is stored: the requester hears it in words, with what to do', async () => {
    fake.setFault({ status: 503 });
    const asked = await t.command('/moodle-adduser', 'kim.down@example.org Kim Down', { userId: REQUESTER });
    const reply = JSON.stringify((await asked.waitForResponse()).body);
    fake.setFault(null);
    expect(reply).toContain(
      'Moodle is in maintenance, so the app could not check which usernames are free. Nothing was stored; try again once it is back.',
    );
    for (const detail of ['503', 'Site administration', 'MOODLE_', 'core_user']) expect(reply).not.toContain(detail);
  });

  it('Moodle down before anything is stored: an admin also gets the technical detail, for the admins', async () => {
    fake.setFault({ status: 503 });
    const asked = await t.command('/moodle-adduser', 'kim.down2@example.org Kim Down', { userId: ADMIN });
    const reply = JSON.stringify((await asked.waitForResponse()).body);
    fake.setFault(null);
    expect(reply).toContain('Moodle is in maintenance, so the app could not check which usernames are free.');
    expect(reply).toContain('*For admins:* The Moodle site is in maintenance mode');
    expect(reply).toContain('Site administration &gt; Server &gt; Maintenance mode');
  });

  it('a refusal names the admins who can help by mention, never a setting', async () => {
    const asked = await t.command('/moodle-user', 'requests pending', { userId: REQUESTER });
    const text = String((await asked.waitForResponse()).body.text);
    expect(text).toContain(`You need to be an approver for this. Ask <@${ADMIN}> (an admin of the Moodle provisioner)`);
    expect(text).not.toMatch(/SLACK_|MOODLE_/);
  });
});

describe('what Slack received', () => {
  it('every message, reply and view this file’s flows sent passes the Block Kit check', async () => {
    expect(t.slack.calls.length).toBeGreaterThan(20);
    expect(await blockKitProblemsReceived(t)).toEqual([]);
  });
});
