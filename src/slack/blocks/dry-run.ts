// A dry run's answer: nothing was stored or changed, whether the request would need approval, and the web-service
// calls it would make, in order, each as the form fields Moodle would receive (the Moodle adapter built them, with
// the token and passwords already masked). Values are shown literally in preformatted rich text, hidden
// characters marked.
import type { types } from '@slack/bolt';
import type { PlannedCall } from '../../core/gateway/dry-run.js';
import type { SubmitOutcome } from '../../core/provisioning.js';
import { LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeMrkdwn, plainData } from './untrusted.js';

type Preview = Extract<SubmitOutcome, { kind: 'preview' }>;

/** Slack allows 50 blocks in a message; the head and the tail take a few. */
const MAX_CALL_BLOCKS = 40;
const CALL_TEXT_MAX = 3000;

/** One call as text: its function, then `name=value` a line, as the form Moodle receives. */
export function formatPlannedCall(call: PlannedCall, index: number): string {
  const lines = call.fields.map(
    ([name, value]) => `${name}=${value === '' ? '' : plainData(value, LIMITS.sectionField).text}`,
  );
  return truncateText(`${index + 1}. ${call.wsfunction}\n${lines.join('\n')}`, CALL_TEXT_MAX);
}

function approvalWords(preview: Preview): string {
  if (preview.direct) return 'As you asked it, it would run at once, without approval.';
  const n = preview.approvalsNeeded;
  return `As you asked it, it would wait for ${n === 1 ? 'an approver' : `${n} different approvers`} first.`;
}

/** A request form's Preview button: shows the dry run of what the form holds, over the form. */
export function previewButton(blockId: string, actionId: string): types.ActionsBlock {
  return {
    type: 'actions',
    block_id: blockId,
    elements: [{ type: 'button', action_id: actionId, text: plainText('Preview the Moodle calls', LIMITS.buttonText) }],
  };
}

export function buildDryRunBlocks(preview: Preview): { text: string; blocks: types.KnownBlock[] } {
  const count = preview.calls.length;
  const calls = count === 1 ? '1 web-service call' : `${count} web-service calls`;
  const text = `Dry run: nothing was stored and nothing changed in Moodle. It would make ${calls}.`;
  const blocks: types.KnownBlock[] = [
    { type: 'section', text: mrkdwn(`:test_tube: *${text}* ${approvalWords(preview)}`) },
  ];
  const shown = preview.calls.slice(0, MAX_CALL_BLOCKS);
  shown.forEach((call, i) => {
    blocks.push({
      type: 'rich_text',
      elements: [{ type: 'rich_text_preformatted', elements: [{ type: 'text', text: formatPlannedCall(call, i) }] }],
    });
  });
  if (count > shown.length) {
    blocks.push({ type: 'context', elements: [mrkdwn(`…and ${count - shown.length} more calls.`)] });
  }
  if (preview.stopped) {
    blocks.push({
      type: 'section',
      text: mrkdwn(`:warning: It would stop there: ${escapeMrkdwn(preview.stopped)}`),
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn('The token and any password are shown as •••. Run the command without `dry-run` to ask for real.'),
    ],
  });
  return { text, blocks };
}
