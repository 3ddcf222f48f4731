// The doctor's enrolment checks against the fake Moodle: functions, capabilities and the roles of ROLE_IDS, each
// ✗ naming its admin page, and probes that change nothing (enrolments, roles and cohort members stay as they were).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { doctorFactories } from '../../src/cli/doctor.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { ENROLMENT_FUNCTIONS, type FakeMoodle, startFakeMoodle, USER_FUNCTIONS } from '../fakes/fake-moodle/index.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { doctorEnv } from './doctor-env.js';

let moodle: FakeMoodle;
let slack: FakeSlack;

beforeAll(async () => {
  moodle = await startFakeMoodle();
  slack = await FakeSlack.start();
});
afterAll(async () => {
  await moodle.close();
  await slack.close();
});
beforeEach(() => {
  moodle.reset();
  slack.reset();
});

async function check(overrides: Record<string, string | undefined> = {}) {
  const report = await runDoctor(doctorEnv(moodle, slack, overrides), doctorFactories);
  const byId = new Map(report.results.map((r) => [r.id, r]));
  return { report, byId, failed: report.results.filter((r) => r.status === 'fail').map((r) => r.id) };
}

/** What the probes could change if they were not refused or rolled back. */
function learningState(): string {
  const { enrolments, courseRoles, members } = moodle.site.catalogue;
  return JSON.stringify({ enrolments, courseRoles, members });
}

describe('doctor: enrolments', () => {
  it('passes every enrolment check on a complete site, and changes nothing', async () => {
    moodle.site.catalogue.members.push({ cohortid: 1, userid: 3 });
    const before = learningState();
    const { report, byId } = await check();
    expect(report.results.filter((r) => r.status !== 'ok')).toEqual([]);
    for (const id of [
      ...ENROLMENT_FUNCTIONS.map((f) => `moodle.function.${f}`),
      'moodle.capability.moodle/course:view',
      'moodle.capability.enrol/manual:enrol',
      'moodle.capability.enrol/manual:unenrol',
      'moodle.capability.moodle/cohort:view',
      'moodle.capability.moodle/cohort:assign',
      'moodle.role.student',
      'moodle.role.teacher',
      'moodle.role.editingteacher',
    ]) {
      expect(byId.get(id)?.status, id).toBe('ok');
    }
    expect(learningState()).toBe(before);
    const probes = moodle.calls.filter((c) => /enrol_users$|delete_cohort_members$/.test(c.wsfunction));
    expect(
      probes.map((c) => [c.wsfunction, c.params['enrolments[0][courseid]'] ?? c.params['members[1][cohortid]']]),
    ).toEqual([
      ['enrol_manual_enrol_users', '1'],
      ['enrol_manual_enrol_users', '1'],
      ['enrol_manual_enrol_users', '1'],
      ['enrol_manual_unenrol_users', '1'],
      ['core_cohort_delete_cohort_members', '0'],
    ]);
  });

  it('a role the token user may not assign, or an id no role has: ✗ naming Allow role assignments and ROLE_IDS', async () => {
    const { failed, byId } = await check({ ROLE_IDS: 'student:5,manager:1,ghost:999' });
    expect(failed).toEqual(['moodle.role.manager', 'moodle.role.ghost']);
    expect(byId.get('moodle.role.manager')?.fix).toContain('Allow role assignments: tick manager');
    expect(byId.get('moodle.role.ghost')?.fix).toContain('correct ROLE_IDS');
    expect(byId.get('moodle.role.student')?.status).toBe('ok');
  });

  it('no moodle/role:assign: every role ✗', async () => {
    moodle.site.removeCapability('moodle/role:assign');
    const { failed } = await check();
    expect(failed).toEqual(['moodle.role.student', 'moodle.role.teacher', 'moodle.role.editingteacher']);
  });

  it.each([
    ['enrol/manual:enrol'],
    ['enrol/manual:unenrol'],
    ['moodle/course:view'],
    ['moodle/cohort:view'],
    ['moodle/cohort:assign'],
  ])('a missing capability %s: its own ✗ naming Define roles', async (cap) => {
    moodle.site.removeCapability(cap);
    const { failed, byId } = await check();
    expect(failed).toEqual([`moodle.capability.${cap}`]);
    expect(byId.get(`moodle.capability.${cap}`)?.fix).toContain(`Define roles > (the web-service role): allow ${cap}`);
  });

  it('no enrolment function in the service: one warning, the doctor still passes', async () => {
    moodle.site.setServiceFunctions('user_creation', USER_FUNCTIONS);
    const { report, byId } = await check();
    expect(report.ok).toBe(true);
    expect(byId.get('moodle.enrolment')?.status).toBe('warn');
    expect(byId.get('moodle.enrolment')?.fix).toContain('enrol_manual_enrol_users');
    expect([...byId.keys()].filter((id) => id.startsWith('moodle.role.'))).toEqual([]);
  });

  it('one enrolment function missing: a warning naming the Functions page', async () => {
    moodle.site.setServiceFunctions(
      'user_creation',
      [...USER_FUNCTIONS, ...ENROLMENT_FUNCTIONS].filter((f) => f !== 'core_cohort_add_cohort_members'),
    );
    const { report, byId } = await check();
    expect(report.ok).toBe(true);
    const result = byId.get('moodle.function.core_cohort_add_cohort_members');
    expect(result?.status).toBe('warn');
    expect(result?.fix).toContain('External services > (your service) > Functions');
  });

  it('an invalid ROLE_IDS: ✗ settings, and the roles are not probed', async () => {
    const { failed, byId } = await check({ ROLE_IDS: 'student' });
    expect(failed).toEqual(['settings']);
    expect(byId.get('moodle.roles')?.status).toBe('skip');
    expect(byId.get('moodle.capability.enrol/manual:unenrol')?.status).toBe('ok');
  });
});
