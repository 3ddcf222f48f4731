// After a full lifecycle in which secrets were pushed at the store from every side, the database files on disk
// contain none of them: the payload schema drops password fields, and the scrubber blanks known secrets in text.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { CreateUserInput } from '../../src/core/moodle-gateway.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { Corrections } from '../../src/core/request-service.js';
import type { RequestPayload } from '../../src/core/requests.js';
import { SecretScrubber } from '../../src/logger.js';
import { Secret } from '../../src/secret.js';
import { openStore } from '../../src/store/index.js';

const MOODLE_TOKEN = 'f00dfacecafe4beef1234567890abcde';
const BOT_TOKEN = 'xoxb-111-222-SECRETBOTTOKENvalue';
const PASSWORD = 'Zebra!Quartz-7731-Pw';
const CORRECTED_PASSWORD = 'Other#Pass-4490-Xy';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-secrets-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('keeps every secret out of the database files through a full lifecycle', async () => {
  const scrubber = new SecretScrubber();
  scrubber.add(new Secret(MOODLE_TOKEN));
  scrubber.add(new Secret(BOT_TOKEN));
  const store = await openStore(`sqlite:${join(dir, 'app.db')}`, { scrubber });
  const service = createRequestService({ store, clock: createManualClock(), ttlHours: 72 });

  // What the command handler builds for Moodle may travel further than it should: simulate exactly that.
  const forMoodle: CreateUserInput = {
    username: 'jdoe',
    email: 'jdoe@example.org',
    firstname: 'Jane',
    lastname: 'Doe',
    auth: 'manual',
    password: PASSWORD,
    preferences: [{ type: 'auth_forcepasswordchange', value: '1' }],
  };
  const leakyPayload = { operation: 'create', user: forMoodle, token: MOODLE_TOKEN } as unknown as RequestPayload;
  const request = await service.submit({
    requester: { userId: 'UREQ' },
    target: { username: 'jdoe', email: 'jdoe@example.org' },
    payload: leakyPayload,
    reason: `please, token is ${MOODLE_TOKEN}`,
  });
  expect(JSON.stringify(request.payload)).not.toContain(PASSWORD);

  const approved = await service.approve(request.id, 'UAPPR', {
    comment: `ok ${BOT_TOKEN}`,
    corrections: { firstname: 'Janet', password: CORRECTED_PASSWORD } as Corrections,
  });
  expect(approved.ok).toBe(true);
  await service.startExecution(request.id);
  await service.recordFailure(request.id, {
    code: 'moodle_http_error',
    message: `POST /webservice/rest/server.php?wstoken=${MOODLE_TOKEN} failed`,
    hint: 'check the site',
    outcomeUnknown: false,
  });
  await service.retry(request.id, 'UAPPR');
  await service.recordSuccess(request.id, { moodleId: 99 });
  await service.recordRefusal('UX', { reason: 'permission', requestId: request.id, detail: 'not an approver' });
  await store.appendAudit({ at: new Date(), actor: 'system', kind: 'execution', detail: `Bearer ${BOT_TOKEN}` });

  // A scheduled expiry whose try failed with a message that carries the token.
  const endAt = new Date('2030-01-01T00:00:00Z');
  const [action] = await store.replaceSchedule(
    99,
    [
      {
        kind: 'expire',
        moodleId: 99,
        username: 'jdoe',
        endAt,
        dueAt: endAt,
        requestId: request.id,
        requesterId: 'UREQ',
      },
    ],
    new Date('2029-01-01T00:00:00Z'),
  );
  await store.claimAction(action!.id, endAt, new Date(endAt.getTime() + 60_000));
  const lastError = `expiry-try: GET /webservice/rest/server.php?wstoken=${MOODLE_TOKEN} failed`;
  expect(await store.settleAction(action!.id, { state: 'failed', lastError }, endAt)).toBe(true);
  expect((await store.getAction(action!.id))?.lastError).toContain('wstoken=[redacted]');

  const stored = await store.getRequest(request.id);
  expect(stored).toMatchObject({ status: 'succeeded', reason: 'please, token is [redacted]' });
  await store.close();

  const files = readdirSync(dir);
  expect(files).toContain('app.db');
  const bytes = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
  // The test would be worthless if the lifecycle had written nothing: check real content is there.
  expect(bytes.includes('jdoe@example.org')).toBe(true);
  expect(bytes.includes('Janet')).toBe(true);
  expect(bytes.includes('expiry-try')).toBe(true);
  for (const secret of [MOODLE_TOKEN, BOT_TOKEN, PASSWORD, CORRECTED_PASSWORD]) {
    expect(bytes.includes(secret), secret).toBe(false);
    expect(bytes.includes(Buffer.from(secret, 'utf16le')), `${secret} (UTF-16)`).toBe(false);
  }
});
