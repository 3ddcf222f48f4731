// The rest of the corpus of block-kit-surfaces.ts: the approve summary with the account, Edit details, dry runs,
// end dates, and the CSV import's modals and card parts, built from the same hostile and very long values.
import type { types } from '@slack/bolt';
import type { MoodleUser } from '../../src/core/moodle-gateway.js';
import type { SubmitOutcome } from '../../src/core/provisioning.js';
import type { RequestOperation } from '../../src/core/requests.js';
import type { ScheduledAction } from '../../src/core/scheduled-actions.js';
import { buildApprovalCard } from '../../src/slack/blocks/approval-card.js';
import { buildCorrectionsModal } from '../../src/slack/blocks/approve-corrections.js';
import { buildApproveModal } from '../../src/slack/blocks/decision-modals.js';
import { buildDryRunBlocks } from '../../src/slack/blocks/dry-run.js';
import { buildEndDateReminder, buildExpiringList, buildExtendModal } from '../../src/slack/blocks/end-dates.js';
import { buildImportProgressBlocks, buildImportTotalsBlocks } from '../../src/slack/blocks/import-card.js';
import {
  buildImportCheckingView,
  buildImportFileProblemView,
  buildImportModal,
  buildImportNoticeView,
} from '../../src/slack/blocks/import-modal.js';
import { buildImportSubmittedView } from '../../src/slack/blocks/import-preview.js';
import { escapeMrkdwn } from '../../src/slack/blocks/untrusted.js';

type Message = string | { text?: unknown; blocks?: unknown };
type View = types.ModalView | types.HomeView;

export interface Hostile {
  HOSTILE: string;
  LONG: string;
  operations: readonly RequestOperation[];
  request: (
    operation: RequestOperation,
    status: 'pending' | 'failed' | 'executing',
  ) => ReturnType<typeof import('./block-kit-surfaces.js')['hostileRequest']>;
  user: MoodleUser;
}

const MOODLE = 'https://lms.example.org';
const at = new Date('2026-03-02T09:00:00Z');

function action(h: Hostile, kind: ScheduledAction['kind']): ScheduledAction {
  return {
    id: 'A1',
    kind,
    moodleId: 6,
    username: h.user.username,
    endAt: at,
    dueAt: at,
    requestId: 'R-7K3QX9',
    requesterId: 'U0REQ',
    state: 'failed',
    attempts: 3,
    nextTryAt: at,
    leaseHolder: undefined,
    leaseUntil: undefined,
    lastError: h.LONG,
    resultRequestId: undefined,
    createdAt: at,
    updatedAt: at,
  };
}

function preview(h: Hostile): SubmitOutcome {
  const fields = Array.from({ length: 40 }, (_, i) => [`users[0][f${i}]`, h.LONG] as const);
  const calls = Array.from({ length: 60 }, () => ({ wsfunction: 'core_user_create_users', fields }));
  return { kind: 'preview', direct: false, approvalsNeeded: 2, calls, stopped: h.LONG };
}

export function moreMessages(h: Hostile): Array<[string, Message]> {
  const progress = { phase: 'accounts' as const, total: 100_000, done: 412, created: 400, updated: 12, failed: 3 };
  const totals = { rows: 100_000, created: 9, updated: 8, partial: 7, failed: 6, skipped: 5, unfinished: 4 };
  const running = h.request('import', 'executing');
  return [
    ['dry run', buildDryRunBlocks(preview(h) as Extract<SubmitOutcome, { kind: 'preview' }>)],
    ['end date reminder', buildEndDateReminder(action(h, 'remind'), 'delete')],
    [
      'expiring list',
      buildExpiringList(
        Array.from({ length: 60 }, () => action(h, 'expire')),
        { title: 'Accounts ending soon' },
      ),
    ],
    [
      'import card running',
      buildApprovalCard(running, { moodleUrl: MOODLE, extraBlocks: buildImportProgressBlocks(progress) }),
    ],
    [
      'import card failed',
      buildApprovalCard(h.request('import', 'failed'), {
        moodleUrl: MOODLE,
        extraBlocks: buildImportTotalsBlocks(totals),
      }),
    ],
  ];
}

export function moreViews(h: Hostile): Array<[string, View]> {
  const metadata = { requestId: 'R-7K3QX9', card: { channel: 'C0APPROVALS', ts: '1.000001' } };
  const rules = { allowedAuth: ['manual', 'oauth2'], defaultAuth: 'manual' };
  const limits = { maxBytes: 5 * 1024 * 1024, maxRows: 10_000 };
  const out: Array<[string, View]> = [];
  for (const operation of h.operations) {
    const request = h.request(operation, 'pending');
    const options = { moodleUrl: MOODLE, metadata, account: h.user };
    out.push([`approve ${operation} with the account`, buildApproveModal(request, options)]);
    out.push([`edit details ${operation}`, buildCorrectionsModal(request, { metadata, rules })]);
  }
  out.push(['extend end date', buildExtendModal(action(h, 'expire'))]);
  out.push(['import form', buildImportModal({ limits, reasonRequired: true })]);
  // Its callers hand it mrkdwn they escaped.
  out.push(['import notice', buildImportNoticeView(`:no_entry: ${escapeMrkdwn(h.LONG)}`)]);
  out.push(['import checking', buildImportCheckingView(h.LONG, 100_000)]);
  out.push(['import file problem', buildImportFileProblemView(h.LONG, h.LONG)]);
  out.push(['import submitted', buildImportSubmittedView({ kind: 'unavailable', message: h.LONG }, 'C0APPROVALS')]);
  return out;
}
