// The accounts this app never changes: Moodle's guest, the web-service token's own user, and PROTECTED_USERS.
// Checked when a request is made and again whenever something is about to change Moodle (approve, retry, jobs).

import type { MoodleGateway, MoodleUser, SiteInfo } from './moodle-gateway.js';
import { operationOf } from './operations/registry.js';

export const GUEST_USER_ID = 1;
export const GUEST_USERNAME = 'guest';

export type Protection =
  | { protected: false }
  | { protected: true; reason: string }
  /** The token's user could not be learnt (get_site_info failed), so nothing may be changed yet. */
  | { protected: 'unknown'; reason: string };

/**
 * The accounts this app never changes. The token's own user comes from get_site_info and is cached for the
 * process's life (a token belongs to one user); a failed call is not cached, so the next one asks again.
 */
export function createAccountGuard(gateway: MoodleGateway, protectedUsers: readonly string[]) {
  const listed = new Set(protectedUsers.map((u) => u.trim().toLowerCase()).filter((u) => u !== ''));
  let siteInfo: Promise<SiteInfo> | undefined;

  function tokenUser(): Promise<SiteInfo> {
    if (!siteInfo) {
      siteInfo = gateway.getSiteInfo();
      siteInfo.catch(() => {
        siteInfo = undefined;
      });
    }
    return siteInfo;
  }

  return {
    async protectionOf(user: Pick<MoodleUser, 'id' | 'username'>): Promise<Protection> {
      const username = user.username.toLowerCase();
      if (user.id === GUEST_USER_ID || username === GUEST_USERNAME) {
        return {
          protected: true,
          reason: `${user.username} is Moodle's guest account, which Moodle itself needs; this app never changes it.`,
        };
      }
      if (listed.has(username)) {
        return {
          protected: true,
          reason: `${user.username} is on this app's list of protected accounts, so it is never updated, suspended or deleted from here.`,
        };
      }
      let info: SiteInfo;
      try {
        info = await tokenUser();
      } catch {
        return {
          protected: 'unknown',
          reason: `Could not confirm that ${user.username} is not the app's own Moodle account (the check in Moodle failed). Nothing was stored; try again in a few minutes.`,
        };
      }
      if (info.userid === user.id || info.username.toLowerCase() === username) {
        return {
          protected: true,
          reason: `${user.username} is the Moodle account this app's web-service token belongs to; changing it could lock the app out of Moodle, so it is never changed from here.`,
        };
      }
      return { protected: false };
    },
  };
}
export type AccountGuard = ReturnType<typeof createAccountGuard>;

/** The protection of the existing account a request would change; undefined for a request that makes a new one. */
export async function protectionOfTarget(
  guard: AccountGuard,
  request: { operation: string; target: { moodleId?: number; username?: string } },
): Promise<Protection | undefined> {
  if (operationOf(request.operation).target !== 'existing') return undefined;
  const { moodleId, username } = request.target;
  if (moodleId === undefined || username === undefined) return undefined;
  return guard.protectionOf({ id: moodleId, username });
}
