import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-test-bot-token',
  SLACK_SIGNING_SECRET: 'sign-secret-value',
  MOODLE_URL: 'https://lms.example.org/',
  MOODLE_TOKEN: '0123456789abcdef0123456789abcdef',
  SLACK_APPROVERS: 'U0APPROVER,S0GROUP',
  APPROVAL_CHANNEL: 'C0APPROVALS',
};

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(valid);
    expect(c.slack.mode).toBe('http');
    expect(c.moodle.url).toBe('https://lms.example.org');
    expect(c.moodle.timeoutMs).toBe(15000);
    expect(c.roles.requesters).toEqual([{ kind: 'everyone' }]);
    expect(c.roles.approvers).toEqual([
      { kind: 'user', id: 'U0APPROVER' },
      { kind: 'group', id: 'S0GROUP' },
    ]);
    expect([...c.approvalRequired]).toEqual(['delete']);
    expect(c.notifyChannel).toBe('C0APPROVALS');
    expect(c.requestTtlHours).toBe(72);
    expect(c.defaultAuth).toBe('manual');
    expect(c.allowedAuth).toEqual(['manual']);
    expect(c.passwordMode).toBe('email');
    expect(c.databaseUrl).toBe('sqlite:data/moodle-provisioner.db');
    expect(c.port).toBe(3000);
    expect(c.logLevel).toBe('info');
    expect(Object.isFrozen(c.roles)).toBe(true);
  });

  it("downloads attached files from Slack's file host unless SLACK_FILES_URL names another origin", () => {
    expect(loadConfig(valid).slack.filesUrl).toBe('https://files.slack.com');
    expect(loadConfig({ ...valid, SLACK_FILES_URL: 'http://127.0.0.1:4000/' }).slack.filesUrl).toBe(
      'http://127.0.0.1:4000',
    );
    for (const bad of [
      'files.slack.com',
      'https://files.slack.com/files-pri',
      'https://u:p@files.slack.com',
      'ftp://x',
    ]) {
      expect(problemsOf({ ...valid, SLACK_FILES_URL: bad }).join('\n')).toContain('SLACK_FILES_URL must be an origin');
    }
  });

  it('uses Socket Mode when SLACK_APP_TOKEN is set, without a signing secret', () => {
    const c = loadConfig({ ...valid, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-1-A0-1-abc' });
    expect(c.slack.mode).toBe('socket');
  });

  it('reports every missing setting at once, naming each variable and where to find it', () => {
    const problems = problemsOf({});
    const text = problems.join('\n');
    for (const name of [
      'SLACK_BOT_TOKEN',
      'MOODLE_URL',
      'MOODLE_TOKEN',
      'APPROVAL_CHANNEL',
      'SLACK_APPROVERS',
      'SLACK_SIGNING_SECRET',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toContain('Manage tokens');
    expect(problems.length).toBeGreaterThanOrEqual(6);
  });

  it('says what a valid value looks like', () => {
    const text = problemsOf({
      ...valid,
      SLACK_BOT_TOKEN: 'xoxp-user-token',
      APPROVAL_CHANNEL: '#approvals',
      SLACK_APPROVERS: 'bob',
      APPROVAL_REQUIRED: 'create,destroy',
      PORT: 'eighty',
      PASSWORD_MODE: 'plain',
      DEFAULT_AUTH: 'ldap',
      MOODLE_URL: 'lms.example.org',
    }).join('\n');
    expect(text).toContain('SLACK_BOT_TOKEN must start with xoxb-');
    expect(text).toContain('APPROVAL_CHANNEL must be a channel id');
    expect(text).toContain('SLACK_APPROVERS has "bob"');
    expect(text).toContain('APPROVAL_REQUIRED has "destroy"');
    expect(text).toContain('PORT must be a whole number');
    expect(text).toContain('PASSWORD_MODE must be email or generate');
    expect(text).toContain('DEFAULT_AUTH "ldap" must be one of ALLOWED_AUTH');
    expect(text).toContain('MOODLE_URL must be the site address');
  });

  it('never shows secrets when the config is logged or inspected', () => {
    const c = loadConfig(valid);
    const shown = `${inspect(c, { depth: 10 })} ${JSON.stringify(c)} ${String(c.moodle.token)}`;
    expect(shown).not.toContain(valid.MOODLE_TOKEN);
    expect(shown).not.toContain(valid.SLACK_BOT_TOKEN);
    expect(shown).not.toContain(valid.SLACK_SIGNING_SECRET);
    expect(c.moodle.token.reveal()).toBe(valid.MOODLE_TOKEN);
  });

  it('does not echo a secret value inside an error message', () => {
    const text = problemsOf({ ...valid, MOODLE_TOKEN: 'my password with spaces!' }).join('\n');
    expect(text).not.toContain('my password with spaces!');
  });
});

describe('outbound proxy settings', () => {
  it('reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY, the lower-case names first, and keeps proxy URLs secret', () => {
    const c = loadConfig({
      ...valid,
      HTTPS_PROXY: 'http://ignored.example.org:1',
      https_proxy: 'http://user:s3cret-pw@proxy.example.org:3128',
      HTTP_PROXY: 'http://plain.example.org:8080',
      NO_PROXY: 'lms.example.org,.internal',
    });
    expect(c.proxy?.httpsProxy?.reveal()).toBe('http://user:s3cret-pw@proxy.example.org:3128');
    expect(c.proxy?.httpProxy?.reveal()).toBe('http://plain.example.org:8080');
    expect(c.proxy?.noProxy).toBe('lms.example.org,.internal');
    expect(inspect(c)).not.toContain('s3cret-pw');
    expect(JSON.stringify(c)).not.toContain('s3cret-pw');
    expect(loadConfig(valid).proxy).toBeUndefined();
    expect(loadConfig({ ...valid, NO_PROXY: 'lms.example.org' }).proxy).toBeUndefined();
  });

  it('names a proxy variable that is not a proxy URL, without repeating its value (it may hold a password)', () => {
    const problems = problemsOf({ ...valid, HTTPS_PROXY: 'proxy.example.org:3128', http_proxy: 'ftp://u:pw-xyz@p:21' });
    expect(problems).toEqual([
      expect.stringMatching(/^HTTPS_PROXY must be a proxy URL such as http:\/\/proxy\.example\.org:3128 \(only where/),
      expect.stringMatching(/^http_proxy must be a proxy URL such as http:\/\/proxy\.example\.org:3128/),
    ]);
    expect(problems.join('\n')).not.toContain('pw-xyz');
    expect(problems.join('\n')).not.toContain('proxy.example.org:3128 must');
  });
});

describe('ROLE_IDS', () => {
  it('defaults to the standard role ids, and reads short name:id pairs', () => {
    expect(loadConfig(valid).roleIds).toEqual({ student: 5, teacher: 4, editingteacher: 3 });
    const c = loadConfig({ ...valid, ROLE_IDS: 'student:5, tutor : 11,editingteacher:3' });
    expect(c.roleIds).toEqual({ student: 5, tutor: 11, editingteacher: 3 });
    expect(Object.isFrozen(c.roleIds)).toBe(true);
  });

  it('names the variable, each bad entry and where the ids are, together with the other problems', () => {
    const problems = problemsOf({ ...valid, ROLE_IDS: 'student=5,teacher:0,teacher:4,teacher:9,:3', PORT: 'x' });
    for (const expected of [
      'ROLE_IDS has "student=5", which is not a role short name and a positive id',
      'ROLE_IDS has "teacher:0"',
      'ROLE_IDS has ":3"',
      'ROLE_IDS names the role "teacher" twice',
      'Define roles',
      'PORT must be a whole number',
    ]) {
      expect(problems.join('\n')).toContain(expected);
    }
  });
});

describe('DATABASE_URL', () => {
  it('takes a SQLite file or a PostgreSQL database, and names what else it got', () => {
    expect(loadConfig({ ...valid, DATABASE_URL: 'postgres://app:pw@db.example.org:5432/lms' }).databaseUrl).toBe(
      'postgres://app:pw@db.example.org:5432/lms',
    );
    expect(problemsOf({ ...valid, DATABASE_URL: 'mysql://db/app' }).join('\n')).toContain(
      'DATABASE_URL uses "mysql:", which is not supported',
    );
    expect(problemsOf({ ...valid, DATABASE_URL: 'postgres://db.example.org' }).join('\n')).toContain(
      'DATABASE_URL must name a host and a database',
    );
  });
});

describe('METRICS and METRICS_TOKEN', () => {
  it('serve /metrics by default, without a token; off turns it off; a token is kept secret', () => {
    expect(loadConfig(valid).metrics).toEqual({ enabled: true, token: undefined });
    expect(loadConfig({ ...valid, METRICS: 'off' }).metrics.enabled).toBe(false);
    const token = 'abcdefghijklmnop0123';
    const c = loadConfig({ ...valid, METRICS_TOKEN: token });
    expect(c.metrics.token?.reveal()).toBe(token);
    expect(JSON.stringify(c)).not.toContain(token);
  });

  it('names a bad value, without repeating a token', () => {
    const problems = problemsOf({ ...valid, METRICS: 'yes', METRICS_TOKEN: 'short secret' }).join('\n');
    expect(problems).toContain('METRICS must be on or off');
    expect(problems).toContain('METRICS_TOKEN must be at least 16 printable characters');
    expect(problems).not.toContain('short secret');
  });
});

describe('the per-operation policy settings', () => {
  it('default to a reason for deletions, one approver each and a reminder after 24 hours', () => {
    const c = loadConfig(valid);
    expect([...c.reasonRequired]).toEqual(['delete']);
    expect(c.approvalsRequired).toEqual({});
    expect(c.remindAfterHours).toBe(24);
  });

  it('read REASON_REQUIRED, APPROVALS_REQUIRED and REMIND_AFTER_HOURS', () => {
    const c = loadConfig({
      ...valid,
      REASON_REQUIRED: 'none',
      APPROVALS_REQUIRED: 'delete:2, suspend:3',
      REMIND_AFTER_HOURS: '0',
    });
    expect([...c.reasonRequired]).toEqual([]);
    expect(c.approvalsRequired).toEqual({ delete: 2, suspend: 3 });
    expect(c.remindAfterHours).toBe(0);
  });

  it('name every bad value at once', () => {
    const problems = problemsOf({
      ...valid,
      REASON_REQUIRED: 'delete,erase',
      APPROVALS_REQUIRED: 'delete:9,erase:2,suspend:2,suspend:2,create',
      REMIND_AFTER_HOURS: 'soon',
    });
    expect(problems.join('\n')).toContain('REASON_REQUIRED has "erase"');
    expect(problems.join('\n')).toContain('APPROVALS_REQUIRED has "delete:9"; the count must be 1 to 5');
    expect(problems.join('\n')).toContain('APPROVALS_REQUIRED has "erase:2"');
    expect(problems.join('\n')).toContain('APPROVALS_REQUIRED names "suspend" twice');
    expect(problems.join('\n')).toContain('APPROVALS_REQUIRED has "create"');
    expect(problems.join('\n')).toContain('REMIND_AFTER_HOURS must be a whole number');
  });
});
