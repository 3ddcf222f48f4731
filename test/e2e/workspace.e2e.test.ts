// One workspace: signed commands, button clicks and modal submissions whose team (or, for an org-wide install,
// enterprise) is not the one the bot token belongs to are refused before any listener runs: the person is told
// where Slack lets us answer, nothing reaches Moodle or the store, and the refusal is audited as `workspace`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/core/audit.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/slack/ids.js';
import { FOREIGN_WORKSPACE_MESSAGE } from '../../src/slack/workspace-guard.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import type { FakeSlackOptions } from '../fakes/fake-slack/fake-slack.js';
import { buildBlockActions } from '../fakes/sign.js';
import {
  ADMIN,
  APPROVAL_ENV,
  APPROVER,
  buildModalSubmission,
  cardTs,
  clickCard,
  newPerson,
  openedView,
  REQUESTER,
  requestAccount,
  SLACK_USERS,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import { startTestApp, type TestApp, type Transport } from './harness.js';

const OTHER_TEAM = { id: 'T0OTHERTEAM', domain: 'other-school' };

let moodle: FakeMoodle;
beforeAll(async () => {
  moodle = await startFakeMoodle();
});
afterAll(async () => {
  await moodle?.close();
});

function start(transport: Transport, slack: FakeSlackOptions = {}): Promise<TestApp> {
  return startTestApp({
    transport,
    moodleUrl: moodle.url,
    env: { MOODLE_TOKEN: moodle.token, ...APPROVAL_ENV },
    slack: { users: SLACK_USERS, ...slack },
  });
}

/** A payload built for the home team, moved to another team everywhere Slack names the team. */
function fromOtherTeam(payload: Record<string, unknown>): Record<string, unknown> {
  const moved: Record<string, unknown> = {
    ...payload,
    team: { id: OTHER_TEAM.id, domain: OTHER_TEAM.domain },
    user: { ...(payload.user as object), team_id: OTHER_TEAM.id },
  };
  if (payload.view) {
    moved.view = { ...(payload.view as object), team_id: OTHER_TEAM.id, app_installed_team_id: OTHER_TEAM.id };
  }
  return moved;
}

async function workspaceRefusals(t: TestApp): Promise<AuditEvent[]> {
  await t.idle();
  const events = await t.application.deps.listenerDeps.store.listAudit();
  return events.filter((e) => e.kind === 'refusal' && e.outcome === 'workspace');
}

const moodleWrites = () => moodle.calls.filter((c) => !c.wsfunction.includes('_get_')).length;

describe.each(['http', 'socket'] as const)('a workspace install (%s)', (transport) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await start(transport);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses a command from another team with a private message, creates nothing, audits `workspace`', async () => {
    const writes = moodleWrites();
    const result = await t.command('/moodle-adduser', 'jo@example.org Jo Other', {
      userId: ADMIN,
      team_id: OTHER_TEAM.id,
      team_domain: OTHER_TEAM.domain,
    });
    expect(result.ack.status).toBe(200);
    expect(result.ack.body).toEqual({ response_type: 'ephemeral', text: FOREIGN_WORKSPACE_MESSAGE });
    expect(moodleWrites()).toBe(writes);
    expect(await t.application.deps.listenerDeps.store.listRequests({ limit: 10 })).toEqual([]);
    const [refusal] = await workspaceRefusals(t);
    expect(refusal).toMatchObject({ actor: ADMIN, outcome: 'workspace' });
    expect(refusal?.detail).toContain(`command /moodle-adduser from team ${OTHER_TEAM.id}`);
    expect(refusal?.detail).toContain('installed for team T0TESTTEAM');
  });

  it('opens no form and gives no help to another team; the home team still gets both', async () => {
    const form = await t.command('/moodle-adduser', '', { userId: ADMIN, team_id: OTHER_TEAM.id });
    const help = await t.command('/moodle-user', 'help', { team_id: OTHER_TEAM.id });
    expect(help.ack.body).toEqual({ response_type: 'ephemeral', text: FOREIGN_WORKSPACE_MESSAGE });
    // The home team's command is the control: same shape, answered as usual.
    const home = await t.command('/moodle-user', 'help');
    expect(JSON.stringify((await home.waitForResponse()).body)).toContain('How to use /moodle-user');
    expect(t.slack.callsTo('views.open').filter((c) => c.args.trigger_id === form.triggerId)).toEqual([]);
    expect(t.slack.responses.filter((p) => p.id === help.responseUrlId)).toEqual([]);
  });

  it('refuses a command without any team (fails closed)', async () => {
    const result = await t.command('/moodle-user', 'help', { team_id: '' });
    expect(result.ack.body).toEqual({ response_type: 'ephemeral', text: FOREIGN_WORKSPACE_MESSAGE });
  });
});

describe('a workspace install: buttons and modals from another team (signed HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await start('http');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses an Approve click: a private note at the response_url, no modal, the request still pending', async () => {
    const { request, card } = await requestAccount(t, REQUESTER, newPerson('foreignclick'));
    const triggerId = t.slack.issueTriggerId();
    const responseUrl = t.slack.responseUrl('foreign-click');
    const ack = await t.action(
      fromOtherTeam(
        buildBlockActions({
          user: { id: APPROVER },
          actions: [
            { action_id: ACTION_IDS.approveRequestButton, block_id: BLOCK_IDS.requestActionsBlock, value: request.id },
          ],
          triggerId,
          responseUrl,
          message: { ts: cardTs(card) },
        }),
      ),
    );
    expect(ack.status).toBe(200);
    const note = await t.slack.waitForResponse('foreign-click');
    expect(note.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: FOREIGN_WORKSPACE_MESSAGE,
    });
    expect(t.slack.callsTo('views.open').filter((c) => c.args.trigger_id === triggerId)).toEqual([]);
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');
    expect((await workspaceRefusals(t)).some((e) => e.actor === APPROVER && e.detail?.includes('action'))).toBe(true);
  });

  it('refuses an approval modal submitted from another team: the modal says so, nothing is decided', async () => {
    const person = newPerson('foreignsubmit');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    const view = await openedView(t, triggerId);
    const ack = await t.submitView(fromOtherTeam(buildModalSubmission(t, APPROVER, view)));
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expect(JSON.stringify(ack.body)).toContain('installed for another workspace');
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');
    expect(moodle.calls.filter((c) => c.params['users[0][username]'] === person.username)).toEqual([]);
    // The same submission from the home team is decided (the control).
    expect((await submitModal(t, APPROVER, view)).status).toBe(200);
    await waitForCard(t, cardTs(card), 'succeeded');
  });
});

describe('an org-wide install compares the enterprise', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await start('http', { enterprise: { id: 'E0ORG', orgWide: true } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('serves every workspace of its org and refuses another org', async () => {
    const sister = await t.command('/moodle-user', 'help', {
      team_id: 'T0SISTER',
      enterprise_id: 'E0ORG',
      is_enterprise_install: 'true',
    });
    expect(JSON.stringify((await sister.waitForResponse()).body)).toContain('How to use /moodle-user');
    const other = await t.command('/moodle-user', 'help', {
      team_id: 'T0TESTTEAM',
      enterprise_id: 'E0ELSEWHERE',
      is_enterprise_install: 'true',
    });
    expect(other.ack.body).toEqual({ response_type: 'ephemeral', text: FOREIGN_WORKSPACE_MESSAGE });
    const [refusal] = await workspaceRefusals(t);
    expect(refusal?.detail).toContain('from enterprise E0ELSEWHERE; the app is installed for enterprise E0ORG');
  });
});
