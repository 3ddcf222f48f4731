// The doctor's capability checks for the user functions. Each probe is one Moodle refuses after its capability
// check even when the capability is there (the guest exists and cannot be updated, user 0 does not exist).
import { MoodleErrorCode } from '../moodle/errors.js';
import type { CheckResult } from './checklist.js';
import { attempt, codeOf, messageOf, type Outcome, ROLES_PAGE } from './doctor-kit.js';
import type { DoctorMoodle } from './moodle-checks.js';

type Verdict = [granted: boolean | undefined, detail: string | undefined];

/** Each probe runs only when its function is in the service, in this order. */
const CAPABILITY_PROBES: ReadonlyArray<{
  wsfunction: string;
  probe: (moodle: DoctorMoodle) => Promise<CheckResult[]>;
}> = [
  { wsfunction: 'core_user_create_users', probe: probeCreate },
  { wsfunction: 'core_user_update_users', probe: probeUpdate },
  { wsfunction: 'core_user_delete_users', probe: probeDelete },
  { wsfunction: 'core_user_get_users_by_field', probe: probeViewDetails },
];

export async function checkCapabilities(moodle: DoctorMoodle, available: ReadonlySet<string>): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const { wsfunction, probe } of CAPABILITY_PROBES) {
    if (available.has(wsfunction)) results.push(...(await probe(moodle)));
  }
  return results;
}

function capability(cap: string, granted: boolean | undefined, detail: string | undefined, why: string): CheckResult {
  const id = `moodle.capability.${cap}`;
  const title = `Capability ${cap}`;
  if (granted === true) return { id, status: 'ok', title };
  if (granted === false)
    return { id, status: 'fail', title, detail: detail ?? why, fix: `${ROLES_PAGE}: allow ${cap}.` };
  return { id, status: 'warn', title, detail: detail ?? 'could not be checked' };
}

/** Granted when the probe got past the capability check: it succeeded or failed with one of `expected`. */
function verdict(outcome: Outcome<unknown>, expected: readonly string[]): Verdict {
  if (outcome.ok) return [true, undefined];
  const code = codeOf(outcome.error);
  if (code === MoodleErrorCode.NoPermissions) return [false, undefined];
  if (code && expected.includes(code)) return [true, undefined];
  return [undefined, `unexpected answer: ${messageOf(outcome.error)}`];
}

async function probeCreate(moodle: DoctorMoodle): Promise<CheckResult[]> {
  // "guest" always exists, so with the capability Moodle refuses the duplicate username (invalidparameter).
  const r = await attempt(() =>
    moodle.createUsers([
      {
        username: 'guest',
        firstname: 'Setup',
        lastname: 'Check',
        email: 'moodle-provisioner-doctor@example.invalid',
        auth: 'manual',
        createpassword: true,
      },
    ]),
  );
  const [granted, detail] = verdict(r, [MoodleErrorCode.InvalidParameter]);
  return [capability('moodle/user:create', granted, detail, 'the app cannot create users')];
}

async function probeUpdate(moodle: DoctorMoodle): Promise<CheckResult[]> {
  // Updating the guest is always refused with a warning, after the capability check.
  const r = await attempt(() => moodle.updateUsers([{ id: 1 }]));
  const [granted, detail] = verdict(r, [MoodleErrorCode.UpdateWarnings]);
  return [capability('moodle/user:update', granted, detail, 'the app cannot update or suspend users')];
}

async function probeDelete(moodle: DoctorMoodle): Promise<CheckResult[]> {
  // No user has id 0: with the capability Moodle answers "Invalid user".
  const r = await attempt(() => moodle.deleteUsers([0]));
  const [granted, detail] = verdict(r, [MoodleErrorCode.InvalidUser]);
  return [capability('moodle/user:delete', granted, detail, 'the app cannot delete users')];
}

async function probeViewDetails(moodle: DoctorMoodle): Promise<CheckResult[]> {
  // Look-ups never throw for missing capabilities: Moodle hides what the caller may not see.
  const byId = await attempt(() => moodle.getUsersByField('id', [1]));
  const byName = await attempt(() => moodle.getUsersByField('username', ['guest']));
  // Without viewalldetails the guest comes back without its username, which the client refuses as a bad
  // response: the record was visible, so viewdetails is there.
  const byIdCode = byId.ok ? undefined : codeOf(byId.error);
  const seesGuest = byId.ok ? byId.value.length > 0 : byIdCode === MoodleErrorCode.BadResponse ? true : undefined;
  const seesUsername = byName.ok ? byName.value.some((u) => u.username === 'guest') : undefined;
  return [
    capability(
      'moodle/user:viewdetails',
      seesGuest,
      byId.ok || seesGuest ? undefined : messageOf(byId.error),
      'look-ups return nothing, so existing accounts cannot be found',
    ),
    capability(
      'moodle/user:viewalldetails',
      seesUsername,
      byName.ok ? undefined : messageOf(byName.error),
      'look-ups by username return nothing, so a duplicate username would not be seen before asking',
    ),
  ];
}
