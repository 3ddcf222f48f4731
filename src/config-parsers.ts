// The value parsers config.ts's schema is built from: lists, whole numbers, Slack role and channel ids, ROLE_IDS.
// Each reports a problem that names its variable, so loadConfig can list them all at once.
import { z } from 'zod';
import { DEFAULT_ROLE_IDS } from './core/use-cases/resolve-memberships.js';

export type RoleEntry =
  | { kind: 'user'; id: string }
  | { kind: 'group'; id: string }
  | { kind: 'workspace_admins' }
  | { kind: 'everyone' };

export const csv = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export const required = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .trim()
    .min(1, { error: `${name} is required` });

export const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

export const roleList = (name: string, allowEveryone: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx): RoleEntry[] => {
      const entries: RoleEntry[] = [];
      for (const item of csv(value)) {
        if (/^[UW][A-Z0-9]{2,}$/.test(item)) entries.push({ kind: 'user', id: item });
        else if (/^S[A-Z0-9]{2,}$/.test(item)) entries.push({ kind: 'group', id: item });
        else if (item === 'workspace_admins') entries.push({ kind: 'workspace_admins' });
        else if (item === 'everyone' && allowEveryone) entries.push({ kind: 'everyone' });
        else
          ctx.addIssue({
            code: 'custom',
            message: `${name} has "${item}", which is not a Slack user id (U…/W…), a user-group id (S…), workspace_admins${allowEveryone ? ' or everyone' : ''}`,
          });
      }
      return entries;
    });

export const intIn = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number from ${min} to ${max}, not "${value}"`,
        });
        return z.NEVER;
      }
      return n;
    });

export const roleIds = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx): Record<string, number> => {
    if (value === undefined || value === '') return { ...DEFAULT_ROLE_IDS };
    const ids: Record<string, number> = {};
    for (const item of csv(value)) {
      const m = /^([A-Za-z0-9_-]+)\s*:\s*(\d+)$/.exec(item);
      const id = Number(m?.[2]);
      if (!m?.[1] || !Number.isSafeInteger(id) || id < 1) {
        ctx.addIssue({
          code: 'custom',
          message: `ROLE_IDS has "${item}", which is not a role short name and a positive id (e.g. student:5)`,
        });
      } else if (m[1] in ids) {
        ctx.addIssue({ code: 'custom', message: `ROLE_IDS names the role "${m[1]}" twice` });
      } else {
        ids[m[1]] = id;
      }
    }
    return ids;
  });

/** ROLE_IDS on its own, for the doctor when other settings are wrong: undefined when it is not valid. */
export function readRoleIds(value: string | undefined): Record<string, number> | undefined {
  const parsed = roleIds.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export const channelId = (name: string) =>
  z.string().regex(/^[CGD][A-Z0-9]{2,}$/, { error: `${name} must be a channel id such as C0123456789, not a name` });
