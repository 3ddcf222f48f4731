// Replay refusal across replicas, through the real application in HTTP mode: two instances on one PostgreSQL
// database (as behind a load balancer), one signed request taken by the first and refused by the second as a replay;
// only a SHA-256 of the signature stored; a shared check that cannot be made refused with 503 and a log line naming
// its cause. On SQLite nothing changes: the replay memory of the process alone, nothing written to the database.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { buildSlashCommand, encodeForm } from '../fakes/sign.js';
import { createPgTestSchema, type PgTestSchema } from '../store/pg-test-database.js';
import { startTestApp, type TestApp } from './harness.js';
import { sendRaw, signedHeaders } from './raw-http.js';

const MINUTE = 60_000;
const OLD_HASH = createHash('sha256').update('v0=old').digest('hex');
const RECENT_HASH = createHash('sha256').update('v0=recent').digest('hex');

let slack: FakeSlack;

beforeAll(async () => {
  slack = await FakeSlack.start();
});
afterAll(async () => {
  await slack?.close();
});

function helpCommand(responseUrlId: string): string {
  return encodeForm(
    buildSlashCommand({
      command: '/moodle-user',
      text: 'help',
      response_url: slack.responseUrl(responseUrlId),
      trigger_id: slack.issueTriggerId(),
    }),
  );
}

const refusals = (t: TestApp, code: string) =>
  t
    .logRecords()
    .filter(
      (r) =>
        typeof r.msg === 'string' && r.msg.startsWith('Slack request refused before parsing') && r.errorCode === code,
    );

describe('two replicas on one PostgreSQL database', () => {
  let db: PgTestSchema;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    db = await createPgTestSchema();
    // Two signatures left by earlier replicas: one expired 20 minutes ago, one a minute ago (within the margin).
    const earlier = await openStore(db.url);
    await earlier.claimSignature(OLD_HASH, new Date(Date.now() - 20 * MINUTE), new Date(Date.now() - 25 * MINUTE));
    await earlier.claimSignature(RECENT_HASH, new Date(Date.now() - MINUTE), new Date(Date.now() - 2 * MINUTE));
    await earlier.close();
    const env = { DATABASE_URL: db.url, LOG_LEVEL: 'info' };
    [first, second] = await Promise.all([startTestApp({ slack, env }), startTestApp({ slack, env })]);
  }, 60_000);
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await db?.drop();
  }, 60_000);

  it('a signed request taken by one replica is refused by the other as a replay, and runs once', async () => {
    const body = helpCommand('replayed-elsewhere');
    const headers = signedHeaders(body);
    expect((await sendRaw(first.baseUrl, { headers, body })).status).toBe(200);
    await slack.waitForResponse('replayed-elsewhere');
    expect((await sendRaw(second.baseUrl, { headers, body })).status).toBe(401);
    expect(refusals(second, 'replayed')).toHaveLength(1);
    // And back to the first: its own memory refuses it.
    expect((await sendRaw(first.baseUrl, { headers, body })).status).toBe(401);
    await Promise.all([first.idle(), second.idle()]);
    expect(slack.responses.filter((p) => p.id === 'replayed-elsewhere')).toHaveLength(1);
  });

  it('stores only the SHA-256 of the signature, never the signature', async () => {
    const body = helpCommand('hashed');
    const headers = signedHeaders(body);
    expect((await sendRaw(second.baseUrl, { headers, body })).status).toBe(200);
    const signature = headers['x-slack-signature'] ?? '';
    const hash = createHash('sha256').update(signature).digest('hex');
    const { rows } = await db.query('SELECT hash, expires_at FROM seen_signatures');
    expect(rows.map((r) => r.hash)).toContain(hash);
    expect(JSON.stringify(rows)).not.toContain(signature.slice(3));
    expect(rows.find((r) => r.hash === hash)?.expires_at).toEqual(
      new Date((Number(headers['x-slack-request-timestamp']) + 300) * 1000),
    );
  });

  it('refuses with 503 and logs the cause when the shared check cannot be made, then serves again', async () => {
    await db.query('ALTER TABLE seen_signatures RENAME TO seen_signatures_away');
    const body = helpCommand('unchecked');
    try {
      expect((await sendRaw(first.baseUrl, { headers: signedHeaders(body), body })).status).toBe(503);
    } finally {
      await db.query('ALTER TABLE seen_signatures_away RENAME TO seen_signatures');
    }
    const [logged] = refusals(first, 'replay_check_unavailable');
    expect(logged).toMatchObject({ level: 50, status: 503 });
    expect(String(logged?.cause)).toMatch(/seen_signatures/);
    expect(String(logged?.msg)).toContain('replay check in the shared database failed');
    const again = helpCommand('checked-again');
    expect((await sendRaw(first.baseUrl, { headers: signedHeaders(again), body: again })).status).toBe(200);
    await slack.waitForResponse('checked-again');
    await first.idle();
    expect(slack.responses.filter((p) => p.id === 'unchecked')).toEqual([]);
  });

  it('one replica forgets the signatures expired more than the margin ago (the seen-signatures job)', async () => {
    const hashes = async () => (await db.query('SELECT hash FROM seen_signatures')).rows.map((r) => String(r.hash));
    const deadline = Date.now() + 30_000; // generous: the job runs as soon as a replica takes its lease
    while ((await hashes()).includes(OLD_HASH)) {
      if (Date.now() > deadline) throw new Error('the expired signature was not forgotten within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await hashes()).toContain(RECENT_HASH);
    const { rows } = await db.query(`SELECT holder FROM leases WHERE name = 'job:seen-signatures'`);
    expect(rows).toHaveLength(1);
  });

  it('logs neither the signing secret nor any signature', () => {
    expect([...first.leakedSecrets(), ...second.leakedSecrets()]).toEqual([]);
    expect([...first.logs, ...second.logs].filter((line) => /v0=[0-9a-f]{64}/.test(line))).toEqual([]);
  });
});

describe('one process on SQLite', () => {
  it('keeps replay refusal in memory and writes no signature to the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-replay-'));
    const file = join(dir, 'store.db');
    const t = await startTestApp({ slack, env: { DATABASE_URL: `sqlite:${file}` } });
    try {
      const body = helpCommand('sqlite-replay');
      const headers = signedHeaders(body);
      expect((await sendRaw(t.baseUrl, { headers, body })).status).toBe(200);
      expect((await sendRaw(t.baseUrl, { headers, body })).status).toBe(401);
      expect(refusals(t, 'replayed')).toHaveLength(1);
      await t.idle();
    } finally {
      await t.stop();
    }
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      expect(raw.prepare('SELECT count(*) AS n FROM seen_signatures').get()).toEqual({ n: 0 });
    } finally {
      raw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
