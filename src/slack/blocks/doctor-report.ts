// The setup doctor's checklist as a private Slack message: one line per check with ✓ / ✗ / !, and the fix under
// every ✗ and !. Pure function of the report.
import type { types } from '@slack/bolt';
import { type DoctorReport, markOf } from '../../doctor/checklist.js';
import { LIMITS, mrkdwn, truncateText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

export interface DoctorMessage {
  response_type: 'ephemeral';
  text: string;
  blocks: types.KnownBlock[];
}

/** Slack allows 50 blocks per message; the doctor has about 25 checks, and lines are grouped to stay well under. */
const LINES_PER_BLOCK = 8;

export function buildDoctorReport(report: DoctorReport): DoctorMessage {
  const failed = report.results.filter((r) => r.status === 'fail').length;
  const warned = report.results.filter((r) => r.status === 'warn').length;
  const summary = report.ok
    ? `Setup check: all required checks passed${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.`
    : `Setup check: ${failed} check${failed === 1 ? '' : 's'} failed. Fix the ✗ lines in order: later checks depend on earlier ones.`;
  const lines = report.results.map((r) => {
    const head = `${markOf(r.status)} *${escapeMrkdwn(r.title)}*${r.detail ? `: ${escapeMrkdwn(r.detail)}` : ''}`;
    return r.fix && (r.status === 'fail' || r.status === 'warn')
      ? `${head}\n      _fix:_ ${escapeMrkdwn(r.fix)}`
      : head;
  });
  const blocks: types.KnownBlock[] = [{ type: 'section', text: mrkdwn(`*${summary}*`) }];
  for (let i = 0; i < lines.length && blocks.length < 45; i += LINES_PER_BLOCK) {
    blocks.push({ type: 'section', text: mrkdwn(lines.slice(i, i + LINES_PER_BLOCK).join('\n')) });
  }
  return { response_type: 'ephemeral', text: truncateText(summary, LIMITS.messageText), blocks };
}
