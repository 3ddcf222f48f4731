// /moodle-user doctor from Slack: the same checks as `npm run doctor`, for admins only, answered privately.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { startTestApp, type TestApp } from './harness.js';

let moodle: FakeMoodle;
let t: TestApp;

beforeAll(async () => {
  moodle = await startFakeMoodle();
  t = await startTestApp({ transport: 'http', moodleUrl: moodle.url, env: { MOODLE_TOKEN: moodle.token } });
});
afterAll(async () => {
  await t?.stop();
  await moodle?.close();
});

async function doctorReply(userId: string) {
  const result = await t.command('/moodle-user', 'doctor', { userId });
  return t.slack.waitForResponse(
    (p) => p.id === result.responseUrlId && String(p.body.text).startsWith('Setup check') === true,
  );
}

describe('/moodle-user doctor', () => {
  it('gives an admin the checklist privately', async () => {
    const post = await doctorReply('U0ADMIN');
    expect(post.body.response_type).toBe('ephemeral');
    expect(post.body.text).toBe('Setup check: all required checks passed.');
    const shown = JSON.stringify(post.body.blocks);
    expect(shown).toContain('✓ *Moodle site*');
    expect(shown).toContain('LMS Focusteck');
    expect(shown).toContain('✓ *Slack channel APPROVAL_CHANNEL (C0APPROVALS)*');
    expect(shown).not.toContain(moodle.token);
    expect(shown).not.toContain(t.slack.botToken);
  });

  it('shows the ✗ and its fix when Moodle is half set up', async () => {
    moodle.site.removeCapability('moodle/user:delete');
    try {
      const post = await doctorReply('U0ADMIN');
      expect(post.body.text).toContain('1 check failed');
      const shown = JSON.stringify(post.body.blocks);
      expect(shown).toContain('✗ *Capability moodle/user:delete*');
      expect(shown).toContain('allow moodle/user:delete');
    } finally {
      moodle.site.addCapability('moodle/user:delete');
    }
  });

  it('refuses anyone who is not an admin, naming the role and the admins who can help, not a setting', async () => {
    const result = await t.command('/moodle-user', 'doctor', { userId: 'U0APPROVER' });
    const post = await result.waitForResponse();
    expect(post.body.response_type).toBe('ephemeral');
    expect(String(post.body.text)).toContain('You need to be an admin');
    expect(String(post.body.text)).toContain('<@U0ADMIN>');
    expect(String(post.body.text)).not.toContain('SLACK_');
    expect(t.slack.responses.filter((p) => p.id === result.responseUrlId)).toHaveLength(1);
  });
});
