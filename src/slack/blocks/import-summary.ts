// An import request in the Approve and Reject summaries: the file and its mode, the rows of each kind (new, to
// update, unchanged, invalid, duplicate, already in Moodle), and the courses and cohorts it adds people to, in the
// words of the import's preview, so that the approver reads the same numbers the requester checked.
import type { types } from '@slack/bolt';
import type { RequestPayload } from '../../core/requests.js';
import { formatCount, IMPORT_MODE_LABELS } from './import-modal.js';
import { describeCounts, describeNames } from './import-preview.js';
import { mrkdwn } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

/** The import's own summary blocks, or undefined for any other request. */
export function importSummaryBlocks(payload: RequestPayload): types.KnownBlock[] | undefined {
  if (payload.operation !== 'import') return undefined;
  const kinds = describeCounts(payload.counts).map((line) => `• ${line}`);
  const lines = [
    `*File*: ${escapeMrkdwn(payload.fileName, 255)}  ·  ${IMPORT_MODE_LABELS[payload.mode]}`,
    `*Rows (${formatCount(payload.rows)})*`,
    ...kinds,
  ];
  const blocks: types.KnownBlock[] = [{ type: 'section', text: mrkdwn(lines.join('\n')) }];
  const names = [
    ['Courses', payload.courses.map((c) => ({ name: c.shortname, count: c.enrolments }))],
    ['Cohorts', payload.cohorts.map((c) => ({ name: c.name, count: c.members }))],
  ] as const;
  for (const [label, items] of names) {
    if (items.length > 0) blocks.push({ type: 'section', text: mrkdwn(`*${label}*: ${describeNames(items)}`) });
  }
  return blocks;
}
