// Which requests belong to the installed workspace: the team for a workspace install, the enterprise for an
// org-wide one; anything unknown is not ours.
import { describe, expect, it } from 'vitest';
import { isFromInstalledWorkspace, readInstalledWorkspace } from '../../src/slack/workspace-guard.js';

describe('readInstalledWorkspace', () => {
  it('reads the team, or the enterprise of an org-wide install, from auth.test', () => {
    expect(readInstalledWorkspace({ team_id: 'T1', is_enterprise_install: false })).toEqual({
      teamId: 'T1',
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(readInstalledWorkspace({ team_id: 'T1', enterprise_id: 'E1', is_enterprise_install: true })).toMatchObject({
      enterpriseId: 'E1',
      isEnterpriseInstall: true,
    });
  });

  it('gives nothing when auth.test names no workspace to compare with', () => {
    expect(readInstalledWorkspace({})).toBeUndefined();
    expect(readInstalledWorkspace({ team_id: '' })).toBeUndefined();
    expect(readInstalledWorkspace({ team_id: 'T1', is_enterprise_install: true })).toBeUndefined();
  });
});

describe('isFromInstalledWorkspace', () => {
  const team = { teamId: 'T1', enterpriseId: 'E1', isEnterpriseInstall: false };
  const org = { teamId: 'T1', enterpriseId: 'E1', isEnterpriseInstall: true };

  it('a workspace install takes its own team only, whatever the enterprise', () => {
    expect(isFromInstalledWorkspace(team, { teamId: 'T1', enterpriseId: 'E1' })).toBe(true);
    expect(isFromInstalledWorkspace(team, { teamId: 'T1' })).toBe(true);
    expect(isFromInstalledWorkspace(team, { teamId: 'T2', enterpriseId: 'E1' })).toBe(false);
    expect(isFromInstalledWorkspace(team, {})).toBe(false);
  });

  it('an org-wide install takes every team of its enterprise and no other', () => {
    expect(isFromInstalledWorkspace(org, { teamId: 'T9', enterpriseId: 'E1' })).toBe(true);
    expect(isFromInstalledWorkspace(org, { teamId: 'T1', enterpriseId: 'E2' })).toBe(false);
    expect(isFromInstalledWorkspace(org, { teamId: 'T1' })).toBe(false);
  });
});
