// /moodle-adduser with text arguments, end to end over signed HTTP against the fake Slack and the fake Moodle:
// direct creation by admins (by id and as workspace admins), approval requests (by id and through a user group),
// refusals, derived usernames, the live pre-flight, Moodle down, Slack's markup, and the one private reply.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRequestId } from '../../src/core/requests.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { startTestApp, type TestApp } from './harness.js';

let t: TestApp;
let moodle: FakeMoodle;

beforeAll(async () => {
  moodle = await startFakeMoodle();
  t = await startTestApp({
    moodleUrl: moodle.url,
    env: {
      MOODLE_TOKEN: moodle.token,
      // A plain requester by id, teachers through a user group; admins by id and every workspace admin.
      SLACK_REQUESTERS: 'U0REQUESTER,S0TEACHERS',
      SLACK_ADMINS: 'U0ADMIN,workspace_admins',
      APPROVAL_REQUIRED: 'delete',
    },
    slack: {
      users: [
        { id: 'U0REQUESTER' },
        { id: 'U0ADMIN' },
        { id: 'U0APPROVER' },
        { id: 'U0TEACHER' },
        { id: 'U0OTHER' },
        { id: 'U0WSADMIN', is_admin: true },
      ],
      usergroups: { S0TEACHERS: ['U0TEACHER'] },
    },
  });
});
afterAll(async () => {
  await t?.stop();
  await moodle?.close();
});
beforeEach(() => {
  moodle.reset();
  t.slack.reset();
});

/** Runs the command and returns the one private reply as JSON text (blocks and fallback). */
async function run(text: string, userId: string): Promise<{ reply: Record<string, unknown>; all: string }> {
  const result = await t.command('/moodle-adduser', text, { userId });
  expect(result.ack).toEqual({ status: 200, body: undefined });
  const post = await result.waitForResponse();
  // Exactly one reply per command: counted once the command's listener has finished.
  await t.idle();
  expect(t.slack.responses.filter((r) => r.id === result.responseUrlId)).toHaveLength(1);
  return { reply: post.body, all: JSON.stringify(post.body) };
}

const createCalls = () => moodle.calls.filter((c) => c.wsfunction === 'core_user_create_users');
const postsTo = (channel: string) => t.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel);

describe('direct creation by an admin', () => {
  it('creates the user in Moodle, replies privately with username, id and profile link, and logs one line', async () => {
    const { reply, all } = await run(
      'jane.doe@example.org Jane Doe city="New York" country=us department=Science idnumber=T-100',
      'U0ADMIN',
    );
    expect(reply.response_type).toBe('ephemeral');
    const user = moodle.site.users.find((u) => u.username === 'jane.doe');
    expect(user).toMatchObject({
      email: 'jane.doe@example.org',
      firstname: 'Jane',
      lastname: 'Doe',
      city: 'New York',
      country: 'US',
      department: 'Science',
      idnumber: 'T-100',
      auth: 'manual',
    });
    const [call] = createCalls();
    expect(createCalls()).toHaveLength(1);
    expect(call?.params['users[0][createpassword]']).toBe('1');
    expect(Object.keys(call?.params ?? {}).some((k) => k.endsWith('[password]'))).toBe(false);
    expect(all).toContain('jane.doe');
    expect(all).toContain(`id ${user?.id}`);
    expect(all).toContain(`${moodle.url}/user/profile.php?id=${user?.id}`);
    expect(all).toContain('emails the login details');
    const lines = postsTo('C0NOTIFY');
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0]?.args)).toContain('jane.doe');
    expect(postsTo('C0APPROVALS')).toHaveLength(0);
  });

  it('lets a workspace admin (users.info is_admin) act directly', async () => {
    const { all } = await run('ws.made@example.org Wanda Smith', 'U0WSADMIN');
    expect(t.slack.callsTo('users.info').some((c) => c.args.user === 'U0WSADMIN')).toBe(true);
    expect(moodle.site.users.some((u) => u.username === 'ws.made')).toBe(true);
    expect(all).toContain('Created the Moodle account');
  });

  it('derives the username from the email and adds a suffix when it is taken (jdoe → jdoe2)', async () => {
    moodle.site.addUser({ username: 'jdoe', firstname: 'John', lastname: 'Doe', email: 'john@elsewhere.org' });
    const { all } = await run('JDoe@Example.org Jim Doe', 'U0ADMIN');
    const created = moodle.site.users.find((u) => u.email === 'JDoe@Example.org');
    expect(created?.username).toBe('jdoe2');
    expect(all).toContain('*jdoe2* was made from the email address (jdoe was taken)');
  });

  it('decodes Slack markup: <mailto:…|…> and &amp;', async () => {
    await run('<mailto:amp@example.org|amp@example.org> Ann "Smith &amp; Jones"', 'U0ADMIN');
    const created = moodle.site.users.find((u) => u.username === 'amp');
    expect(created).toMatchObject({ email: 'amp@example.org', firstname: 'Ann', lastname: 'Smith & Jones' });
  });

  it('accepts key=value only, with quoted values', async () => {
    await run('username=kv.only email=kv@example.org firstname=Kay lastname="Van Dyke" reason="new staff"', 'U0ADMIN');
    expect(moodle.site.users.find((u) => u.username === 'kv.only')?.lastname).toBe('Van Dyke');
  });
});

describe('requests for approval', () => {
  it('stores a plain requester’s request, posts the card, creates nothing, and tells the request id', async () => {
    const { all } = await run('new.teacher@example.org Nora Teach', 'U0REQUESTER');
    const id = /Request \*(R-[A-Z0-9]+)\*/.exec(all)?.[1];
    expect(id && parseRequestId(id)).toBe(id);
    expect(all).toContain('<#C0APPROVALS>');
    expect(all).toContain('new.teacher');
    expect(postsTo('C0APPROVALS')).toHaveLength(1);
    expect(createCalls()).toHaveLength(0);
    expect(moodle.site.users.some((u) => u.username === 'new.teacher')).toBe(false);
  });

  it('grants the requester role through a user group (usergroups.users.list)', async () => {
    const { all } = await run('grouped@example.org Greta Group', 'U0TEACHER');
    expect(t.slack.callsTo('usergroups.users.list').some((c) => c.args.usergroup === 'S0TEACHERS')).toBe(true);
    expect(all).toMatch(/Request \*R-/);
    expect(createCalls()).toHaveLength(0);
  });

  it('says so when the card could not be posted, and still gives the request id', async () => {
    t.slack.fail('chat.postMessage', { kind: 'error', error: 'channel_not_found' });
    const { all } = await run('cardless@example.org Carl Less', 'U0REQUESTER');
    expect(all).toMatch(/Request \*R-/);
    expect(all).toContain('could not be posted');
  });
});

describe('refusals and problems', () => {
  it('refuses someone who is not a requester, naming the role and the admin who can help, and logs their id', async () => {
    const { all } = await run('nope@example.org No Body', 'U0OTHER');
    expect(all).toContain('requester');
    expect(all).toContain('<@U0ADMIN>');
    expect(all).not.toContain('SLACK_');
    expect(createCalls()).toHaveLength(0);
    expect(moodle.calls).toHaveLength(0);
    const refusal = t.logRecords().find((r) => r.msg === 'create refused');
    expect(refusal?.requester).toBe('U0OTHER');
  });

  it('lists every parse problem in one reply', async () => {
    const { all } = await run('jane@example.org Jane Doe colour=red citty=Paris', 'U0ADMIN');
    expect(all).toContain('2 things need fixing');
    expect(all).toContain('colour');
    expect(all).toContain('did you mean city?');
    expect(moodle.calls).toHaveLength(0);
  });

  it('lists every validation problem with its field label', async () => {
    const { all } = await run(
      `email=bad@@example firstname=Jane lastname=${'x'.repeat(101)} username=JDoe country=Narnia`,
      'U0ADMIN',
    );
    expect(all).toContain('4 things need fixing');
    expect(all).toContain('*Email address* (email=)');
    expect(all).toContain('*Last name* (lastname=)');
    expect(all).toContain('*Username* (username=)');
    expect(all).toContain('*Country* (country=)');
    expect(moodle.calls).toHaveLength(0);
  });

  it('answers help with the usage', async () => {
    const { all } = await run('help', 'U0OTHER');
    expect(all).toContain('Keys: username email firstname');
  });
});

describe('pre-flight against the live Moodle', () => {
  it('names the existing account when the username is taken, and creates nothing', async () => {
    const { all } = await run('username=admin someone@example.org Some One', 'U0ADMIN');
    expect(all).toContain('already has an account');
    expect(all).toContain(`${moodle.url}/user/profile.php?id=2`);
    expect(all).toContain('same username');
    expect(createCalls()).toHaveLength(0);
  });

  it('finds an existing email that differs in case, and creates nothing', async () => {
    const id = moodle.site.addUser({
      username: 'mmajor',
      firstname: 'Mary',
      lastname: 'Major',
      email: 'Mary.Major@Example.org',
    });
    const { all } = await run('mary.major@example.org Mary Major username=mary2', 'U0REQUESTER');
    expect(all).toContain('mmajor');
    expect(all).toContain(`id ${id}`);
    expect(all).toContain('same email address');
    expect(createCalls()).toHaveLength(0);
    expect(postsTo('C0APPROVALS')).toHaveLength(0);
  });

  it('says clearly that Moodle is unreachable, without a stack trace', async () => {
    moodle.setFault('refuse');
    const { all } = await run('down@example.org Dee Own', 'U0ADMIN');
    expect(all).toContain('Moodle could not be checked');
    expect(all).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(all).not.toContain('Error:');
    expect(createCalls()).toHaveLength(0);
  });

  it('reports a failed direct creation with the client’s hint', async () => {
    // The look-ups pass; only the create is refused (the token's role lacks moodle/user:create).
    moodle.site.removeCapability('moodle/user:create');
    const { all } = await run('username=failer fail@example.org Fay Ler', 'U0ADMIN');
    expect(all).toContain('Moodle did not create the account');
    // As shown: escaped, so that ":create:" cannot be drawn as an emoji.
    expect(all).toContain('lacks the capability moodle/user∶create');
    expect(all).not.toContain('user:create');
    expect(all).toMatch(/Request R-[A-Z0-9]+ is recorded as failed/);
    expect(all).not.toContain('Error:');
    expect(moodle.site.users.some((u) => u.username === 'failer')).toBe(false);
  });
});

it('writes no secret to the log', () => {
  expect(t.leakedSecrets()).toEqual([]);
});
