// Every message and view the app can produce, built by the app's own builders from hostile and very long values:
// the corpus that block-kit-limits.test.ts checks against Slack's limits. A new surface is added here (one entry in
// MESSAGES or VIEWS) and is then checked with the rest.
import type { types } from '@slack/bolt';
import { viewAccount } from '../../src/core/account-view.js';
import type { AuditEvent } from '../../src/core/audit.js';
import { type MoodleUser, PROFILE_FIELDS } from '../../src/core/moodle-gateway.js';
import type { RequestPayload } from '../../src/core/operations/registry.js';
import type { RequestEvent, SubmitOutcome } from '../../src/core/provisioning.js';
import {
  REQUEST_STATUSES,
  type RequestOperation,
  type RequestRecord,
  type RequestStatus,
} from '../../src/core/requests.js';
import { FIELD_MAX_LENGTHS } from '../../src/core/user-record.js';
import type { DoctorReport } from '../../src/doctor/checklist.js';
import {
  buildApprovalCard,
  buildNotificationLine,
  buildRequesterMessage,
} from '../../src/slack/blocks/approval-card.js';
import {
  buildArgumentProblemsReply,
  buildCreateReply,
  buildCreateResultView,
} from '../../src/slack/blocks/create-result.js';
import {
  buildApproveModal,
  buildDecisionRefusedView,
  buildRejectModal,
} from '../../src/slack/blocks/decision-modals.js';
import { buildDeleteUserModal } from '../../src/slack/blocks/delete-user-modal.js';
import { buildDoctorReport } from '../../src/slack/blocks/doctor-report.js';
import { buildEditUserModal, buildLoadingModal, buildNoticeModal } from '../../src/slack/blocks/edit-user-modal.js';
import { buildFindUserModal, buildFoundUserModal } from '../../src/slack/blocks/find-user-modal.js';
import { buildAddUserHelp, buildUnknownSubcommand, buildUserHelp } from '../../src/slack/blocks/help.js';
import { buildHomeView } from '../../src/slack/blocks/home-tab.js';
import {
  buildMembershipModal,
  MEMBERSHIP_ACTIONS,
  type MembershipAction,
} from '../../src/slack/blocks/membership-modal.js';
import { buildCheckingView, buildNewUserModal } from '../../src/slack/blocks/new-user-modal.js';
import { buildReminder } from '../../src/slack/blocks/reminder.js';
import { buildRequestsList } from '../../src/slack/blocks/requests-list.js';
import {
  buildAccountChoice,
  buildChangeReply,
  buildNotice,
  buildProblems,
  buildRefusal,
  buildUserCard,
} from '../../src/slack/blocks/user-card.js';
import { makeRequest } from './approval-fixtures.js';
import { type Hostile, moreMessages, moreViews } from './block-kit-surfaces-more.js';

/** Everything Slack reads as markup, a mention, a link, an entity and a quote, in one value. */
export const HOSTILE =
  '<!channel> & <@U999> *b* _i_ `c` ~s~ :white_check_mark: > q\n- l <https://evil.example|x> &amp;';
/** Longer than any limit Slack has for one text. */
export const LONG = `${HOSTILE} ${'y'.repeat(6000)}`;
const MOODLE = 'https://lms.example.org';

const course = { id: 3, shortname: HOSTILE, fullname: LONG };
const cohort = { id: 4, idnumber: HOSTILE, name: LONG };
const enrolment = { course, role: { shortname: HOSTILE, id: 5 }, from: '2026-01-01', until: '2027-01-01' };

/** A payload of every operation, as full and as hostile as its schema allows. Keyed by the registry's names. */
export const SAMPLE_PAYLOADS: Record<RequestOperation, RequestPayload> = {
  create: {
    operation: 'create',
    user: {
      ...Object.fromEntries(PROFILE_FIELDS.map((f) => [f, LONG])),
      auth: 'oauth2',
      country: 'DE',
      lang: 'pt_br',
      timezone: '99',
    } as Extract<RequestPayload, { operation: 'create' }>['user'],
    enrolments: Array.from({ length: 40 }, () => enrolment),
    cohorts: Array.from({ length: 40 }, () => cohort),
  },
  update: { operation: 'update', changes: PROFILE_FIELDS.map((field) => ({ field, before: LONG, after: HOSTILE })) },
  suspend: { operation: 'suspend' },
  unsuspend: { operation: 'unsuspend' },
  delete: { operation: 'delete' },
  enrol: { operation: 'enrol', enrolment },
  unenrol: { operation: 'unenrol', course },
  cohort_add: { operation: 'cohort_add', cohort },
  cohort_remove: { operation: 'cohort_remove', cohort },
  expire: { operation: 'expire', end: { until: HOSTILE, endAt: '2027-07-01T00:00:00.000Z' } },
  extend: { operation: 'extend', end: { until: LONG, endAt: '2027-07-01T00:00:00.000Z' } },
  import: {
    operation: 'import',
    fileName: LONG.slice(0, 255),
    sha256: 'a'.repeat(64),
    mode: 'create_or_update',
    rows: 100_000,
    counts: { create: 90_000, update: 5000, unchanged: 1000, invalid: 2000, duplicate: 1000, exists: 1000 },
    courses: Array.from({ length: 60 }, (_, i) => ({ id: i, shortname: LONG, enrolments: 1000 })),
    cohorts: Array.from({ length: 60 }, (_, i) => ({ id: i, name: LONG, members: 1000 })),
  },
};

const at = new Date('2026-03-02T09:00:00Z');
const failure = { ok: false as const, code: 'moodle_exception', message: LONG, hint: LONG, outcomeUnknown: true };
const STATE: Record<RequestStatus, Partial<RequestRecord>> = {
  pending: { approvalsNeeded: 3, approvals: [{ by: 'U0APP1', at, comment: LONG }] },
  approved: { decidedBy: 'U0APP', decidedAt: at },
  executing: { decidedBy: 'U0APP', decidedAt: at, attempts: 1 },
  succeeded: { decidedBy: 'U0APP', decidedAt: at, result: { ok: true, moodleId: 42 }, decisionComment: LONG },
  failed: { decidedBy: 'U0APP', decidedAt: at, attempts: 7, result: failure, decisionComment: LONG },
  rejected: { decidedBy: 'U0APP', decidedAt: at, decisionComment: LONG },
  cancelled: { decidedBy: 'U0REQ', decidedAt: at },
  expired: { decidedAt: at },
};

/** A request of `operation` in `status`, with every free text hostile and long. */
let ids = 0;
/** A request id of its own for every request made here, as the store gives (lists key blocks on it). */
function nextId(): string {
  ids += 1;
  const alphabet = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
  let id = '';
  for (let n = ids, i = 0; i < 6; i++, n = Math.floor(n / 30)) id = alphabet[n % 30] + id;
  return `R-${id}`;
}

export function hostileRequest(operation: RequestOperation, status: RequestStatus): RequestRecord {
  return makeRequest({
    id: nextId(),
    operation,
    status,
    ...STATE[status],
    payload: SAMPLE_PAYLOADS[operation],
    target: { moodleId: 6, username: LONG, email: LONG },
    reason: LONG,
    corrections: PROFILE_FIELDS.map((field) => ({ field, before: LONG, after: HOSTILE })),
    preflight: {
      checked: status !== 'expired',
      notes: [LONG, HOSTILE],
      conflicts: Array.from({ length: 20 }, (_, i) => ({
        moodleId: i,
        username: LONG,
        email: LONG,
        matchedOn: 'email' as const,
      })),
      account: { fullname: LONG, username: LONG, email: LONG, suspended: true, lastaccess: 1_700_000_000 },
    },
  });
}

export const EVENTS: readonly RequestEvent[] = ['executed', 'failed', 'rejected', 'expired', 'cancelled'];

/** Hostile text as long as Moodle's column for `field` holds: what an account read from Moodle can carry. */
const moodleText = (field: keyof typeof FIELD_MAX_LENGTHS) => LONG.slice(0, FIELD_MAX_LENGTHS[field]);

const hostileUser: MoodleUser = {
  id: 6,
  username: moodleText('username'),
  firstname: moodleText('firstname'),
  lastname: moodleText('lastname'),
  fullname: `${moodleText('firstname')} ${moodleText('lastname')}`,
  email: moodleText('email'),
  auth: moodleText('auth'),
  suspended: true,
  confirmed: false,
  ...Object.fromEntries(PROFILE_FIELDS.slice(5).map((f) => [f, moodleText(f)])),
  country: 'ZZ',
  lastaccess: 1_700_000_000,
  firstaccess: 0,
};

type Message = string | { text?: unknown; blocks?: unknown };
type View = types.ModalView | types.HomeView;

/** Every request message: card (every operation × status), DM and notification (every event), reminder. */
function requestMessages(): Array<[string, Message]> {
  const out: Array<[string, Message]> = [];
  for (const operation of Object.keys(SAMPLE_PAYLOADS) as RequestOperation[]) {
    for (const status of REQUEST_STATUSES) {
      const request = hostileRequest(operation, status);
      out.push([`card ${operation} ${status}`, buildApprovalCard(request, { moodleUrl: MOODLE })]);
    }
    const request = hostileRequest(operation, 'failed');
    for (const event of EVENTS) {
      const options = { moodleUrl: MOODLE, passwordMode: 'generate' as const, approvalChannel: 'C0APPROVALS' };
      out.push([`DM ${operation} ${event}`, buildRequesterMessage(request, event, options)]);
      out.push([`notification ${operation} ${event}`, buildNotificationLine(request, event, options)]);
    }
    const approvers = [
      { kind: 'user' as const, id: 'U0APP' },
      { kind: 'group' as const, id: 'S0GROUP' },
    ];
    out.push([`reminder ${operation}`, buildReminder(hostileRequest(operation, 'pending'), approvers)]);
  }
  return out;
}

function outcomes(): Array<[string, SubmitOutcome]> {
  const request = hostileRequest('create', 'failed');
  const execution = { request, moodleId: 42, username: LONG, profileUrl: `${MOODLE}/user/profile.php?id=42` };
  const conflicts = Array.from({ length: 60 }, (_, i) => ({
    moodleId: i,
    username: LONG,
    email: LONG,
    matchedOn: 'username' as const,
  }));
  return [
    ['refused', { kind: 'refused', reason: LONG, inFlight: 'R-7K3QX9' }],
    ['invalid', { kind: 'invalid', problems: Array.from({ length: 80 }, () => ({ field: 'email', message: LONG })) }],
    ['exists', { kind: 'exists', message: LONG, conflicts }],
    ['unavailable', { kind: 'unavailable', message: LONG }],
    ['pending', { kind: 'pending', request: hostileRequest('create', 'pending'), cardNotPosted: true }],
    ['executed', { kind: 'executed', execution }],
    ['failed', { kind: 'failed', execution, failure: { ...failure, moodleId: 42 } }],
  ];
}

function replies(): Array<[string, Message]> {
  const context = { moodleUrl: MOODLE, approvalChannel: 'C0APPROVALS', input: { email: LONG } };
  const out: Array<[string, Message]> = outcomes().map(([k, o]) => [`create reply ${k}`, buildCreateReply(o, context)]);
  for (const [k, o] of outcomes()) out.push([`change reply ${k}`, buildChangeReply(o, 'suspend', LONG)]);
  out.push(['argument problems', buildArgumentProblemsReply(Array.from({ length: 80 }, () => LONG))]);
  out.push([
    'user card full',
    buildUserCard(viewAccount(hostileUser, true), {
      profileUrl: `${MOODLE}/x`,
      protection: { protected: true, reason: LONG },
      courses: Array.from({ length: 50 }, (_, i) => ({ id: i, shortname: LONG, fullname: LONG })),
    }),
  ]);
  out.push(['user card summary', buildUserCard(viewAccount(hostileUser, false), { profileUrl: `${MOODLE}/x` })]);
  out.push([
    'account choice',
    buildAccountChoice(
      LONG,
      Array.from({ length: 40 }, () => hostileUser),
    ),
  ]);
  out.push(['notice', buildNotice(LONG, ':warning:', 'Usage: `/moodle-user show <user>`')]);
  out.push(['refusal', buildRefusal(`${LONG} Ask <@U0ADMIN>.`)]);
  out.push([
    'problems',
    buildProblems(
      'Fix <these>:',
      Array.from({ length: 60 }, () => ({ field: 'email', message: LONG })),
    ),
  ]);
  out.push(['help adduser', buildAddUserHelp()]);
  out.push(['help user', buildUserHelp()]);
  out.push(['unknown subcommand', buildUnknownSubcommand('/moodle-user', LONG, buildUserHelp())]);
  out.push(['did you mean', buildUnknownSubcommand('/moodle-user', 'shwo', buildUserHelp(), ['show', 'update'])]);
  out.push(['doctor report', buildDoctorReport(hostileReport())]);
  const many = (Object.keys(SAMPLE_PAYLOADS) as RequestOperation[]).flatMap((op) =>
    REQUEST_STATUSES.map((s) => hostileRequest(op, s)),
  );
  out.push(['requests mine', buildRequestsList(many, { scope: 'mine', viewer: 'U0REQ', now: at, more: true })]);
  out.push(['requests pending', buildRequestsList(many, { scope: 'pending', viewer: 'U0APP', now: at })]);
  out.push(['requests none', buildRequestsList([], { scope: 'mine', viewer: 'U0REQ', now: at })]);
  return out;
}

function hostileReport(): DoctorReport {
  const statuses = ['ok', 'fail', 'warn', 'skip'] as const;
  const results = Array.from({ length: 60 }, (_, i) => ({
    id: `c${i}`,
    status: statuses[i % 4] ?? 'ok',
    title: LONG,
    detail: LONG,
    fix: LONG,
  }));
  return { results, ok: false };
}

function audit(i: number): AuditEvent {
  return {
    id: i,
    at,
    actor: i % 2 ? 'system' : 'U0APP',
    kind: 'request',
    requestId: 'R-7K3QX9',
    operation: 'create',
    target: { username: LONG },
    outcome: LONG,
    moodleId: 1,
    detail: LONG,
  };
}

/** Every message and reply, named. */
export function allMessages(): Array<[string, Message]> {
  return [...requestMessages(), ...replies(), ...moreMessages(hostile())];
}

/** What block-kit-surfaces-more.ts builds its surfaces from. */
function hostile(): Hostile {
  return {
    HOSTILE,
    LONG,
    operations: Object.keys(SAMPLE_PAYLOADS) as RequestOperation[],
    request: hostileRequest,
    user: hostileUser,
  };
}

/** Every modal and Home tab, named. */
export function allViews(): Array<[string, View]> {
  const metadata = { requestId: 'R-7K3QX9', card: { channel: 'C0APPROVALS', ts: '1.000001' } };
  const account = { moodleId: 6, username: hostileUser.username, channelId: 'C0GENERAL' };
  const many = (Object.keys(SAMPLE_PAYLOADS) as RequestOperation[]).flatMap((op) =>
    REQUEST_STATUSES.map((s) => hostileRequest(op, s)),
  );
  const out: Array<[string, View]> = [];
  for (const operation of Object.keys(SAMPLE_PAYLOADS) as RequestOperation[]) {
    const request = hostileRequest(operation, 'pending');
    out.push([`approve ${operation}`, buildApproveModal(request, { moodleUrl: MOODLE, metadata })]);
    out.push([`reject ${operation}`, buildRejectModal(request, { moodleUrl: MOODLE, metadata })]);
  }
  const context = { moodleUrl: MOODLE, approvalChannel: 'C0APPROVALS', input: { email: LONG } };
  for (const [k, o] of outcomes()) out.push([`create result ${k}`, buildCreateResultView(o, context)]);
  const auths = Array.from({ length: 150 }, (_, i) => `auth${i}${LONG}`.slice(0, 20));
  out.push([
    'new user',
    buildNewUserModal({
      allowedAuth: auths,
      defaultAuth: auths[0] ?? 'manual',
      roles: Array.from({ length: 150 }, (_, i) => `role${i}${LONG}`.slice(0, 100)),
      metadata: { channelId: 'C0GENERAL' },
      reasonRequired: true,
    }),
  ]);
  out.push(['new user plain', buildNewUserModal({ allowedAuth: ['manual'], defaultAuth: 'manual' })]);
  out.push(['checking', buildCheckingView()]);
  const cohorts = Array.from({ length: 150 }, (_, i) => ({ id: i, idnumber: `K${i}${HOSTILE}`, name: LONG }));
  const roles = Array.from({ length: 150 }, (_, i) => `role${i}${LONG}`.slice(0, 100));
  for (const action of Object.keys(MEMBERSHIP_ACTIONS) as MembershipAction[]) {
    for (const list of [cohorts, undefined]) {
      const options = { roles, cohorts: list, action, reasonRequired: true };
      out.push([
        `membership ${action} ${list ? 'select' : 'typed'}`,
        buildMembershipModal(hostileUser, account, options),
      ]);
    }
  }
  out.push(['edit user', buildEditUserModal(hostileUser, account, { reasonRequired: true, redacted: false })]);
  out.push(['edit user redacted', buildEditUserModal(hostileUser, account, { redacted: true })]);
  out.push([
    'delete user',
    buildDeleteUserModal(hostileUser, { profileUrl: `${MOODLE}/x`, metadata: account, reasonRequired: true }),
  ]);
  out.push(['find user', buildFindUserModal()]);
  out.push([
    'found user',
    buildFoundUserModal(buildUserCard(viewAccount(hostileUser, true), { profileUrl: `${MOODLE}/x` }).blocks, LONG),
  ]);
  out.push(['notice modal', buildNoticeModal(LONG, LONG)]);
  out.push(['loading modal', buildLoadingModal(LONG, LONG)]);
  out.push(['decision refused', buildDecisionRefusedView(LONG)]);
  out.push([
    'home admin',
    buildHomeView({
      viewer: 'U0REQ',
      now: at,
      mine: many,
      awaiting: many,
      admin: { activity: Array.from({ length: 40 }, (_, i) => audit(i)), doctor: { report: hostileReport(), at } },
    }),
  ]);
  out.push(['home plain', buildHomeView({ viewer: 'U0REQ', now: at, mine: [] })]);
  const ends = (['extend', 'expire', 'suspend', 'delete'] as const).map((op, i) => ({
    ...hostileRequest(op, 'succeeded'),
    id: `R-END00${i}`,
  }));
  const endEvents = ends.flatMap((r, i): AuditEvent[] => [
    {
      ...audit(i),
      kind: 'execution',
      outcome: i % 2 ? 'failed' : 'succeeded',
      operation: r.operation,
      requestId: r.id,
    },
    { ...audit(i), kind: 'end_date', outcome: i % 2 ? 'reminder_failed' : 'left_to_expire', requestId: r.id },
  ]);
  out.push([
    'home admin end dates',
    buildHomeView({
      viewer: 'U0REQ',
      now: at,
      mine: [],
      admin: { activity: endEvents, doctor: undefined, requests: new Map(ends.map((r) => [r.id, r])) },
    }),
  ]);
  return [...out, ...moreViews(hostile())];
}
