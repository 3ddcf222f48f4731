// /moodle-user enrol, unenrol and cohort add|remove end to end over signed HTTP against the fake Slack and the fake
// Moodle (which replays the recorded enrolment behaviour): checked before anyone approves, approved from the card,
// executed once, announced and audited; an admin acts directly where APPROVAL_REQUIRED allows it.
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/requests.js';
import { ACTION_IDS, BLOCK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import { buildViewSubmission } from '../fakes/sign.js';
import {
  ADMIN,
  APPROVER,
  addAccount,
  appForFile,
  auditOf,
  blocksText,
  cardTs,
  clickCard,
  openedView,
  REQUESTER,
  STRANGER,
  stateOf,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import { blockKitProblemsReceived } from './block-kit-received.js';
import type { TestApp } from './harness.js';
import { approveFromCard, startMembershipApp } from './membership-helpers.js';

let fake: FakeMoodle;
let t: TestApp;

appForFile(startMembershipApp, (app) => {
  ({ fake, t } = app);
});

const person = () => addAccount(fake, 'learner');

async function run(text: string, userId = REQUESTER) {
  const result = await t.command('/moodle-user', text, { userId });
  expect(result.ack.status).toBe(200);
  const post = await result.waitForResponse();
  return { text: String(post.body.text), all: JSON.stringify(post.body) };
}

async function requests(): Promise<RequestRecord[]> {
  return t.application.deps.listenerDeps.store.listRequests({ limit: 1000 });
}

async function pendingFor(username: string, operation: string): Promise<RequestRecord> {
  const found = (await requests()).find((r) => r.target.username === username && r.operation === operation);
  if (!found) throw new Error(`no ${operation} request for ${username}`);
  return found;
}

const approve = (request: RequestRecord) => approveFromCard(t, request);

const enrolCalls = () => fake.calls.filter((c) => c.wsfunction === 'enrol_manual_enrol_users').length;

describe('enrol', () => {
  it('asks for an enrolment with role and end date, shows it on the card, and enrols once on approval', async () => {
    const p = person();
    const reply = await run(`enrol ${p.username} TEST101 role=teacher until=2030-01-31 reason="covers 3B"`);
    expect(reply.text).toContain('waiting for an approver');
    const request = await pendingFor(p.username, 'enrol');
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(request.id),
    );
    // Person first: the header names who is enrolled where, from the account looked up at submission.
    expect((card.args.blocks as unknown[])[0]).toMatchObject({
      type: 'header',
      text: { text: expect.stringMatching(/^Enrol Pat Tester\d+ in TEST101$/) },
    });
    expect(blocksText(card)).toContain('TEST101 (Test Course 101) as teacher, until 2030-01-31');
    expect(enrolCalls()).toBe(0);

    await approve(request);
    const enrolment = fake.site.catalogue.enrolment(p.id, 2);
    // The end date is inclusive in the requester's time zone: 1 February 2030 00:00 in London (GMT) is 00:00 UTC.
    expect(enrolment?.timeend).toBe(Date.UTC(2030, 1, 1) / 1000);
    expect(fake.site.catalogue.rolesOf(p.id, 2)).toEqual([4]);
    expect(enrolCalls()).toBe(1);
    expect(await auditOf(t, request.id)).toContain(`execution:succeeded:system`);
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0NOTIFY' && String(c.args.text).includes(request.id),
    );
  });

  it('refuses before anything is stored: a course without manual enrolments, a short name in another case, an unknown role, a past end date', async () => {
    const p = person();
    const before = (await requests()).length;
    const noManual = await run(`enrol ${p.username} TEST103`);
    expect(noManual.text).toContain('Manual enrolments');
    const wrongCase = await run(`enrol ${p.username} test101`);
    expect(wrongCase.text).toContain('case-sensitive');
    const problems = await run(`enrol ${p.username} TEST101 role=manager until=2001-01-01`);
    expect(problems.text).toContain('The role manager is not one this app can assign');
    expect(problems.text).toContain('is in the past');
    expect(await run(`enrol ${p.username} role=teacher`)).toMatchObject({
      text: expect.stringContaining('Say which course'),
    });
    expect((await requests()).length).toBe(before);
  });

  it('refuses a second request for the same course while one waits, but not for another course', async () => {
    const p = person();
    await run(`enrol ${p.username} TEST101`);
    const again = await run(`enrol ${p.username} TEST101`);
    expect(again.text).toContain('already asks to enrol');
    const other = await run(`enrol ${p.username} TEST102`);
    expect(other.text).toContain('waiting for an approver');
  });

  it('lets an admin act directly where APPROVAL_REQUIRED does not name the operation (unenrol)', async () => {
    const p = person();
    fake.site.catalogue.enrolments.push({
      userid: p.id,
      courseid: 3,
      status: 0,
      timestart: 0,
      timeend: 0,
      timecreated: 0,
      timemodified: 0,
    });
    const reply = await run(`unenrol ${p.username} TEST102`, ADMIN);
    expect(reply.text).toContain('unenrolled');
    expect(fake.site.catalogue.enrolment(p.id, 3)).toBeUndefined();
  });
});

describe('show', () => {
  it("lists the account's active courses", async () => {
    const p = person();
    expect((await run(`show ${p.username}`)).all).toContain('none active');
    await run(`enrol ${p.username} TEST102`, ADMIN);
    await approve(await pendingFor(p.username, 'enrol'));
    expect((await run(`show ${p.username}`)).all).toContain('*Courses*: TEST102 (Test Course 102)');
  });
});

describe('cohorts', () => {
  it('adds to a cohort by ID number after approval, and an admin removes directly', async () => {
    const p = person();
    expect((await run(`cohort add ${p.username} COHORT1`)).text).toContain('waiting for an approver');
    await approve(await pendingFor(p.username, 'cohort_add'));
    expect(fake.site.catalogue.isMember(1, p.id)).toBe(true);
    expect((await run(`cohort remove ${p.username} "Cohort 1"`, ADMIN)).text).toContain('removed from the cohort');
    expect(fake.site.catalogue.isMember(1, p.id)).toBe(false);
  });

  it('names an unknown cohort, and asks for add or remove', async () => {
    const p = person();
    expect((await run(`cohort add ${p.username} NOPE`)).text).toContain(
      'No Moodle cohort has the ID number or name NOPE',
    );
    expect((await run(`cohort join ${p.username} COHORT1`)).text).toContain('Say add or remove');
  });
});

describe('courses and cohorts with a new account', () => {
  const creates = () => fake.calls.filter((c) => c.wsfunction === 'core_user_create_users').length;

  async function askWithCourses(username: string): Promise<RequestRecord> {
    const result = await t.command(
      '/moodle-adduser',
      `${username}@example.org New Starter username=${username} courses=TEST101,TEST102 role=student cohorts=COHORT1`,
      { userId: REQUESTER },
    );
    expect(String((await result.waitForResponse()).body.text)).toContain('saved');
    return pendingFor(username, 'create');
  }

  it('one request, one card with the account and its courses and cohort, executed in order on approval', async () => {
    const request = await askWithCourses('starter1');
    expect(request.payload).toMatchObject({
      enrolments: [{ course: { shortname: 'TEST101' } }, { course: { shortname: 'TEST102' } }],
      cohorts: [{ idnumber: 'COHORT1' }],
    });
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(request.id),
    );
    expect(blocksText(card)).toContain('TEST102 (Test Course 102) as student');
    expect(blocksText(card)).toContain('COHORT1 (Cohort 1)');
    await approve(request);
    const user = fake.site.findUser('starter1');
    expect(user).toBeDefined();
    const id = user?.id ?? 0;
    expect(fake.site.catalogue.rolesOf(id, 2)).toEqual([5]);
    expect(fake.site.catalogue.rolesOf(id, 3)).toEqual([5]);
    expect(fake.site.catalogue.isMember(1, id)).toBe(true);
  });

  it('refuses unknown courses and cohorts in the same reply as the other problems, storing nothing', async () => {
    const before = (await requests()).length;
    const result = await t.command(
      '/moodle-adduser',
      'nobody@example.org Nobody Here courses=TEST101,NOPE101 role=boss cohorts=NOPE',
      { userId: REQUESTER },
    );
    const text = JSON.stringify((await result.waitForResponse()).body);
    expect(text).toContain('NOPE101');
    expect(text).toContain('The role boss');
    expect(text).toContain('No Moodle cohort has the ID number or name NOPE');
    expect((await requests()).length).toBe(before);
  });

  it('a text problem and a course Moodle does not have come in one reply; a stranger is told neither of courses', async () => {
    const before = (await requests()).length;
    const text = 'nobody@example.org Nobody Here colour=red courses=TEST101,NOPE101 cohorts=NOPE';
    const result = await t.command('/moodle-adduser', text, { userId: REQUESTER });
    const reply = JSON.stringify((await result.waitForResponse()).body);
    await t.idle();
    expect(t.slack.responses.filter((r) => r.id === result.responseUrlId)).toHaveLength(1);
    expect(reply).toContain('3 things need fixing');
    expect(reply).toContain('Unknown key \\"colour');
    expect(reply).toContain('NOPE101');
    expect(reply).toContain('No Moodle cohort has the ID number or name NOPE');
    expect((await requests()).length).toBe(before);

    const looked = fake.calls.length;
    const stranger = await t.command('/moodle-adduser', text, { userId: STRANGER });
    const refused = JSON.stringify((await stranger.waitForResponse()).body);
    expect(refused).toContain('Unknown key \\"colour');
    expect(refused).not.toContain('NOPE101');
    expect(fake.calls.length).toBe(looked);
  });

  it('a Moodle that does not answer the course look-up does not hold back the text problems', async () => {
    fake.setFault('hang');
    try {
      const started = Date.now();
      const result = await t.command('/moodle-adduser', 'a@example.org A B colour=red courses=NOPE101', {
        userId: REQUESTER,
      });
      const reply = JSON.stringify((await result.waitForResponse()).body);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(reply).toContain('Unknown key \\"colour');
      expect(reply).toContain('one thing needs fixing');
    } finally {
      fake.setFault(null);
    }
  });

  it('an enrolment that fails after the account is made: the request says so, and Retry adds only what is missing', async () => {
    const request = await askWithCourses('starter2');
    const course = fake.site.catalogue.getCourse(3);
    const manual = course?.instances.find((i) => i.enrol === 'manual');
    if (!manual) throw new Error('TEST102 has no manual instance');
    manual.enabled = false;
    const createdBefore = creates();
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(request.id),
    );
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await submitModal(t, APPROVER, await openedView(t, triggerId));
    const failed = await waitForCard(t, cardTs(card), 'failed');
    const id = fake.site.findUser('starter2')?.id;
    expect(id).toBeDefined();
    expect(blocksText(failed)).toContain('was created (id');
    expect(blocksText(failed)).toContain('A retry adds what is missing');
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.target.moodleId).toBe(id);

    manual.enabled = true;
    const retry = await clickCard(t, APPROVER, ACTION_IDS.retryRequestButton, request, cardTs(card));
    expect(retry.ack.status).toBe(200);
    await waitForCard(t, cardTs(card), 'succeeded');
    expect(creates()).toBe(createdBefore + 1);
    expect(fake.site.catalogue.rolesOf(id ?? 0, 3)).toEqual([5]);
    expect(fake.site.catalogue.isMember(1, id ?? 0)).toBe(true);
  });
});

describe('the "New Moodle user" form with courses and cohorts', () => {
  it('offers courses, their role and cohorts, and stores them on the one request', async () => {
    const cmd = await t.command('/moodle-adduser', '', { userId: REQUESTER, channelId: 'C0GENERAL' });
    const opened = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === cmd.triggerId);
    const view = opened.args.view as Record<string, unknown>;
    const text = JSON.stringify(view.blocks);
    expect(text).toContain(BLOCK_IDS.coursesBlock);
    expect(text).toContain('editingteacher');
    const values = stateOf(view, {
      [userFieldIds('firstname').blockId]: 'Form',
      [userFieldIds('lastname').blockId]: 'Starter',
      [userFieldIds('username').blockId]: 'formstarter',
      [BLOCK_IDS.coursesBlock]: 'TEST102',
      [BLOCK_IDS.cohortsBlock]: 'COHORT1',
    });
    values[userFieldIds('email').blockId] = {
      [userFieldIds('email').actionId]: { type: 'email_text_input', value: 'form.starter@example.org' },
    };
    for (const [blockId, actionId, value] of [
      [userFieldIds('country').blockId, userFieldIds('country').actionId, null],
      [BLOCK_IDS.roleBlock, INPUT_ACTION_IDS.roleInput, 'teacher'],
    ] as const) {
      values[blockId] = { [actionId]: { type: 'static_select', selected_option: value ? { value } : null } };
    }
    const ack = await t.submitView(
      buildViewSubmission({
        user: { id: REQUESTER },
        callbackId: String(view.callback_id),
        privateMetadata: String(view.private_metadata),
        values,
        blocks: view.blocks as unknown[],
        triggerId: t.slack.issueTriggerId(),
      }),
    );
    expect(ack.status).toBe(200);
    await t.slack.waitForCall('views.update', (c) => JSON.stringify(c.args.view).includes('saved'));
    const request = await pendingFor('formstarter', 'create');
    expect(request.payload).toMatchObject({
      enrolments: [{ course: { shortname: 'TEST102' }, role: { shortname: 'teacher', id: 4 } }],
      cohorts: [{ idnumber: 'COHORT1' }],
    });
  });
});

it('every message, reply and view sent to Slack in this file passes the Block Kit check', async () => {
  expect(await blockKitProblemsReceived(t)).toEqual([]);
});
