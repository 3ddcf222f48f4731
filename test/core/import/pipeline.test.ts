// The courses of accounts made with createpassword=1 go out while later create calls still run (their time is mostly
// Moodle waiting for its mail server); plain creates keep Moodle's CPU busy, so their courses wait for the last
// create. A course call that stops in the pipeline leaves its rows for Retry: no account twice, no row lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/core/clock.js';
import type { MoodleGateway } from '../../../src/core/moodle-gateway.js';
import type { ProvisioningService } from '../../../src/core/provisioning.js';
import type { Store } from '../../../src/core/store.js';
import { createMoodleClient } from '../../../src/moodle/client.js';
import { Secret } from '../../../src/secret.js';
import { openStore } from '../../../src/store/index.js';
import type { FakeMoodle } from '../../fakes/fake-moodle/index.js';
import { fakeMoodleForFile } from '../../fakes/fake-moodle-per-file.js';
import { APPROVER, buildService, csv, REQUESTER, type Recorded } from './harness.js';

let fake: FakeMoodle;
let dir: string;
let store: Store;
let client: ReturnType<typeof createMoodleClient>;
let recorded: Recorded;

fakeMoodleForFile((started) => {
  fake = started;
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'import-pipeline-'));
  store = await openStore(`sqlite:${join(dir, 'store.db')}`);
  client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 10_000, readRetries: 0 });
  recorded = { progress: [], results: [], events: [] };
});
afterEach(async () => {
  await client.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Two create calls in flight at most, whatever the kind of account (300 rows with createpassword: 4 calls of 75);
 * every change of progress is told.
 */
function service(gateway: MoodleGateway, s: Store = store): ProvisioningService {
  const clock = createManualClock(new Date('2026-03-02T08:00:00.000Z'));
  return buildService(
    { store: s, gateway, clock, recorded, moodleUrl: fake.url },
    { concurrency: 2, tuning: { mailConcurrency: 2, progressIntervalMs: 0 } },
  );
}

/** Lets `turns` turns of the event loop pass: what the run would do meanwhile, it has done. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

function file(prefix: string, rows: number, auth: 'manual' | 'oauth2'): Uint8Array {
  const lines = Array.from(
    { length: rows },
    (_, i) => `${prefix}${i},P,U${i},${prefix}${i}@example.org,${auth},TEST101`,
  );
  return csv(`username,firstname,lastname,email,auth,course1\n${lines.join('\n')}\n`);
}

async function submitted(svc: ProvisioningService, data: Uint8Array): Promise<string> {
  const read = svc.imports.readFile(data, 'intake.csv');
  if (!read.ok) throw new Error(read.error.message);
  const preview = await svc.imports.preview({ userId: REQUESTER }, read.file, 'create');
  if (preview.kind !== 'preview') throw new Error(JSON.stringify(preview));
  const outcome = await svc.imports.submit({ userId: REQUESTER }, preview.preview, undefined);
  if (outcome.kind !== 'pending') throw new Error(JSON.stringify(outcome));
  return outcome.request.id;
}

/**
 * The client, with every call's start and end in `log`. The last create call is held until a course call has
 * arrived, or (so that a run without any never hangs) until every other create call has answered and the run has
 * had a few turns to send one.
 */
function watched(log: string[], creates: number): MoodleGateway {
  const gateway: MoodleGateway = Object.create(client);
  let started = 0;
  let answered = 0;
  let enrolSeen: () => void = () => {};
  const enrolArrived = new Promise<void>((resolve) => {
    enrolSeen = resolve;
  });
  gateway.createUsers = async (users) => {
    started += 1;
    const last = started === creates;
    if (last) {
      const othersDone = (async () => {
        while (answered < creates - 1) await turns(1);
        await turns(50);
      })();
      await Promise.race([enrolArrived, othersDone]);
    }
    const created = await client.createUsers(users);
    answered += 1;
    log.push(last ? 'last create answered' : 'create answered');
    return created;
  };
  gateway.enrolUsers = async (items) => {
    log.push('enrol');
    enrolSeen();
    return client.enrolUsers(items);
  };
  return gateway;
}

describe('courses while accounts are created', () => {
  it('with createpassword=1, sends the first accounts’ courses before the last create call answers', async () => {
    const log: string[] = [];
    const svc = service(watched(log, 4));
    const id = await submitted(svc, file('mail', 300, 'manual'));
    expect((await svc.approve(id, APPROVER)).kind).toBe('executed');
    expect(log.filter((e) => e.includes('create'))).toHaveLength(4);
    expect(log.indexOf('enrol')).toBeLessThan(log.indexOf('last create answered'));
    const users = fake.site.users.filter((u) => u.username.startsWith('mail'));
    expect(users).toHaveLength(300);
    expect(users.every((u) => fake.site.catalogue.isActivelyEnrolled(u.id, 2, fake.site.now()))).toBe(true);
    expect((await svc.imports.result(id))?.totals).toMatchObject({ created: 300, partial: 0, unfinished: 0 });
    // The progress stays in its accounts phase while courses go out alongside (and every change was told).
    expect(recorded.progress.filter((p) => p.phase === 'accounts' && p.done > 0).length).toBeGreaterThan(1);
    expect(recorded.progress.filter((p) => p.phase !== 'accounts' && p.done < p.total)).toEqual([]);
  });

  it('with plain creates (single sign-on), sends courses only once the last create has answered', async () => {
    const log: string[] = [];
    // 300 rows of plain creates fit one round of two calls of 150.
    const svc = service(watched(log, 2));
    const id = await submitted(svc, file('sso', 300, 'oauth2'));
    expect((await svc.approve(id, APPROVER)).kind).toBe('executed');
    expect(log.filter((e) => e.includes('create'))).toHaveLength(2);
    expect(log.indexOf('enrol')).toBeGreaterThan(log.indexOf('last create answered'));
    expect((await svc.imports.result(id))?.totals).toMatchObject({ created: 300, unfinished: 0 });
  });

  it('a course call that stops in the pipeline leaves its rows for Retry: no account twice, every row enrolled', async () => {
    const gateway: MoodleGateway = Object.create(client);
    let enrolCalls = 0;
    gateway.enrolUsers = async (items) => {
      enrolCalls += 1;
      if (enrolCalls === 1) {
        throw Object.assign(new Error('Moodle did not answer in time'), {
          code: 'moodle_unreachable',
          hint: 'Check that Moodle is up.',
          outcomeUnknown: false,
          retryable: true,
        });
      }
      return client.enrolUsers(items);
    };
    const svc = service(gateway);
    const id = await submitted(svc, file('stop', 300, 'manual'));
    const first = await svc.approve(id, APPROVER);
    expect(first.kind).toBe('failed');
    const counts = await store.countImportRows(id);
    expect(counts.account_done ?? 0).toBeGreaterThan(0);
    expect(counts.sending ?? 0).toBe(0);

    expect((await svc.retry(id, APPROVER)).kind).toBe('executed');
    const creates = fake.calls.filter((c) => c.wsfunction === 'core_user_create_users' && c.status === 200);
    const sent = creates.flatMap((c) => Object.keys(c.params).filter((k) => /^users\[\d+\]\[username\]$/.test(k)));
    expect(sent).toHaveLength(300);
    const users = fake.site.users.filter((u) => u.username.startsWith('stop'));
    expect(users).toHaveLength(300);
    expect(users.every((u) => fake.site.catalogue.isActivelyEnrolled(u.id, 2, fake.site.now()))).toBe(true);
    expect((await svc.imports.result(id))?.totals).toMatchObject({
      created: 300,
      partial: 0,
      failed: 0,
      unfinished: 0,
    });
  });

  it('waits, before the run goes on, for the courses still being sent: each account is enrolled once', async () => {
    const gateway: MoodleGateway = Object.create(client);
    let createsAnswered = 0;
    let enrolCalls = 0;
    const enrolled: number[] = [];
    gateway.createUsers = async (users) => {
      const created = await client.createUsers(users);
      createsAnswered += 1;
      return created;
    };
    gateway.enrolUsers = async (items) => {
      enrolCalls += 1;
      enrolled.push(...items.map((i) => i.userId));
      // The first group's courses answer only once every create has, and the run has had time to go on.
      if (enrolCalls === 1) {
        while (createsAnswered < 4) await turns(1);
        await turns(50);
      }
      return client.enrolUsers(items);
    };
    const svc = service(gateway);
    const id = await submitted(svc, file('held', 300, 'manual'));
    expect((await svc.approve(id, APPROVER)).kind).toBe('executed');
    expect(enrolled).toHaveLength(300);
    expect(new Set(enrolled).size).toBe(300);
    expect((await svc.imports.result(id))?.totals).toMatchObject({ created: 300, partial: 0, unfinished: 0 });
  });

  it('a store write that fails in the pipeline stops the run; Retry finishes it, no account twice', async () => {
    let failed = false;
    const failing = new Proxy(store, {
      get(target, property) {
        if (property === 'updateImportRows') {
          return async (...args: Parameters<Store['updateImportRows']>) => {
            if (!failed && args[1].some((change) => change.state === 'created')) {
              failed = true;
              throw Object.assign(new Error('SQLITE_FULL: database or disk is full'), {
                code: 'store_write_failed',
                hint: 'Free some disk space.',
              });
            }
            return target.updateImportRows(...args);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const svc = service(client, failing);
    const id = await submitted(svc, file('full', 300, 'manual'));
    const first = await svc.approve(id, APPROVER);
    expect(failed).toBe(true);
    // The failure carries the write's own code and hint, with what Retry does.
    expect(first).toMatchObject({ kind: 'failed', failure: { code: 'store_write_failed' } });
    expect(JSON.stringify(first)).toContain('Free some disk space.');
    expect((await svc.retry(id, APPROVER)).kind).toBe('executed');
    const creates = fake.calls.filter((c) => c.wsfunction === 'core_user_create_users' && c.status === 200);
    const sent = creates.flatMap((c) => Object.keys(c.params).filter((k) => /^users\[\d+\]\[username\]$/.test(k)));
    expect(sent).toHaveLength(300);
    const users = fake.site.users.filter((u) => u.username.startsWith('full'));
    expect(users.every((u) => fake.site.catalogue.isActivelyEnrolled(u.id, 2, fake.site.now()))).toBe(true);
    expect((await svc.imports.result(id))?.totals).toMatchObject({ created: 300, partial: 0, unfinished: 0 });
  });
});
