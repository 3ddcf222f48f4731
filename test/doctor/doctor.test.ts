// The setup doctor against the fake Moodle and the fake Slack, healthy and in each broken state the issue names.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { doctorFactories, runDoctorCli } from '../../src/cli/doctor.js';
import type { CheckResult } from '../../src/doctor/checklist.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { startConnectProxy } from '../fakes/connect-proxy.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { doctorEnv } from './doctor-env.js';

let moodle: FakeMoodle;
let slack: FakeSlack;
let allScopes: string[];

beforeAll(async () => {
  moodle = await startFakeMoodle();
  slack = await FakeSlack.start();
  allScopes = [...slack.scopes];
});
afterAll(async () => {
  await moodle.close();
  await slack.close();
});
beforeEach(() => {
  moodle.reset();
  slack.reset();
  slack.scopes = [...allScopes];
});

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return doctorEnv(moodle, slack, overrides);
}

async function check(overrides: Record<string, string | undefined> = {}) {
  const report = await runDoctor(env(overrides), doctorFactories);
  const byId = new Map(report.results.map((r) => [r.id, r]));
  const status = (id: string) => byId.get(id)?.status;
  const failed = report.results.filter((r) => r.status === 'fail');
  return { report, byId, status, failed };
}

function ids(results: CheckResult[]): string[] {
  return results.map((r) => r.id);
}

describe('doctor', () => {
  it('passes everything on a correctly set-up site and workspace, and changes nothing in Moodle', async () => {
    const usersBefore = JSON.stringify(moodle.site.users);
    const { report, status } = await check();
    expect(report.results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(report.ok).toBe(true);
    for (const id of [
      'settings',
      'moodle.reachable',
      'moodle.webservices',
      'moodle.rest',
      'moodle.token',
      'moodle.site',
      'moodle.function.core_user_create_users',
      'moodle.function.core_user_get_users',
      'moodle.capability.moodle/user:create',
      'moodle.capability.moodle/user:update',
      'moodle.capability.moodle/user:delete',
      'moodle.capability.moodle/user:viewdetails',
      'moodle.capability.moodle/user:viewalldetails',
      'slack.auth',
      'slack.scopes',
      'slack.channel.APPROVAL_CHANNEL',
      'slack.channel.NOTIFY_CHANNEL',
    ]) {
      expect(status(id), id).toBe('ok');
    }
    expect(JSON.stringify(moodle.site.users)).toBe(usersBefore);
    expect(moodle.calls.some((c) => c.wsfunction === 'core_user_create_users')).toBe(true);
  });

  it('prints a checklist and exits 0 only when every required check passes', async () => {
    let out = '';
    expect(await runDoctorCli(env(), (t) => (out += t))).toBe(0);
    expect(out).toContain('✓ Moodle site: "LMS Focusteck", Moodle 4.5.6 (Build: 20250811), token user api-user (id 3)');
    expect(out).toContain('All required checks passed');
    expect(out).not.toContain(moodle.token);
    expect(out).not.toContain(slack.botToken);

    out = '';
    moodle.site.settings.webserviceprotocols = '';
    expect(await runDoctorCli(env(), (t) => (out += t))).toBe(1);
    expect(out).toContain('✗ Moodle REST protocol enabled');
    expect(out).toContain('fix: Site administration > Server > Web services > Manage protocols');
  });

  it('checks through the outbound proxy the app would use (HTTPS_PROXY, HTTP_PROXY)', async () => {
    const proxy = await startConnectProxy();
    try {
      let out = '';
      expect(await runDoctorCli({ ...env(), HTTP_PROXY: proxy.url }, (t) => (out += t))).toBe(0);
      expect(out).toContain('All required checks passed');
      const lines = proxy.connections.flatMap((c) => c.requestLines);
      expect(lines).toContainEqual(expect.stringMatching(/^POST \/webservice\/rest\/server\.php /));
      expect(lines).toContainEqual(expect.stringMatching(/^POST \/api\/auth\.test /));
    } finally {
      await proxy.close();
    }
  });

  it('web services off: its own ✗ naming Advanced features', async () => {
    moodle.site.settings.enablewebservices = false;
    const { byId, failed } = await check();
    expect(ids(failed)).toEqual(['moodle.webservices']);
    expect(byId.get('moodle.webservices')?.fix).toContain('Advanced features > Enable web services');
    expect(byId.get('moodle.rest')?.status).toBe('skip');
  });

  it('web services off behind the outbound proxy: the web-services probe goes through the proxy too', async () => {
    moodle.site.settings.enablewebservices = false;
    const proxy = await startConnectProxy();
    try {
      const { byId, failed } = await check({ HTTP_PROXY: proxy.url });
      expect(ids(failed)).toEqual(['moodle.webservices']);
      expect(byId.get('moodle.rest')?.status).toBe('skip');
      const lines = proxy.connections.flatMap((c) => c.requestLines);
      expect(lines).toContainEqual(expect.stringMatching(/^POST \/login\/token\.php /));
    } finally {
      await proxy.close();
    }
  });

  it('REST off: its own ✗ naming Manage protocols', async () => {
    moodle.site.settings.webserviceprotocols = '';
    const { byId, failed } = await check();
    expect(ids(failed)).toEqual(['moodle.rest']);
    expect(byId.get('moodle.webservices')?.status).toBe('ok');
  });

  it('bad token: ✗ naming Manage tokens', async () => {
    const { byId, failed } = await check({ MOODLE_TOKEN: 'ffffffffffffffffffffffffffffffff' });
    expect(ids(failed)).toEqual(['moodle.token']);
    expect(byId.get('moodle.token')?.fix).toContain('Manage tokens');
    expect(JSON.stringify(byId)).not.toContain('ffffffffffffffffffffffffffffffff');
  });

  it('a missing function: ✗ for that function with the Functions page', async () => {
    moodle.site.setServiceFunctions('user_creation', [
      'core_user_create_users',
      'core_user_update_users',
      'core_user_get_users_by_field',
      'core_user_get_users',
      'core_webservice_get_site_info',
    ]);
    const { byId, failed } = await check();
    expect(ids(failed)).toEqual(['moodle.function.core_user_delete_users']);
    expect(byId.get('moodle.function.core_user_delete_users')?.fix).toContain('External services');
    expect(byId.has('moodle.capability.moodle/user:delete')).toBe(false);
  });

  it('get_site_info missing from the service: a warning, and functions found by probing', async () => {
    moodle.site.setServiceFunctions('user_creation', [
      'core_user_create_users',
      'core_user_update_users',
      'core_user_delete_users',
      'core_user_get_users_by_field',
    ]);
    const { report, status, failed } = await check();
    expect(failed).toEqual([]);
    expect(report.ok).toBe(true);
    expect(status('moodle.siteinfo')).toBe('warn');
    expect(status('moodle.function.core_user_delete_users')).toBe('ok');
    expect(status('moodle.function.core_user_get_users')).toBe('warn');
  });

  it.each([['moodle/user:create'], ['moodle/user:update'], ['moodle/user:delete'], ['moodle/user:viewalldetails']])(
    'a missing capability %s: its own ✗',
    async (cap) => {
      moodle.site.removeCapability(cap);
      const { byId, failed } = await check();
      expect(ids(failed)).toEqual([`moodle.capability.${cap}`]);
      expect(byId.get(`moodle.capability.${cap}`)?.fix).toContain(`allow ${cap}`);
    },
  );

  it('webservice/rest:use missing: the token may call nothing', async () => {
    moodle.site.removeCapability('webservice/rest:use');
    const { byId, failed } = await check();
    expect(ids(failed)).toEqual(['moodle.token']);
    expect(byId.get('moodle.token')?.fix).toContain('webservice/rest:use');
  });

  it('a site-admin token user: a least-privilege warning, not a failure', async () => {
    moodle.site.setSiteAdmin(3, true);
    const { report, byId } = await check();
    expect(report.ok).toBe(true);
    expect(byId.get('moodle.siteadmin')?.status).toBe('warn');
  });

  it('extra functions in the service: a least-privilege warning', async () => {
    moodle.site.setServiceFunctions('user_creation', [
      'core_user_create_users',
      'core_user_update_users',
      'core_user_delete_users',
      'core_user_get_users_by_field',
      'core_user_get_users',
      'core_webservice_get_site_info',
      'core_course_get_courses',
    ]);
    const { byId } = await check();
    expect(byId.get('moodle.extrafunctions')?.status).toBe('warn');
    expect(byId.get('moodle.extrafunctions')?.detail).toContain('core_course_get_courses');
  });

  it('Moodle unreachable: ✗ and the rest skipped', async () => {
    const { byId, failed } = await check({ MOODLE_URL: 'http://127.0.0.1:9' });
    expect(ids(failed)).toEqual(['moodle.reachable']);
    expect(byId.get('moodle.reachable')?.fix).toContain('MOODLE_URL');
    expect(byId.get('moodle.token')?.status).toBe('skip');
  });

  it('Moodle in maintenance (503): ✗ reachable', async () => {
    moodle.setFault({ status: 503, body: '<html>maintenance</html>' });
    const { failed } = await check();
    expect(ids(failed)).toEqual(['moodle.reachable']);
  });

  it('bad Slack token, missing scopes, a channel the bot is not in', async () => {
    let r = await check({ SLACK_BOT_TOKEN: 'xoxb-not-the-right-token' });
    expect(ids(r.failed)).toEqual(['slack.auth']);
    expect(r.byId.get('slack.auth')?.fix).toContain('Bot User OAuth Token');

    slack.scopes = slack.scopes.filter((s) => s !== 'usergroups:read');
    r = await check();
    expect(ids(r.failed)).toEqual(['slack.scopes']);
    expect(r.byId.get('slack.scopes')?.detail).toContain('usergroups:read');

    slack.scopes = [...allScopes];
    slack.setChannel({ id: 'C0PRIVATE', name: 'lms-approvals', is_private: true, is_member: false });
    r = await check({ APPROVAL_CHANNEL: 'C0PRIVATE' });
    expect(ids(r.failed)).toEqual(['slack.channel.APPROVAL_CHANNEL']);
    expect(r.byId.get('slack.channel.APPROVAL_CHANNEL')?.fix).toContain('/invite');

    r = await check({ NOTIFY_CHANNEL: 'C0NOSUCH' });
    expect(ids(r.failed)).toEqual(['slack.channel.NOTIFY_CHANNEL']);
  });

  it('invalid settings: ✗ settings, and the checks the valid part allows still run', async () => {
    const { byId, failed } = await check({ APPROVAL_CHANNEL: '#approvals', SLACK_APPROVERS: undefined });
    expect(ids(failed)).toEqual(['settings']);
    expect(byId.get('settings')?.fix).toContain('APPROVAL_CHANNEL must be a channel id');
    expect(byId.get('moodle.site')?.status).toBe('ok');
    expect(byId.get('slack.channel.NOTIFY_CHANNEL')?.status).toBe('ok');
  });
});
