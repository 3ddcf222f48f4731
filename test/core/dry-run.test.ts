// A dry run through the provisioning service: every check of the real request runs, then submitRequest stops with
// the plan of calls; nothing is stored, no card is posted, Moodle is only read. Without a dry-run gateway it refuses.
import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { DryRunGateway } from '../../src/core/gateway/dry-run.js';
import { createPermissions } from '../../src/core/permissions.js';
import { createProvisioningService, type ProvisioningService } from '../../src/core/provisioning.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { Store } from '../../src/core/store.js';
import type { MoodleClient } from '../../src/moodle/client.js';
import { openStore } from '../../src/store/index.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import { moodleClientForFile } from '../fakes/fake-moodle-per-file.js';
import { plainDirectory, silentNotifier, testRoles, testSettings } from './core-doubles.js';

const ADMIN = 'U0ADMIN';
const REQUESTER = 'U0REQUESTER';

let fake: FakeMoodle;
let client: MoodleClient;
let store: Store;
let posted: string[];

moodleClientForFile((parts) => {
  ({ fake, client } = parts);
});
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  posted = [];
});

function service(dryRun?: () => DryRunGateway): ProvisioningService {
  const clock = createManualClock(new Date('2026-03-02T08:00:00.000Z'));
  const notifier = silentNotifier({
    postApprovalCard: async (request) => {
      posted.push(request.id);
      return { channel: 'C0APPROVALS', ts: '1.1' };
    },
  });
  return createProvisioningService({
    gateway: client,
    requests: createRequestService({ store, clock, ttlHours: 72 }),
    store,
    permissions: createPermissions(testRoles([ADMIN], [ADMIN]), plainDirectory, { clock }),
    notifier,
    clock,
    settings: testSettings(fake.url),
    ...(dryRun ? { dryRun } : {}),
  });
}

const writes = () => fake.calls.filter((c) => !/_get_/.test(c.wsfunction)).length;
const input = { email: 'plan.ned@example.org', firstname: 'Ned', lastname: 'Plan' };

describe('a dry run', () => {
  it('checks like the real request, then answers with the calls: nothing stored, no card, no write', async () => {
    const before = writes();
    const outcome = await service(() => client.dryRun()).submitCreate({ userId: REQUESTER, dryRun: true }, input);
    expect(outcome).toMatchObject({ kind: 'preview', direct: false, approvalsNeeded: 1 });
    if (outcome.kind === 'preview') expect(outcome.calls.map((c) => c.wsfunction)).toEqual(['core_user_create_users']);
    expect(await store.listRequests({ limit: 10 })).toEqual([]);
    expect(posted).toEqual([]);
    expect(writes()).toBe(before);
  });

  it('says when an admin’s request would run at once', async () => {
    const outcome = await service(() => client.dryRun()).submitCreate({ userId: ADMIN, dryRun: true }, input);
    expect(outcome).toMatchObject({ kind: 'preview', direct: true });
    expect(fake.site.findUser('plan.ned')).toBeUndefined();
  });

  it('an invalid request is invalid, with no plan', async () => {
    const outcome = await service(() => client.dryRun()).submitCreate(
      { userId: REQUESTER, dryRun: true },
      { ...input, email: 'nope' },
    );
    expect(outcome.kind).toBe('invalid');
  });

  it('is refused, storing nothing, where the app was given no dry-run gateway', async () => {
    const outcome = await service().submitCreate({ userId: REQUESTER, dryRun: true }, input);
    expect(outcome).toEqual({ kind: 'unavailable', message: 'Dry runs are not available in this setup.' });
    expect(await store.listRequests({ limit: 10 })).toEqual([]);
  });
});
