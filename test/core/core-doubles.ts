// Doubles the core's service tests share: role lists of the test people, and a Slack directory in which everyone is
// a plain member (no workspace admin, no guest, no bot), and the service settings most of them start from.
import type { Config } from '../../src/config.js';
import type { DirectoryUser, SlackDirectory } from '../../src/core/permissions.js';
import type { Notifier, ProvisioningSettings } from '../../src/core/provisioning.js';

/** Everyone may ask; `approvers` approve and `admins` act directly. */
export function testRoles(approvers: readonly string[], admins: readonly string[]): Config['roles'] {
  return {
    requesters: [{ kind: 'everyone' }],
    approvers: approvers.map((id) => ({ kind: 'user' as const, id })),
    admins: admins.map((id) => ({ kind: 'user' as const, id })),
  };
}

/** A workspace member: no admin, no guest, no bot, unless `flags` says so. */
export const person = (id: string, flags: Partial<DirectoryUser> = {}): DirectoryUser => ({
  id,
  isAdmin: false,
  isOwner: false,
  isBot: false,
  isDeleted: false,
  isRestricted: false,
  isUltraRestricted: false,
  ...flags,
});

export const plainDirectory: SlackDirectory = {
  getUser: async (id) => person(id),
  getGroupMembers: async () => [],
};

/** Only deletions need approval, passwords go by email, manual auth, nobody protected; `overrides` on top. */
export function testSettings(moodleUrl: string, overrides: Partial<ProvisioningSettings> = {}): ProvisioningSettings {
  return {
    approvalRequired: new Set(['delete']),
    passwordMode: 'email',
    allowedAuth: ['manual'],
    defaultAuth: 'manual',
    protectedUsers: [],
    moodleUrl,
    ...overrides,
  };
}

/** A Notifier that posts nowhere (the card is "posted" at a fixed place); `overrides` replace any of its parts. */
export function silentNotifier(overrides: Partial<Notifier> = {}): Notifier {
  return {
    postApprovalCard: async () => ({ channel: 'C0APPROVALS', ts: '1700000000.000001' }),
    updateApprovalCard: async () => {},
    notifyRequester: async () => {},
    announce: async () => undefined,
    remindApprovers: async () => {},
    ...overrides,
  };
}
