// The App Home tab, per person: quick actions (New account, Import CSV, Find a user), their own requests (status,
// Cancel), for approvers the requests awaiting them (Approve…/Reject…, the card's own action ids, so the same
// handlers and re-checks apply), and for admins the recent activity and the setup check's last result. A pure
// function of what home-tabs.ts looked up.
import type { types } from '@slack/bolt';
import type { AuditEvent } from '../../core/audit.js';
import { operationOf } from '../../core/operations/registry.js';
import { requestHeadline } from '../../core/request-words.js';
import type { RequestRecord, RequestStatus } from '../../core/requests.js';
import type { ScheduledAction } from '../../core/scheduled-actions.js';
import type { DoctorReport } from '../../doctor/checklist.js';
import { ACTION_IDS } from '../ids.js';
import { endDateActivity } from './activity-words.js';
import { approvalProgress, describeTarget } from './approval-card.js';
import { button } from './card-parts.js';
import { expiringLine } from './end-dates.js';
import { formatAge } from './requests-list.js';
import { LIMITS, mrkdwn, plainText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

/** Rows per list: a Home view holds at most 100 blocks. */
export const HOME_LIST_LIMIT = 10;

export interface HomeContent {
  viewer: string;
  now: Date;
  mine: readonly RequestRecord[];
  /** Undefined: the viewer is not an approver. */
  awaiting?: readonly RequestRecord[];
  /** Accounts the viewer asked for whose end date comes within 30 days. */
  ending?: readonly ScheduledAction[];
  /** Undefined: the viewer is not an admin. */
  admin?: {
    activity: readonly AuditEvent[];
    doctor: { report: DoctorReport; at: Date } | undefined;
    /** The requests that end-date events name (see activity-words.ts), by id: their dates and who asked. */
    requests?: ReadonlyMap<string, RequestRecord>;
  };
}

const STATUS: Readonly<Record<RequestStatus, string>> = {
  pending: 'waiting for an approver',
  approved: 'approved, running',
  executing: 'running in Moodle',
  succeeded: 'done',
  failed: 'failed; an approver can retry',
  rejected: 'rejected',
  cancelled: 'cancelled',
  expired: 'expired',
};

const destructive = (request: RequestRecord) => operationOf(request.operation).destructive === true;

function summary(request: RequestRecord, now: Date): string {
  const what = `*${escapeMrkdwn(requestHeadline(request))}* · ${escapeMrkdwn(describeTarget(request))}`;
  return `${what}\n${STATUS[request.status]} · asked ${formatAge(request.createdAt, now)} · \`${request.id}\``;
}

function myRequests(content: HomeContent): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [{ type: 'header', text: plainText('Your requests', LIMITS.headerText) }];
  if (content.mine.length === 0) {
    blocks.push({ type: 'section', text: mrkdwn('You have not asked for anything yet.') });
  }
  for (const request of content.mine.slice(0, HOME_LIST_LIMIT)) {
    const section: types.SectionBlock = { type: 'section', text: mrkdwn(summary(request, content.now)) };
    if (request.status === 'pending') section.accessory = button(ACTION_IDS.cancelRequestButton, 'Cancel', request.id);
    blocks.push(section);
  }
  return blocks;
}

function awaiting(requests: readonly RequestRecord[], now: Date): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: plainText('Waiting for your approval', LIMITS.headerText) },
  ];
  if (requests.length === 0) blocks.push({ type: 'section', text: mrkdwn('Nothing is waiting for you.') });
  for (const request of requests.slice(0, HOME_LIST_LIMIT)) {
    const progress = approvalProgress(request);
    const by = `asked by <@${request.requester.userId}>${progress ? ` · ${progress}` : ''}`;
    blocks.push({ type: 'section', text: mrkdwn(`${summary(request, now)}\n${by}`) });
    blocks.push({
      type: 'actions',
      // One block per request: action ids repeat from request to request, and must be unique within a block.
      block_id: `home_request_${request.id}`,
      elements: [
        // A destructive approval (delete, suspend) is the dangerous button, as on the card.
        button(ACTION_IDS.approveRequestButton, 'Approve…', request.id, destructive(request) ? 'danger' : 'primary'),
        button(ACTION_IDS.rejectRequestButton, 'Reject…', request.id),
      ],
    });
  }
  return blocks;
}

function activityLine(event: AuditEvent, now: Date, requests: HomeAdmin['requests']): string {
  const request = event.requestId ? requests?.get(event.requestId) : undefined;
  const words = endDateActivity(event, request);
  if (words) return `${formatAge(event.at, now)} · ${words}`;
  const target = event.target.username ?? event.target.email ?? '';
  const what = [event.kind, event.outcome, event.requestId, target].filter(Boolean).map((t) => escapeMrkdwn(String(t)));
  const who = event.actor === 'system' ? 'the app' : `<@${event.actor}>`;
  return `${formatAge(event.at, now)} · ${who} · ${what.join(' · ')}`;
}

type HomeAdmin = NonNullable<HomeContent['admin']>;

function adminPart(admin: HomeAdmin, now: Date): types.KnownBlock[] {
  const lines = admin.activity.map((event) => activityLine(event, now, admin.requests));
  const doctor = admin.doctor;
  const failed = doctor?.report.results.filter((r) => r.status === 'fail').length ?? 0;
  const check = !doctor
    ? 'Not run since the app started. Run `/moodle-user doctor`.'
    : `${doctor.report.ok ? ':white_check_mark: All required checks passed' : `:x: ${failed} check${failed === 1 ? '' : 's'} failed`} (${formatAge(doctor.at, now)}). Details: \`/moodle-user doctor\`.`;
  return [
    { type: 'header', text: plainText('Recent activity', LIMITS.headerText) },
    { type: 'section', text: mrkdwn(lines.length > 0 ? lines.join('\n') : 'Nothing yet.') },
    { type: 'header', text: plainText('Setup check', LIMITS.headerText) },
    { type: 'section', text: mrkdwn(check) },
  ];
}

export function buildHomeView(content: HomeContent): types.HomeView {
  const blocks: types.KnownBlock[] = [
    {
      type: 'actions',
      block_id: 'home_quick_actions',
      elements: [
        button(ACTION_IDS.homeNewAccountButton, 'New account', 'new', 'primary'),
        button(ACTION_IDS.homeImportButton, 'Import CSV', 'import'),
        button(ACTION_IDS.homeFindUserButton, 'Find a user', 'find'),
      ],
    },
    ...myRequests(content),
  ];
  if (content.ending && content.ending.length > 0) {
    blocks.push(
      { type: 'header', text: plainText('Your accounts that end soon', LIMITS.headerText) },
      ...content.ending.slice(0, HOME_LIST_LIMIT).map((action) => ({
        type: 'section' as const,
        text: mrkdwn(expiringLine(action)),
      })),
    );
  }
  if (content.awaiting) blocks.push({ type: 'divider' }, ...awaiting(content.awaiting, content.now));
  if (content.admin) blocks.push({ type: 'divider' }, ...adminPart(content.admin, content.now));
  return { type: 'home', blocks };
}
