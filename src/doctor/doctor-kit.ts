// What the doctor's Moodle checks share: the admin pages their fixes name, and how a probe's outcome is read.
import { isGatewayError } from '../core/moodle-gateway.js';

export const FUNCTIONS_PAGE =
  'Site administration > Server > Web services > External services > (your service) > Functions';
export const TOKENS_PAGE = 'Site administration > Server > Web services > Manage tokens';
export const ROLES_PAGE = 'Site administration > Users > Permissions > Define roles > (the web-service role)';

/** The stable error code of a gateway error (a MoodleErrorCode), or undefined for anything else. */
export function codeOf(err: unknown): string | undefined {
  return isGatewayError(err) ? err.code : undefined;
}

export function hintOf(err: unknown): string {
  return isGatewayError(err) && err.hint ? err.hint : messageOf(err);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}
