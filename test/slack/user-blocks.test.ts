// Builders and readers of /moodle-user show/update/suspend/delete: the account card, the list of matches, the
// outcome replies, the edit and delete modals and their metadata, the help text, and the edit form's state reader.
import { describe, expect, it } from 'vitest';
import { summarizeAccount, viewAccount } from '../../src/core/account-view.js';
import type { MoodleUser } from '../../src/core/moodle-gateway.js';
import type { RequestRecord } from '../../src/core/requests.js';
import { buildDeleteUserModal } from '../../src/slack/blocks/delete-user-modal.js';
import {
  buildEditUserModal,
  buildNoticeModal,
  decodeAccountMetadata,
  encodeAccountMetadata,
} from '../../src/slack/blocks/edit-user-modal.js';
import { buildUserHelp } from '../../src/slack/blocks/help.js';
import { LIMITS } from '../../src/slack/blocks/text.js';
import {
  buildAccountChoice,
  buildChangeOutcome,
  buildChangeReply,
  buildUserCard,
} from '../../src/slack/blocks/user-card.js';
import { BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../../src/slack/ids.js';
import { USER_SUBCOMMANDS } from '../../src/slack/listeners/commands/moodle-user.js';
import { inlineErrors, readEditValues } from '../../src/slack/listeners/views/edit-user-submission.js';

function user(overrides: Partial<MoodleUser> = {}): MoodleUser {
  return {
    id: 42,
    username: 'jdoe',
    firstname: 'Jane',
    lastname: 'Doe',
    fullname: 'Jane Doe',
    email: 'jane@example.org',
    auth: 'manual',
    suspended: false,
    confirmed: true,
    city: 'Leeds',
    lastaccess: 1_700_000_000,
    ...overrides,
  };
}

const request = { id: 'R-ABCDEF', target: { moodleId: 42, username: 'jdoe' } } as unknown as RequestRecord;

describe('buildUserCard', () => {
  it('shows the profile, state, auth, last access and the profile link, escaping what Moodle holds', () => {
    const card = buildUserCard(
      viewAccount(user({ firstname: '<!channel>', fullname: '<!channel> Doe', suspended: true }), true),
      { profileUrl: 'https://lms.example.org/user/profile.php?id=42' },
    );
    const text = JSON.stringify(card.blocks);
    expect(card.response_type).toBe('ephemeral');
    // Person first: the name as a plain-text header (nothing in it can mention), the account in two columns.
    expect((card.blocks ?? [])[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '<!channel> Doe', emoji: false },
    });
    const fields = (card.blocks ?? [])
      .flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : []))
      .map((f) => f.text);
    expect(fields).toEqual([
      '*Username*\njdoe (id 42)',
      '*Status*\nSuspended',
      '*Signs in with*\nMoodle login',
      '*Last access*\n<!date^1700000000^{date_short_pretty}|2023-11-14T22:13:20.000Z>',
      '*Email address*\njane@example.org',
      '*City/town*\nLeeds',
    ]);
    expect(text).not.toContain('manual');
    expect(text).toContain('https://lms.example.org/user/profile.php?id=42|Open the Moodle profile');
    expect(card.text).toContain('suspended');
  });

  it('says when an account is protected', () => {
    const card = buildUserCard(viewAccount(user(), false), {
      profileUrl: 'https://x',
      protection: { protected: true, reason: 'jdoe is on this app’s list of protected accounts' },
    });
    expect(JSON.stringify(card.blocks)).toContain(':lock: jdoe is on this app’s list of protected accounts');
  });
});

describe('buildUserCard for a plain requester', () => {
  it('draws the summary the core hands out: name, username, id and state; no contact details or identifiers', () => {
    const full = user({
      idnumber: 'S-1234',
      phone1: '+44 113 496 0000',
      address: '1 Lane',
      institution: 'Leeds High',
      department: 'Maths',
      suspended: true,
    });
    const card = buildUserCard(viewAccount(full, false), { profileUrl: 'https://x' });
    const text = JSON.stringify(card);
    expect(text).toContain('Jane Doe');
    expect(text).toContain('*Username*\\njdoe (id 42)');
    expect(text).toContain('*Status*\\nSuspended');
    expect(text).toContain('approvers and admins only');
    for (const hidden of ['jane@example.org', 'S-1234', '+44 113', '1 Lane', 'Leeds', 'Maths', '<!date^', 'manual']) {
      expect(text).not.toContain(hidden);
    }
  });
});

describe('buildAccountChoice', () => {
  it('lists each account with username, name and id (no email), at most 20', () => {
    const users = Array.from({ length: 25 }, (_, i) => summarizeAccount(user({ id: i + 1, username: `u${i + 1}` })));
    const reply = buildAccountChoice('25 accounts share it', users);
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('`u1`');
    expect(text).toContain('`u20`');
    expect(text).not.toContain('`u21`');
    expect(text).toContain('and 5 more');
    expect(text).not.toContain('jane@example.org');
  });
});

describe('buildChangeOutcome', () => {
  it('names the request while it waits, and warns that a deletion cannot be undone', () => {
    const reply = buildChangeOutcome({ kind: 'pending', request }, 'delete', 'jdoe (id 42)');
    expect(reply.text).toContain('Request R-ABCDEF to delete jdoe (id 42) is waiting for an approver');
    expect(reply.text).toContain('cannot be undone');
  });

  it('gives Moodle’s failure hint in words', () => {
    const reply = buildChangeOutcome(
      {
        kind: 'failed',
        execution: { request },
        failure: {
          code: 'moodle_update_warnings',
          message: 'x',
          hint: 'Not updated: user 2: site administrators can only be changed by a site administrator.',
          outcomeUnknown: false,
        },
      },
      'update',
      'admin',
    );
    expect(reply.text).toContain('site administrators can only be changed by a site administrator');
  });

  it('says done with a profile link, except after a deletion', () => {
    const done = buildChangeOutcome(
      { kind: 'executed', execution: { request, profileUrl: 'https://x/user/profile.php?id=42' } },
      'suspend',
      'jdoe',
    );
    expect(done.text).toContain('Done: jdoe was suspended');
    expect(JSON.stringify(done.blocks)).toContain('profile.php?id=42');
    const gone = buildChangeOutcome(
      { kind: 'executed', execution: { request, profileUrl: 'https://x/user/profile.php?id=42' } },
      'delete',
      'jdoe',
    );
    expect(JSON.stringify(gone.blocks)).not.toContain('profile.php');
  });

  it('lists every problem and every look-up failure', () => {
    const invalid = buildChangeReply(
      {
        kind: 'invalid',
        problems: [
          { field: 'email', message: 'Email is bad.' },
          { field: 'city', message: 'City too.' },
        ],
      },
      'update',
      'jdoe',
    );
    expect(invalid.text).toContain('Email is bad. City too.');
    expect(buildChangeReply({ kind: 'not_found', message: 'No such account.' }, 'update', 'x').text).toBe(
      'No such account.',
    );
    expect(buildChangeReply({ kind: 'unchanged', message: 'Nothing to change.' }, 'update', 'x').text).toBe(
      'Nothing to change.',
    );
  });
});

describe('edit and delete modals', () => {
  it('fills every field with the current value, marks the required ones and carries the account', () => {
    const view = buildEditUserModal(user(), { moodleId: 42, username: 'jdoe', channelId: 'C1' });
    expect(view.callback_id).toBe(CALLBACK_IDS.editUserModal);
    expect(view.title.text.length).toBeLessThanOrEqual(LIMITS.modalTitle);
    const blocks = view.blocks as Array<{
      type: string;
      block_id?: string;
      optional?: boolean;
      element?: { action_id?: string; initial_value?: string };
    }>;
    const city = blocks.find((b) => b.block_id === userFieldIds('city').blockId);
    expect(city).toMatchObject({ optional: true, element: { action_id: 'city_input', initial_value: 'Leeds' } });
    expect(blocks.find((b) => b.block_id === userFieldIds('email').blockId)?.optional).toBe(false);
    expect(blocks.find((b) => b.block_id === userFieldIds('phone1').blockId)?.element?.initial_value).toBeUndefined();
    expect(blocks.filter((b) => b.type === 'input')).toHaveLength(16);
    expect(decodeAccountMetadata(view.private_metadata)).toEqual({ moodleId: 42, username: 'jdoe', channelId: 'C1' });
  });

  it('refuses metadata that is not what the modal wrote', () => {
    expect(decodeAccountMetadata('not json')).toBeUndefined();
    expect(decodeAccountMetadata('{"moodleId":-1,"username":"x"}')).toBeUndefined();
    expect(decodeAccountMetadata(encodeAccountMetadata({ moodleId: 7, username: 'a' }))).toEqual({
      moodleId: 7,
      username: 'a',
    });
  });

  it('the delete confirmation shows the account, warns, suggests suspending and asks for the username', () => {
    const view = buildDeleteUserModal(user(), {
      profileUrl: 'https://x/user/profile.php?id=42',
      metadata: { moodleId: 42, username: 'jdoe' },
    });
    const text = JSON.stringify(view);
    expect(view.callback_id).toBe(CALLBACK_IDS.deleteUserConfirmModal);
    expect(text).toContain('jane@example.org');
    expect(text).toContain('Deletion cannot be undone');
    expect(text).toContain('/moodle-user suspend jdoe');
    expect(text).toContain(BLOCK_IDS.deleteConfirmBlock);
    expect(text).toContain('Type the username jdoe to confirm');
  });

  it('a notice modal has no submit button', () => {
    const view = buildNoticeModal('A title that is far too long for Slack', 'text');
    expect(view.submit).toBeUndefined();
    expect(view.title.text.length).toBeLessThanOrEqual(LIMITS.modalTitle);
  });
});

describe('edit form state', () => {
  it('reads typed values, treats missing or malformed ones as empty, and trims the reason', () => {
    const values = {
      [userFieldIds('city').blockId]: { city_input: { type: 'plain_text_input', value: 'York' } },
      [userFieldIds('email').blockId]: { email_input: { type: 'plain_text_input', value: null } },
      [userFieldIds('lastname').blockId]: { lastname_input: 'not an object' },
      [BLOCK_IDS.reasonBlock]: { [INPUT_ACTION_IDS.reasonInput]: { type: 'plain_text_input', value: '  moved ' } },
    };
    const read = readEditValues(values);
    expect(read.fields.city).toBe('York');
    expect(read.fields.email).toBe('');
    expect(read.fields.lastname).toBe('');
    expect(read.reason).toBe('moved');
    expect(readEditValues('garbage').fields.city).toBe('');
  });

  it('puts each problem under its field, and problems about the whole record under the first', () => {
    expect(
      inlineErrors([
        { field: 'email', message: 'bad' },
        { field: 'email', message: 'worse' },
        { field: '*', message: 'whole' },
      ]),
    ).toEqual({ email_block: 'bad worse', firstname_block: 'whole' });
  });
});

describe('/moodle-user help', () => {
  it('names every subcommand, uncut', () => {
    const text = JSON.stringify(buildUserHelp().blocks);
    for (const sub of Object.keys(USER_SUBCOMMANDS))
      expect(text, sub).toMatch(new RegExp(`\`(/moodle-user )?${sub}\\b`));
    expect(text).not.toContain('…');
  });
});
