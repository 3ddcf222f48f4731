// The import below Slack: the real Moodle client and batch helper against the fake Moodle, a real store, a manual
// clock, and a Notifier that records progress and results. Each build() is one "process" over the same store.
import type { Clock } from '../../../src/core/clock.js';
import type { ImportTuning } from '../../../src/core/import/tuning.js';
import type { ImportProgress, ImportResult } from '../../../src/core/import/types.js';
import type { MoodleGateway } from '../../../src/core/moodle-gateway.js';
import { createPermissions } from '../../../src/core/permissions.js';
import { createProvisioningService, type Notifier, type ProvisioningService } from '../../../src/core/provisioning.js';
import { createRequestService } from '../../../src/core/request-lifecycle.js';
import type { Store } from '../../../src/core/store.js';
import { createUsersInBatches } from '../../../src/moodle/batch.js';
import { plainDirectory, testRoles } from '../core-doubles.js';

export const REQUESTER = 'U0REQUESTER';
export const APPROVER = 'U0APPROVER';

const roles = testRoles([APPROVER], []);

export interface Recorded {
  progress: ImportProgress[];
  results: ImportResult[];
  events: string[];
}

export function recordingNotifier(recorded: Recorded): Notifier {
  let ts = 0;
  return {
    async postApprovalCard() {
      ts += 1;
      return { channel: 'C0APPROVALS', ts: `1700000000.${String(ts).padStart(6, '0')}` };
    },
    async updateApprovalCard(request) {
      recorded.events.push(`card ${request.status}`);
    },
    async notifyRequester(_request, event) {
      recorded.events.push(`dm ${event}`);
    },
    async announce(_request, event) {
      recorded.events.push(`announce ${event}`);
      return undefined;
    },
    async remindApprovers() {},
    async importProgress(_request, progress) {
      recorded.progress.push(progress);
    },
    async importFinished(_request, result) {
      recorded.results.push(result);
    },
  };
}

export function buildService(
  parts: { store: Store; gateway: MoodleGateway; clock: Clock; recorded: Recorded; moodleUrl: string },
  options: { passwordMode?: 'email' | 'generate'; concurrency?: number; tuning?: Partial<ImportTuning> } = {},
): ProvisioningService {
  const { store, gateway, clock } = parts;
  return createProvisioningService({
    gateway,
    requests: createRequestService({ store, clock, ttlHours: 72 }),
    store,
    permissions: createPermissions(roles, plainDirectory, { clock }),
    notifier: recordingNotifier(parts.recorded),
    clock,
    settings: {
      approvalRequired: new Set(['delete', 'import']),
      passwordMode: options.passwordMode ?? 'email',
      allowedAuth: ['manual', 'oauth2'],
      defaultAuth: 'manual',
      protectedUsers: [],
      moodleUrl: parts.moodleUrl,
    },
    createInBatches: (client, users, o) => createUsersInBatches(client, users, o),
    importTuning: { concurrency: options.concurrency ?? 2, ...options.tuning },
  });
}

export const csv = (text: string) => new TextEncoder().encode(text);

/** A file of `n` new users, each in TEST101 (as student) and cohort COHORT1 when asked. */
export function bulkFile(prefix: string, n: number, options: { course?: boolean; cohort?: boolean } = {}): string {
  const header = [
    'username',
    'firstname',
    'lastname',
    'email',
    ...(options.course ? ['course1'] : []),
    ...(options.cohort ? ['cohort1'] : []),
  ];
  const lines = Array.from({ length: n }, (_, i) =>
    [
      `${prefix}${i}`,
      'Bulk',
      `User ${i}`,
      `${prefix}${i}@example.org`,
      ...(options.course ? ['TEST101'] : []),
      ...(options.cohort ? ['COHORT1'] : []),
    ].join(','),
  );
  return `${header.join(',')}\n${lines.join('\n')}\n`;
}
