// The shared start of /moodle-user show, update, suspend, unsuspend and delete: a text with problems or without an
// account gets one private reply with the usage and no arguments back; otherwise the account and fields come back.
import type { RespondArguments, RespondFn } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { readAccountArgs } from '../../src/slack/listeners/commands/user/account-args.js';

const USAGE = 'Usage: `/moodle-user frob <user>`.';

async function read(args: string, options: { allowFields?: boolean; problemsIntro?: string } = {}) {
  const replies: Array<string | RespondArguments> = [];
  const respond: RespondFn = async (message) => {
    replies.push(message);
    return new Response(null, { status: 200 });
  };
  const parsed = await readAccountArgs(
    { args, respond },
    { allowFields: options.allowFields ?? false, allowReason: true, verb: 'frob', usage: USAGE, ...options },
  );
  return { parsed, replies: replies.map((r) => (typeof r === 'string' ? { text: r } : r)) };
}

describe('readAccountArgs', () => {
  it('returns the account, fields and reason without replying', async () => {
    const { parsed, replies } = await read('jdoe city=York reason="moved"', { allowFields: true });
    expect(parsed).toEqual({ user: 'jdoe', fields: { city: 'York' }, reason: 'moved', problems: [] });
    expect(replies).toEqual([]);
  });

  it('asks which account, with the verb and the usage, when none is named', async () => {
    const { parsed, replies } = await read('  ');
    expect(parsed).toBeUndefined();
    expect(replies).toHaveLength(1);
    // The fallback text is mrkdwn too: the placeholder is encoded, not read as a link.
    expect(replies[0]?.text).toContain('Say which account to frob. Usage: `/moodle-user frob &lt;user&gt;`.');
  });

  it('lists the problems after the usage, or after the intro given instead', async () => {
    const plain = await read('jdoe city=York');
    expect(plain.parsed).toBeUndefined();
    expect(plain.replies).toHaveLength(1);
    expect(plain.replies[0]?.text).toMatch(/^Usage: .*Only reason="\.\.\." can follow the account here, not city=\./);

    const intro = await read('jdoe colour=red', { allowFields: true, problemsIntro: 'Nothing was stored:' });
    expect(intro.parsed).toBeUndefined();
    expect(intro.replies[0]?.text).toMatch(/^Nothing was stored: .*colour/);
  });
});
