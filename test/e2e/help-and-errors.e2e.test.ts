// The help replies and unknown subcommands end to end over signed HTTP: short help with three examples and the keys
// once, placeholders encoded so that Slack does not read them as links, a button that opens the form, and
// "Did you mean …?" for a mistyped subcommand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, CALLBACK_IDS } from '../../src/slack/ids.js';
import { buildBlockActions } from '../fakes/sign.js';
import { startTestApp, type TestApp } from './harness.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { SLACK_REQUESTERS: 'everyone' } });
});
afterAll(async () => {
  await t?.stop();
});

type Body = Record<string, unknown>;

async function reply(command: string, text: string): Promise<Body> {
  const result = await t.command(command, text, { userId: 'U0HELPER', channelId: 'C0GENERAL' });
  expect(result.ack.status).toBe(200);
  return (await result.waitForResponse()).body;
}

/** Every mrkdwn text and the fallback text of a message: where Slack would parse `<…>` as a link or mention. */
function mrkdwnTexts(body: Body): string[] {
  const texts = [String(body.text)];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') texts.push(o.text);
      Object.values(o).forEach(visit);
    }
  };
  visit(body.blocks);
  return texts;
}

function buttonOf(body: Body): { action_id: string } | undefined {
  const blocks = body.blocks as Array<{ type: string; elements?: Array<{ type: string; action_id: string }> }>;
  return blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : [])).find((e) => e.type === 'button');
}

async function click(actionId: string): Promise<Record<string, unknown>> {
  const triggerId = t.slack.issueTriggerId();
  const ack = await t.action(
    buildBlockActions({
      user: { id: 'U0HELPER' },
      actions: [{ action_id: actionId, block_id: 'help', value: '' }],
      triggerId,
      channelId: 'C0GENERAL',
    }),
  );
  expect(ack.status).toBe(200);
  const opened = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
  return opened.args.view as Record<string, unknown>;
}

describe('/moodle-adduser help', () => {
  it('three examples, the keys once, nothing Slack would read as a link, and a button that opens the form', async () => {
    const body = await reply('/moodle-adduser', 'help');
    const text = JSON.stringify(body.blocks);
    expect(text.match(/• `\/moodle-adduser/g)).toHaveLength(3);
    expect(text.match(/username email firstname lastname/g)).toHaveLength(1);
    expect(text).toContain('courses role cohorts');
    // dry-run once: what it does and one example.
    expect(text.match(/dry-run/g)).toHaveLength(2);
    expect(text).toContain('the exact Moodle calls without changing anything: `/moodle-adduser dry-run jane.doe@');
    for (const mrkdwn of mrkdwnTexts(body)) expect(mrkdwn).not.toMatch(/[<>]/);
    const button = buttonOf(body);
    expect(button?.action_id).toBe(ACTION_IDS.helpNewUserFormButton);
    const view = await click(String(button?.action_id));
    expect(view.callback_id).toBe(CALLBACK_IDS.newUserModal);
    expect(String(view.private_metadata)).toContain('C0GENERAL');
  });
});

describe('/moodle-user help', () => {
  it('three examples, every subcommand in one line, <user> encoded, and a button to find a user', async () => {
    const body = await reply('/moodle-user', 'help');
    const text = JSON.stringify(body.blocks);
    expect(text.match(/• `\/moodle-user/g)).toHaveLength(3);
    expect(text).toContain('&lt;user&gt;');
    expect(text.match(/dry-run/g)).toHaveLength(2);
    expect(text).toContain('the exact Moodle calls without making them: `/moodle-user suspend jdoe dry-run`');
    for (const mrkdwn of mrkdwnTexts(body)) expect(mrkdwn).not.toMatch(/[<>]/);
    const button = buttonOf(body);
    expect(button?.action_id).toBe(ACTION_IDS.helpFindUserButton);
    expect((await click(String(button?.action_id))).callback_id).toBe(CALLBACK_IDS.findUserModal);
  });

  it('asks "Did you mean show?" for a mistyped subcommand, and suggests nothing for a word far from any', async () => {
    expect(String((await reply('/moodle-user', 'shwo jdoe')).text)).toContain('Did you mean *show*?');
    expect(String((await reply('/moodle-user', 'enroll jdoe TEST101')).text)).toContain('Did you mean *enrol*?');
    expect(String((await reply('/moodle-user', 'Requsts')).text)).toContain('Did you mean *requests*?');
    const far = await reply('/moodle-user', 'frobnicate jdoe');
    expect(String(far.text)).toContain('is not something /moodle-user knows');
    expect(String(far.text)).not.toContain('Did you mean');
  });
});

describe('unknown keys', () => {
  it('lists the keys once however many keys are unknown', async () => {
    const body = await reply('/moodle-adduser', 'jane@example.org Jane Doe colour=red shoe=42 citty=Leeds');
    const text = JSON.stringify(body.blocks);
    expect(text).toContain('Unknown key \\"colour\\"');
    expect(text).toContain('(did you mean city?)');
    expect(text.match(/The keys are/g)).toHaveLength(1);
  });
});

describe('every problem of a text command in one reply', () => {
  async function problemsOf(text: string): Promise<string> {
    return JSON.stringify((await reply('/moodle-adduser', text)).blocks);
  }

  it('a bad email and a missing last name, together', async () => {
    const text = await problemsOf('jane.doe-at-example Ann');
    expect(text).toContain('2 things need fixing');
    expect(text).toContain('\\"jane.doe-at-example\\" is not an email address');
    expect(text).toContain('*Last name* (lastname=): Last name is required.');
  });

  it('a bad email and an upper-case username, together', async () => {
    const text = await problemsOf('jane@@example Jane Doe username=JDoe');
    expect(text).toContain('\\"jane@@example\\" is not an email address');
    expect(text).toMatch(/\*Username\* \(username=\): [^"]*lowercase/);
    expect(text).toContain('2 things need fixing');
  });

  it('an unknown key and a bad country, together', async () => {
    const text = await problemsOf('jane@example.org Jane Doe colour=red country=Atlantis');
    expect(text).toContain('Unknown key \\"colour\\"');
    expect(text).toContain('*Country* (country=)');
    expect(text).toContain('2 things need fixing');
  });

  it('an unknown key and an end date in the past, together', async () => {
    const text = await problemsOf('jane@example.org Jane Doe colour=red until=2020-01-31');
    expect(text).toContain('Unknown key \\"colour\\"');
    expect(text).toContain('is in the past');
    expect(text).toContain('2 things need fixing');
  });

  it('/moodle-user expire: an unknown key and a malformed end date, together; extend: a missing one', async () => {
    const expire = JSON.stringify((await reply('/moodle-user', 'expire jdoe colour=red until=31/12/2027')).blocks);
    expect(expire).toContain('Unknown key \\"colour\\"');
    expect(expire).toContain('must be a date written YYYY-MM-DD');
    expect(expire.match(/• /g)).toHaveLength(2);
    const extend = JSON.stringify((await reply('/moodle-user', 'extend jdoe extra')).blocks);
    expect(extend).toContain('extra');
    expect(extend).toContain('until=YYYY-MM-DD.');
    expect(extend.match(/• /g)).toHaveLength(2);
  });

  it('/moodle-user update: an unknown key and a bad new username and email, together', async () => {
    const body = await reply('/moodle-user', 'update jdoe colour=red username=JDoe email=nope');
    const text = JSON.stringify(body.blocks);
    expect(text).toContain('Unknown key \\"colour\\"');
    expect(text).toMatch(/Username[^"]*lowercase/);
    expect(text).toContain('nope');
    expect(text.match(/• /g)).toHaveLength(3);
  });
});
