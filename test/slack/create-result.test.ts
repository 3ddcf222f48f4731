// The messages a person gets about their create, one per outcome of provisioning.submitCreate, for both the
// private reply and the modal's result view: content, escaping, Slack's limits, and the generated password only
// in the blocks of these private renderings.
import { describe, expect, it } from 'vitest';
import type { SubmitOutcome } from '../../src/core/provisioning.js';
import type { RequestRecord } from '../../src/core/requests.js';
import { Secret } from '../../src/secret.js';
import {
  buildArgumentProblemsReply,
  buildCreateReply,
  buildCreateResultView,
  type CreateResultContext,
  renderCreateOutcome,
} from '../../src/slack/blocks/create-result.js';
import { LIMITS } from '../../src/slack/blocks/text.js';
import { makeRequest } from './approval-fixtures.js';

const MOODLE = 'https://lms.example.org';
const context = (input: Record<string, string> = { email: 'jdoe@example.org' }): CreateResultContext => ({
  moodleUrl: MOODLE,
  approvalChannel: 'C0APPROVALS',
  input,
});

/** A pending request for jdoe2 (derived: jdoe was taken) with no card, pre-flight or reason yet. */
function request(): RequestRecord {
  return makeRequest({
    requester: { userId: 'U0REQUESTER' },
    target: { username: 'jdoe2', email: 'jdoe@example.org' },
    payload: {
      operation: 'create',
      user: { username: 'jdoe2', email: 'jdoe@example.org', firstname: 'Jim', lastname: 'Doe', auth: 'manual' },
    },
    preflight: undefined,
    reason: undefined,
    approvalMessage: undefined,
  });
}

const all = (outcome: SubmitOutcome, ctx = context()) => JSON.stringify(renderCreateOutcome(outcome, ctx).blocks);

describe('renderCreateOutcome', () => {
  it('refused: the reason, with the admin who can help as a working mention; anything else stays inert', () => {
    const reason = 'You need to be a requester for this. Ask <@U0ADMIN> (an admin) to give you access. <!channel>';
    const text = all({ kind: 'refused', reason });
    expect(text).toContain('Ask <@U0ADMIN> (an admin) to give you access.');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('refused for a twin in flight: says how its requester withdraws it', () => {
    const text = all({ kind: 'refused', reason: 'A request … is already in progress.', inFlight: 'R-7K3QX9' });
    expect(text).toContain('/moodle-user cancel R-7K3QX9');
    expect(all({ kind: 'refused', reason: 'No.' })).not.toContain('/moodle-user cancel');
  });

  it('invalid: every problem, with the field label and key', () => {
    const text = all({
      kind: 'invalid',
      problems: [
        { field: 'email', message: 'Email address "x" is not valid.' },
        { field: 'username', message: 'Username must be in lowercase.' },
        { field: '*', message: 'Something about the whole record.' },
      ],
    });
    expect(text).toContain('3 things need fixing');
    expect(text).toContain('*Email address* (email=): Email address');
    expect(text).toContain('*Username* (username=)');
    expect(text).toContain('• Something about the whole record.');
  });

  it('exists: the existing accounts with profile links', () => {
    const text = all({
      kind: 'exists',
      message: 'taken',
      conflicts: [
        { moodleId: 5, username: 'jdoe', email: 'jdoe@example.org', matchedOn: 'username' },
        { moodleId: 9, username: 'jd', email: 'JDoe@Example.org', matchedOn: 'email' },
      ],
    });
    expect(text).toContain(`<${MOODLE}/user/profile.php?id=5|jdoe>`);
    expect(text).toContain(`<${MOODLE}/user/profile.php?id=9|jd>`);
    expect(text).toContain('same username');
    expect(text).toContain('same email address');
  });

  it('unavailable: the hint', () => {
    expect(all({ kind: 'unavailable', message: 'Moodle did not answer; check MOODLE_URL.' })).toContain(
      'check MOODLE_URL',
    );
  });

  it('pending: the request id, the approvers’ channel and the derived username', () => {
    const text = all({ kind: 'pending', request: request() });
    expect(text).toContain('Request *R-7K3QX9*');
    expect(text).toContain('<#C0APPROVALS>');
    expect(text).toContain('*jdoe2* was made from the email address (jdoe was taken)');
  });

  it('pending with cardNotPosted: says the card was not posted and how approvers find the request', () => {
    const text = all({ kind: 'pending', request: request(), cardNotPosted: true });
    expect(text).toContain('its card could not be posted');
    expect(text).toContain('/moodle-user requests pending');
  });

  it('pending: no derived-username note when the username was given', () => {
    expect(
      all({ kind: 'pending', request: request() }, context({ username: 'jdoe2', email: 'j@x.org' })),
    ).not.toContain('was made from');
  });

  it('executed: username, id and profile link; the email mode note', () => {
    const text = all({
      kind: 'executed',
      execution: {
        request: request(),
        moodleId: 42,
        username: 'jdoe2',
        profileUrl: `${MOODLE}/user/profile.php?id=42`,
      },
    });
    expect(text).toContain('*jdoe2*');
    expect(text).toContain('(id 42)');
    expect(text).toContain(`<${MOODLE}/user/profile.php?id=42|open the profile in Moodle>`);
    expect(text).toContain('Moodle emails the login details to jdoe@example.org');
    expect(text).not.toContain('Temporary password');
  });

  it('executed in generate mode: the password in the blocks, never in the fallback text', () => {
    const outcome: SubmitOutcome = {
      kind: 'executed',
      execution: { request: request(), moodleId: 42, username: 'jdoe2', password: new Secret('Xy7$secretPW') },
    };
    const rendered = renderCreateOutcome(outcome, context());
    expect(JSON.stringify(rendered.blocks)).toContain('Temporary password: `Xy7$secretPW`');
    expect(rendered.text).not.toContain('Xy7$secretPW');
    expect(buildCreateReply(outcome, context()).text).not.toContain('Xy7$secretPW');
    expect(JSON.stringify(buildCreateResultView(outcome, context()))).toContain('Xy7$secretPW');
  });

  it('failed: the hint and the request id, and the conflict for already_exists', () => {
    const failure = {
      code: 'moodle_access',
      message: 'raw',
      hint: 'Give the token’s role moodle/user:create.',
      outcomeUnknown: false,
    };
    const text = all({ kind: 'failed', execution: { request: request() }, failure });
    expect(text).toContain('moodle/user:create');
    expect(text).toContain('R-7K3QX9');
    expect(text).not.toContain('raw');
    const exists = all({
      kind: 'failed',
      execution: { request: request() },
      failure: {
        code: 'already_exists',
        message: 'The username is used by jdoe.',
        hint: 'Nothing was created.',
        outcomeUnknown: false,
      },
    });
    expect(exists).toContain('The username is used by jdoe.');
  });

  it('escapes what people typed so it cannot mention @channel or make links', () => {
    const text = all({
      kind: 'invalid',
      problems: [{ field: 'firstname', message: 'First name "<!channel> <http://evil|x>" is bad & odd.' }],
    });
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&amp;');
  });
});

describe('limits', () => {
  const many: SubmitOutcome = {
    kind: 'invalid',
    problems: Array.from({ length: 400 }, (_, i) => ({ field: 'city', message: `Problem ${i} ${'x'.repeat(200)}` })),
  };

  it('keeps every section within 3000 characters and a reply within 50 blocks', () => {
    const reply = buildCreateReply(many, context());
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.blocks.length).toBeLessThanOrEqual(50);
    for (const block of reply.blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    }
    expect(reply.text.length).toBeLessThanOrEqual(LIMITS.messageText);
  });

  it('the result view is a modal without a submit button', () => {
    const view = buildCreateResultView(many, context());
    expect(view.type).toBe('modal');
    expect(view.submit).toBeUndefined();
    expect(view.title.text.length).toBeLessThanOrEqual(LIMITS.modalTitle);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
  });
});

describe('buildArgumentProblemsReply', () => {
  it('lists every parse problem privately, with the way to help', () => {
    const reply = buildArgumentProblemsReply(['Unknown key "colour".', 'Unclosed quote.']);
    expect(reply.response_type).toBe('ephemeral');
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('2 things need fixing');
    expect(text).toContain('Unknown key');
    expect(text).toContain('Unclosed quote.');
    expect(text).toContain('/moodle-adduser help');
  });
});
