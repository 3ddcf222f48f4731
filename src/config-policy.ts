// The per-operation policy settings (APPROVAL_REQUIRED, REASON_REQUIRED, APPROVALS_REQUIRED): their schemas and
// their help lines, read with the others by config.ts. The keys come from the operation registry.
import { z } from 'zod';
import { POLICY_KEYS } from './core/operations/registry.js';

const csv = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** The most approvals one request may need: more than a handful would leave requests waiting forever. */
export const MAX_APPROVALS = 5;

export const POLICY_SETTING_HELP: Record<string, string> = {
  APPROVAL_REQUIRED: `comma-separated operations from ${POLICY_KEYS.join(',')} (or none)`,
  REASON_REQUIRED: `comma-separated operations from ${POLICY_KEYS.join(',')} whose request needs a reason (or none)`,
  APPROVALS_REQUIRED: `comma-separated operation:count pairs, e.g. delete:2 (count 1 to ${MAX_APPROVALS}; others need 1)`,
  REMIND_AFTER_HOURS: 'hours a pending request waits before a reminder in its card’s thread, e.g. 24 (0: no reminders)',
  EXPIRY_ACTION: 'suspend (the default) or delete: what happens to an account at its end date',
  EXPIRY_REMIND_DAYS: 'days before an account’s end date its requester is reminded, e.g. 7 (0: no reminder)',
};

/** What happens to an account at its end date (EXPIRY_ACTION). */
export const expiryAction = z
  .string()
  .optional()
  .pipe(z.enum(['suspend', 'delete'], { error: 'EXPIRY_ACTION must be suspend or delete' }).default('suspend'));

/** A comma-separated list of policy keys, or `none`; `fallback` when the variable is not set at all. */
export const operationList = (name: string, fallback: readonly string[]) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return new Set<string>(fallback);
      const ops = new Set<string>();
      for (const item of csv(value)) {
        if (item === 'none') continue;
        if (POLICY_KEYS.includes(item)) ops.add(item);
        else
          ctx.addIssue({
            code: 'custom',
            message: `${name} has "${item}"; use operations from ${POLICY_KEYS.join(',')} or none`,
          });
      }
      return ops as ReadonlySet<string>;
    });

/** `delete:2,suspend:2`: how many different approvers each operation needs (1 when not named). */
export const approvalCounts = z
  .string()
  .optional()
  .transform((value, ctx): Readonly<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const item of csv(value)) {
      const m = /^([a-z_]+)\s*:\s*(\d+)$/.exec(item);
      const count = Number(m?.[2]);
      if (!m?.[1] || !POLICY_KEYS.includes(m[1])) {
        ctx.addIssue({
          code: 'custom',
          message: `APPROVALS_REQUIRED has "${item}"; use operation:count with operations from ${POLICY_KEYS.join(',')}`,
        });
      } else if (!Number.isSafeInteger(count) || count < 1 || count > MAX_APPROVALS) {
        ctx.addIssue({
          code: 'custom',
          message: `APPROVALS_REQUIRED has "${item}"; the count must be 1 to ${MAX_APPROVALS}`,
        });
      } else if (m[1] in counts) {
        ctx.addIssue({ code: 'custom', message: `APPROVALS_REQUIRED names "${m[1]}" twice` });
      } else {
        counts[m[1]] = count;
      }
    }
    return counts;
  });
