// The setup doctor's result model and its plain-text rendering (✓ / ✗ / !), shared by `npm run doctor`
// and `/moodle-user doctor`.

export type CheckStatus = 'ok' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** Stable id, for tests and for Slack blocks. */
  id: string;
  status: CheckStatus;
  /** What was checked, in a few words. */
  title: string;
  /** What was found. */
  detail?: string;
  /** What to do about a ✗ or !, naming the Moodle or Slack admin page. */
  fix?: string;
}

export interface DoctorReport {
  results: CheckResult[];
  /** True when no check failed (warnings do not fail the doctor). */
  ok: boolean;
}

const MARK: Record<CheckStatus, string> = { ok: '✓', fail: '✗', warn: '!', skip: '-' };

export function markOf(status: CheckStatus): string {
  return MARK[status];
}

export function toReport(results: CheckResult[]): DoctorReport {
  return { results, ok: results.every((r) => r.status !== 'fail') };
}

export function renderReportText(report: DoctorReport): string {
  const lines: string[] = [];
  for (const r of report.results) {
    lines.push(`${MARK[r.status]} ${r.title}${r.detail ? `: ${r.detail}` : ''}`);
    if (r.fix && (r.status === 'fail' || r.status === 'warn')) lines.push(`    fix: ${r.fix}`);
  }
  const failed = report.results.filter((r) => r.status === 'fail').length;
  const warned = report.results.filter((r) => r.status === 'warn').length;
  lines.push('');
  lines.push(
    failed === 0
      ? `All required checks passed${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.`
      : `${failed} check${failed === 1 ? '' : 's'} failed${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}. Fix the ✗ lines in order: later checks depend on earlier ones.`,
  );
  return lines.join('\n');
}
