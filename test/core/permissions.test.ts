import { describe, expect, it } from 'vitest';
import type { Config, RoleEntry } from '../../src/config.js';
import { createManualClock } from '../../src/core/clock.js';
import {
  createPermissions,
  DirectoryError,
  type DirectoryUser,
  type Role,
  type SlackDirectory,
} from '../../src/core/permissions.js';

const person = (id: string, flags: Partial<DirectoryUser> = {}): DirectoryUser => ({
  id,
  isAdmin: false,
  isOwner: false,
  isBot: false,
  isDeleted: false,
  isRestricted: false,
  isUltraRestricted: false,
  ...flags,
});

/** An in-memory directory that counts calls and can be made to fail. */
function fakeDirectory(
  users: DirectoryUser[],
  groups: Record<string, string[]> = {},
  failures: { user?: DirectoryError; group?: Record<string, DirectoryError> } = {},
) {
  const calls = { getUser: [] as string[], getGroupMembers: [] as string[] };
  const gates: Array<() => void> = [];
  let gated = false;
  const directory: SlackDirectory = {
    async getUser(id) {
      calls.getUser.push(id);
      if (failures.user) throw failures.user;
      const user = users.find((u) => u.id === id);
      if (!user) throw new DirectoryError('user_not_found', `no ${id}`);
      return user;
    },
    async getGroupMembers(id) {
      calls.getGroupMembers.push(id);
      if (gated) await new Promise<void>((resolve) => gates.push(resolve));
      const failure = failures.group?.[id];
      if (failure) throw failure;
      return groups[id] ?? [];
    },
  };
  return {
    directory,
    calls,
    holdGroupLookups: () => {
      gated = true;
    },
    releaseGroupLookups: () => {
      gated = false;
      for (const open of gates.splice(0)) open();
    },
  };
}

const roles = (r: Partial<Record<'requesters' | 'approvers' | 'admins', RoleEntry[]>>): Config['roles'] => ({
  requesters: r.requesters ?? [],
  approvers: r.approvers ?? [],
  admins: r.admins ?? [],
});

const ALL_ROLES: Role[] = ['requester', 'approver', 'admin'];

describe('createPermissions: role kinds', () => {
  it('user ids grant the role without asking Slack', async () => {
    const fake = fakeDirectory([]);
    const permissions = createPermissions(roles({ approvers: [{ kind: 'user', id: 'UAPPROVER' }] }), fake.directory);
    expect(await permissions.check('UAPPROVER', 'approver')).toEqual({ ok: true });
    expect(fake.calls.getUser).toEqual([]);
    expect(fake.calls.getGroupMembers).toEqual([]);
  });

  it('a user not listed is refused with the role, the setting and who grants it', async () => {
    const fake = fakeDirectory([person('UOTHER')]);
    const permissions = createPermissions(roles({ approvers: [{ kind: 'user', id: 'UAPPROVER' }] }), fake.directory);
    expect(await permissions.check('UOTHER', 'approver')).toEqual({
      ok: false,
      reason:
        'You need to be an approver for this. Ask your Moodle provisioner admin to add you (or a user group you are in) to SLACK_APPROVERS.',
    });
    const admin = await permissions.check('UOTHER', 'admin');
    expect(!admin.ok && admin.reason).toContain('SLACK_ADMINS');
    const requester = await permissions.check('UOTHER', 'requester');
    expect(!requester.ok && requester.reason).toContain('to be a requester');
    expect(!requester.ok && requester.reason).toContain('SLACK_REQUESTERS');
  });

  it('an entry grants by its kind: a group is never taken for a user id, even with the same id', async () => {
    const fake = fakeDirectory([], { UA: ['UB'] });
    const permissions = createPermissions(roles({ approvers: [{ kind: 'group', id: 'UA' }] }), fake.directory);
    expect((await permissions.check('UA', 'approver')).ok).toBe(false);
    expect(await permissions.check('UB', 'approver')).toEqual({ ok: true });
  });

  it('groups grant the role to their members only', async () => {
    const fake = fakeDirectory([], { SLMS: ['UA', 'UB'] });
    const permissions = createPermissions(roles({ approvers: [{ kind: 'group', id: 'SLMS' }] }), fake.directory);
    expect(await permissions.check('UA', 'approver')).toEqual({ ok: true });
    expect((await permissions.check('UC', 'approver')).ok).toBe(false);
  });

  it('workspace_admins: admins and owners, never guests, bots or deactivated accounts', async () => {
    const fake = fakeDirectory([
      person('UADMIN', { isAdmin: true }),
      person('UOWNER', { isOwner: true }),
      person('UMEMBER'),
      person('UGUESTADMIN', { isAdmin: true, isRestricted: true }),
      person('USINGLE', { isOwner: true, isUltraRestricted: true }),
      person('UBOT', { isAdmin: true, isBot: true }),
      person('UGONE', { isAdmin: true, isDeleted: true }),
    ]);
    const permissions = createPermissions(roles({ admins: [{ kind: 'workspace_admins' }] }), fake.directory);
    const granted = async (id: string) => (await permissions.check(id, 'admin')).ok;
    expect(await granted('UADMIN')).toBe(true);
    expect(await granted('UOWNER')).toBe(true);
    for (const id of ['UMEMBER', 'UGUESTADMIN', 'USINGLE', 'UBOT', 'UGONE']) expect(await granted(id), id).toBe(false);
  });

  it('everyone: all active members, not guests, bots or deactivated accounts; guests are told why', async () => {
    const fake = fakeDirectory([
      person('UMEMBER'),
      person('UGUEST', { isRestricted: true }),
      person('UBOT', { isBot: true }),
      person('UGONE', { isDeleted: true }),
    ]);
    const permissions = createPermissions(roles({ requesters: [{ kind: 'everyone' }] }), fake.directory);
    expect(await permissions.check('UMEMBER', 'requester')).toEqual({ ok: true });
    const guest = await permissions.check('UGUEST', 'requester');
    expect(guest.ok).toBe(false);
    expect(!guest.ok && guest.reason).toContain('Guest accounts are not included in "everyone"');
    expect((await permissions.check('UBOT', 'requester')).ok).toBe(false);
    expect((await permissions.check('UGONE', 'requester')).ok).toBe(false);
  });

  it('a guest listed by user id is allowed', async () => {
    const fake = fakeDirectory([person('UGUEST', { isRestricted: true })]);
    const permissions = createPermissions(
      roles({ requesters: [{ kind: 'everyone' }, { kind: 'user', id: 'UGUEST' }] }),
      fake.directory,
    );
    expect(await permissions.check('UGUEST', 'requester')).toEqual({ ok: true });
  });

  it('workspace_admins still grants admins when the setting also lists user ids and groups', async () => {
    const fake = fakeDirectory([person('UADMIN', { isAdmin: true })], { SLMS: ['UA'] });
    const permissions = createPermissions(
      roles({ admins: [{ kind: 'user', id: 'UB' }, { kind: 'workspace_admins' }, { kind: 'group', id: 'SLMS' }] }),
      fake.directory,
    );
    expect(await permissions.check('UADMIN', 'admin')).toEqual({ ok: true });
  });

  it('asks Slack only what the setting needs: no user record without everyone or workspace_admins, no group look-up for ids', async () => {
    const fake = fakeDirectory([person('UOTHER')], { SLMS: ['UA'] });
    const permissions = createPermissions(
      roles({
        approvers: [
          { kind: 'user', id: 'UB' },
          { kind: 'group', id: 'SLMS' },
        ],
        requesters: [{ kind: 'everyone' }],
      }),
      fake.directory,
    );
    expect((await permissions.check('UOTHER', 'approver')).ok).toBe(false);
    expect(fake.calls.getUser).toEqual([]);
    expect(fake.calls.getGroupMembers).toEqual(['SLMS']);
    // "everyone" needs the user's record, never a group look-up.
    expect(await permissions.check('UOTHER', 'requester')).toEqual({ ok: true });
    expect(fake.calls.getUser).toEqual(['UOTHER']);
    expect(fake.calls.getGroupMembers).toEqual(['SLMS']);
  });

  it('approvers and admins are implicitly requesters; neither implies the other', async () => {
    const fake = fakeDirectory([]);
    const permissions = createPermissions(
      roles({
        requesters: [{ kind: 'user', id: 'UREQ' }],
        approvers: [{ kind: 'user', id: 'UAPP' }],
        admins: [{ kind: 'user', id: 'UADM' }],
      }),
      fake.directory,
    );
    expect(await permissions.rolesOf('UREQ')).toEqual(new Set(['requester']));
    expect(await permissions.rolesOf('UAPP')).toEqual(new Set(['requester', 'approver']));
    expect(await permissions.rolesOf('UADM')).toEqual(new Set(['requester', 'admin']));
    expect(await permissions.rolesOf('UNOBODY')).toEqual(new Set());
  });

  it('rolesOf combines every kind', async () => {
    const fake = fakeDirectory([person('UBOSS', { isAdmin: true })], { SAPP: ['UBOSS'] });
    const permissions = createPermissions(
      roles({
        requesters: [{ kind: 'everyone' }],
        approvers: [{ kind: 'group', id: 'SAPP' }],
        admins: [{ kind: 'workspace_admins' }],
      }),
      fake.directory,
    );
    expect(await permissions.rolesOf('UBOSS')).toEqual(new Set(ALL_ROLES));
  });
});

describe('createPermissions: directory failures become refusals', () => {
  const groupRoles = roles({ approvers: [{ kind: 'group', id: 'SPAID' }] });

  it('plan_upgrade_required says user groups need a paid Slack plan', async () => {
    const fake = fakeDirectory([], {}, { group: { SPAID: new DirectoryError('plan_upgrade_required', 'paid plan') } });
    const result = await createPermissions(groupRoles, fake.directory).check('UA', 'approver');
    expect(result).toEqual({
      ok: false,
      reason:
        'I could not check whether you are an approver: SLACK_APPROVERS lists a Slack user group, and user groups need a paid Slack plan. Ask your Moodle provisioner admin to list user ids in SLACK_APPROVERS instead.',
    });
  });

  it('missing_scope names the scope', async () => {
    const fake = fakeDirectory(
      [],
      {},
      { group: { SPAID: new DirectoryError('missing_scope', 'scope', { scope: 'usergroups:read' }) } },
    );
    const result = await createPermissions(groupRoles, fake.directory).check('UA', 'approver');
    expect(!result.ok && result.reason).toContain('lacks the usergroups:read permission');
  });

  it('missing_scope without a scope name still says a permission is missing', async () => {
    const fake = fakeDirectory([], {}, { group: { SPAID: new DirectoryError('missing_scope', 'scope') } });
    const result = await createPermissions(groupRoles, fake.directory).check('UA', 'approver');
    expect(!result.ok && result.reason).toContain('the Slack app lacks the needed permission (scope)');
  });

  it('group_not_found, user_not_found and other failures each get their own sentence', async () => {
    const notFound = fakeDirectory([], {}, { group: { SPAID: new DirectoryError('group_not_found', 'gone') } });
    const a = await createPermissions(groupRoles, notFound.directory).check('UA', 'approver');
    expect(!a.ok && a.reason).toContain('lists a user group that Slack does not know');

    const noUser = fakeDirectory([]);
    const b = await createPermissions(roles({ requesters: [{ kind: 'everyone' }] }), noUser.directory).check(
      'UX',
      'requester',
    );
    expect(!b.ok && b.reason).toBe(
      "I could not check whether you are a requester: Slack does not know your account to this app. Ask your Moodle provisioner admin to check the app's installation.",
    );

    const down = fakeDirectory([], {}, { user: new DirectoryError('unavailable', 'timeout') });
    const c = await createPermissions(roles({ admins: [{ kind: 'workspace_admins' }] }), down.directory).check(
      'UX',
      'admin',
    );
    expect(!c.ok && c.reason).toBe(
      'I could not check whether you are an admin of the Moodle provisioner: Slack did not answer. Please try again in a minute.',
    );
  });

  it('a port that throws something else is still a refusal, not a rejection', async () => {
    const directory: SlackDirectory = {
      getUser: async () => {
        throw new TypeError('boom');
      },
      getGroupMembers: async () => {
        throw 'not even an error';
      },
    };
    const permissions = createPermissions(
      roles({ requesters: [{ kind: 'everyone' }, { kind: 'group', id: 'SX' }] }),
      directory,
    );
    const result = await permissions.check('UA', 'requester');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('Slack did not answer');
    expect(await permissions.rolesOf('UA')).toEqual(new Set());
  });

  it("only a DirectoryError's code is trusted: a foreign error with a look-alike code reads as Slack not answering", async () => {
    const directory: SlackDirectory = {
      getUser: async () => person('UA'),
      getGroupMembers: async () => {
        throw Object.assign(new Error('An API error occurred: missing_scope'), { code: 'missing_scope' });
      },
    };
    const result = await createPermissions(groupRoles, directory).check('UA', 'approver');
    expect(!result.ok && result.reason).toContain('Slack did not answer');
  });

  it('a role list that cannot even be read is a refusal, never a grant (fail closed)', async () => {
    const broken = {
      requesters: [],
      admins: [],
      get approvers(): RoleEntry[] {
        throw new TypeError('not a list');
      },
    };
    const result = await createPermissions(broken, fakeDirectory([]).directory).check('UA', 'approver');
    expect(result).toEqual({
      ok: false,
      reason: 'I could not check whether you are an approver: Slack did not answer. Please try again in a minute.',
    });
  });

  it('prints as a DirectoryError in logs', () => {
    expect(String(new DirectoryError('missing_scope', 'no scope'))).toBe('DirectoryError: no scope');
  });

  it('a failing group does not hide a grant from another entry', async () => {
    const fake = fakeDirectory(
      [],
      { SOK: ['UA'] },
      { group: { SPAID: new DirectoryError('plan_upgrade_required', 'x') } },
    );
    const permissions = createPermissions(
      roles({
        approvers: [
          { kind: 'group', id: 'SPAID' },
          { kind: 'group', id: 'SOK' },
        ],
      }),
      fake.directory,
    );
    expect(await permissions.check('UA', 'approver')).toEqual({ ok: true });
  });

  it('failures are not cached: the next check asks again', async () => {
    const failures: { group?: Record<string, DirectoryError> } = {
      group: { SG: new DirectoryError('unavailable', 'x') },
    };
    const fake = fakeDirectory([], { SG: ['UA'] }, failures);
    const permissions = createPermissions(roles({ approvers: [{ kind: 'group', id: 'SG' }] }), fake.directory);
    expect((await permissions.check('UA', 'approver')).ok).toBe(false);
    delete failures.group;
    expect(await permissions.check('UA', 'approver')).toEqual({ ok: true });
    expect(fake.calls.getGroupMembers).toEqual(['SG', 'SG']);
  });
});

describe('createPermissions: caching', () => {
  it('reuses group members until the TTL passes, then asks Slack again', async () => {
    const clock = createManualClock();
    const groups = { SG: ['UA'] };
    const fake = fakeDirectory([], groups);
    const permissions = createPermissions(roles({ approvers: [{ kind: 'group', id: 'SG' }] }), fake.directory, {
      cacheTtlMs: 60_000,
      clock,
    });
    expect((await permissions.check('UA', 'approver')).ok).toBe(true);
    groups.SG = ['UB'];
    clock.advance(59_999);
    expect((await permissions.check('UA', 'approver')).ok).toBe(true);
    expect(fake.calls.getGroupMembers).toHaveLength(1);
    clock.advance(1);
    expect((await permissions.check('UA', 'approver')).ok).toBe(false);
    expect((await permissions.check('UB', 'approver')).ok).toBe(true);
    expect(fake.calls.getGroupMembers).toHaveLength(2);
  });

  it('caches user look-ups with the same TTL (5 minutes by default)', async () => {
    const clock = createManualClock();
    const fake = fakeDirectory([person('UA', { isAdmin: true })]);
    const permissions = createPermissions(roles({ admins: [{ kind: 'workspace_admins' }] }), fake.directory, { clock });
    await permissions.check('UA', 'admin');
    clock.advance(5 * 60_000 - 1);
    await permissions.check('UA', 'admin');
    expect(fake.calls.getUser).toEqual(['UA']);
    clock.advance(1);
    await permissions.check('UA', 'admin');
    expect(fake.calls.getUser).toEqual(['UA', 'UA']);
  });

  it('coalesces concurrent look-ups of the same group into one call', async () => {
    const fake = fakeDirectory([], { SG: ['U1', 'U3'] });
    const permissions = createPermissions(roles({ approvers: [{ kind: 'group', id: 'SG' }] }), fake.directory);
    fake.holdGroupLookups();
    const pending = ['U1', 'U2', 'U3', 'U1'].map((id) => permissions.check(id, 'approver'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.calls.getGroupMembers).toEqual(['SG']);
    fake.releaseGroupLookups();
    expect((await Promise.all(pending)).map((r) => r.ok)).toEqual([true, false, true, true]);
    expect(fake.calls.getGroupMembers).toEqual(['SG']);
  });

  it('a coalesced failure reaches every waiting caller as a refusal', async () => {
    const fake = fakeDirectory([], {}, { group: { SG: new DirectoryError('plan_upgrade_required', 'x') } });
    const permissions = createPermissions(roles({ approvers: [{ kind: 'group', id: 'SG' }] }), fake.directory);
    fake.holdGroupLookups();
    const pending = [permissions.check('U1', 'approver'), permissions.check('U2', 'approver')];
    await new Promise((resolve) => setImmediate(resolve));
    fake.releaseGroupLookups();
    for (const result of await Promise.all(pending)) {
      expect(!result.ok && result.reason).toContain('paid Slack plan');
    }
    expect(fake.calls.getGroupMembers).toEqual(['SG']);
  });
});
