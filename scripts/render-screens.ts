// Draws docs/screens/*.svg from the app's real payloads: the same builders the app calls, on a fixed example
// (a new teacher, a leaver), through a small Block Kit → SVG renderer. Run: npx tsx scripts/render-screens.ts
// test/docs/screens.test.ts renders them again and fails when a committed picture no longer matches the app.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { viewAccount } from '../src/core/account-view.js';
import type { MoodleUser } from '../src/core/moodle-gateway.js';
import type { RequestRecord } from '../src/core/requests.js';
import { buildApprovalCard, buildRequesterMessage } from '../src/slack/blocks/approval-card.js';
import { buildApproveModal } from '../src/slack/blocks/decision-modals.js';
import { buildHomeView } from '../src/slack/blocks/home-tab.js';
import { buildNewUserModal } from '../src/slack/blocks/new-user-modal.js';
import { buildUserCard } from '../src/slack/blocks/user-card.js';
import { deleteOf, makeRequest } from '../test/slack/approval-fixtures.js';
import type { Frame } from './screens/block-kit-svg.js';
import { renderHome, renderMessage, renderModal } from './screens/frames.js';

const MOODLE = 'https://lms.school.example';
const FRAME: Frame = {
  kind: 'message',
  appName: 'Moodle Accounts',
  people: { U0REQ: 'Hana (HR)', U0APP: 'Alan', U0ADMIN: 'Ada' },
  channels: { C0APPROVALS: 'moodle-approvals' },
};
const asked = new Date('2026-09-01T08:12:00Z');
const decided = new Date('2026-09-01T09:32:00Z');

/** The example request (a new teacher), overridden per screen; the rest is the unit tests' fixture. */
function request(overrides: Partial<RequestRecord>): RequestRecord {
  return makeRequest({
    id: 'R-X2VY9Z',
    requester: { userId: 'U0REQ' },
    target: { username: 'nora.teach', email: 'nora.teach@school.example' },
    payload: {
      operation: 'create',
      user: {
        username: 'nora.teach',
        email: 'nora.teach@school.example',
        firstname: 'Nora',
        lastname: 'Teach',
        auth: 'manual',
        department: 'Mathematics',
        country: 'GB',
        lang: 'en',
        timezone: '99',
      },
    },
    preflight: {
      checked: true,
      notes: ['No Moodle account uses the username nora.teach or this email.'],
      conflicts: [],
    },
    reason: 'Joins the maths department in September.',
    createdAt: asked,
    updatedAt: asked,
    ...overrides,
  });
}

const approved = request({
  status: 'succeeded',
  decidedBy: 'U0APP',
  decidedAt: decided,
  executedAt: decided,
  decisionComment: 'Welcome, Nora!',
  result: { ok: true, moodleId: 214 },
  attempts: 1,
});

const leaver = request({
  id: 'R-7K3QX9',
  ...deleteOf({
    moodleId: 87,
    username: 'lee.ver',
    email: 'lee.ver@school.example',
    fullname: 'Lee Ver',
    lastaccess: 1_782_864_000,
  }),
  reason: 'Left the school in July.',
});

const failed = request({
  status: 'failed',
  decidedBy: 'U0APP',
  decidedAt: decided,
  attempts: 1,
  result: {
    ok: false,
    code: 'moodle_maintenance',
    message: 'core_user_create_users: Moodle answered 503 Service Unavailable',
    hint: 'The Moodle site is in maintenance mode (or being upgraded): try again when it is back. Maintenance is switched under Site administration > Server > Maintenance mode.',
    outcomeUnknown: false,
  },
});

/** The leaver as Moodle holds them, for `/moodle-user show lee.ver` by an approver. */
const lee: MoodleUser = {
  id: 87,
  username: 'lee.ver',
  firstname: 'Lee',
  lastname: 'Ver',
  fullname: 'Lee Ver',
  email: 'lee.ver@school.example',
  auth: 'manual',
  suspended: false,
  confirmed: true,
  department: 'Science',
  city: 'Leeds',
  country: 'GB',
  lang: 'en',
  timezone: 'Europe/London',
  lastaccess: 1_782_864_000,
};
const showOptions = {
  profileUrl: `${MOODLE}/user/profile.php?id=87`,
  courses: [{ id: 2, shortname: 'SCI7', fullname: 'Science, year 7' }],
};

/** Every picture: its file name and its SVG. */
export function buildScreens(): Array<{ name: string; svg: string }> {
  const metadata = { requestId: 'R-X2VY9Z', card: { channel: 'C0APPROVALS', ts: '1.000001' } };
  const home = buildHomeView({
    viewer: 'U0APP',
    now: new Date('2026-09-01T11:00:00Z'),
    mine: [],
    awaiting: [request({}), leaver],
  });
  const form = buildNewUserModal({
    allowedAuth: ['manual', 'oauth2'],
    defaultAuth: 'manual',
    roles: ['student', 'teacher'],
  });
  return [
    { name: 'card-pending.svg', svg: renderMessage(buildApprovalCard(request({}), { moodleUrl: MOODLE }), FRAME) },
    { name: 'card-approved.svg', svg: renderMessage(buildApprovalCard(approved, { moodleUrl: MOODLE }), FRAME) },
    { name: 'card-delete.svg', svg: renderMessage(buildApprovalCard(leaver, { moodleUrl: MOODLE }), FRAME) },
    { name: 'card-failed.svg', svg: renderMessage(buildApprovalCard(failed, { moodleUrl: MOODLE }), FRAME) },
    {
      name: 'requester-dm-failed.svg',
      svg: renderMessage(buildRequesterMessage(failed, 'failed', { moodleUrl: MOODLE }), FRAME),
    },
    {
      name: 'requester-dm.svg',
      svg: renderMessage(
        buildRequesterMessage(approved, 'executed', { moodleUrl: MOODLE, passwordMode: 'email' }),
        FRAME,
      ),
    },
    {
      name: 'approve-modal.svg',
      svg: renderModal(buildApproveModal(request({}), { moodleUrl: MOODLE, metadata }) as never, FRAME),
    },
    { name: 'home-tab.svg', svg: renderHome(home as never, FRAME) },
    { name: 'request-form.svg', svg: renderModal(form as never, FRAME) },
    { name: 'show-card.svg', svg: renderMessage(buildUserCard(viewAccount(lee, true), showOptions), FRAME) },
  ];
}

if (process.argv[1]?.endsWith('render-screens.ts')) {
  const dir = join(import.meta.dirname, '..', 'docs', 'screens');
  for (const screen of buildScreens()) writeFileSync(join(dir, screen.name), screen.svg);
  console.log(`wrote ${buildScreens().length} pictures to docs/screens`);
}
