// What every fault test checks after a failure: the words a person saw (no stack trace, no raw JSON or HTML), the
// request as stored (status, audit trail), Moodle's accounts and call log, and that the process still serves.
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { RequestRecord } from '../../src/core/requests.js';
import { SLACK_USERS } from '../e2e/approval-helpers.js';
import { startTestApp, type TestApp } from '../e2e/harness.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

/**
 * Short, so that a hanging Moodle fails a test in seconds; not shorter, because on a loaded machine even a local
 * fake's quick answer (a 503, an HTML page) can take hundreds of milliseconds, and must not be taken for a hang.
 */
export const FAST_MOODLE_TIMEOUT_MS = '1500';

/** The text a person reads in a message, modal or reply: every `text` string in it, blocks included. */
export function visibleText(value: unknown): string {
  if (typeof value === 'string') return value;
  const out: string[] = [];
  const walk = (v: unknown, key: string | undefined): void => {
    if (typeof v === 'string') {
      if (key === 'text') out.push(v);
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, undefined);
    } else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) walk(inner, k);
    }
  };
  walk(value, undefined);
  return out.join('\n');
}

/** A message for a person: not a stack trace, not a raw Moodle body, not JSON, not an HTML page. */
export function expectHumane(text: string): void {
  expect(text.trim().length, 'empty message').toBeGreaterThan(0);
  expect(text).not.toMatch(/\n\s+at .+[:(]\d+/);
  expect(text).not.toMatch(/\b(TypeError|ReferenceError|SyntaxError|MoodleError|AbortError)\b/);
  expect(text).not.toMatch(/[{[]\s*"[a-z_]+"\s*:/i);
  expect(text).not.toMatch(/<!DOCTYPE|<html|<br \/>|<b>Notice/i);
  expect(text).not.toMatch(/\b(debuginfo|errorcode|stacktrace|undefined|\[object Object\])\b/i);
}

export function requestIdIn(text: string): string {
  const id = /R-[A-Z0-9]{6}/.exec(text)?.[0];
  if (!id) throw new Error(`no request id in: ${text}`);
  return id;
}

export async function storedRequest(t: TestApp, id: string): Promise<RequestRecord> {
  const request = await t.application.deps.listenerDeps.store.getRequest(id);
  if (!request) throw new Error(`request ${id} is not in the store`);
  return request;
}

/** The request's audit trail as kind:outcome:actor. */
export async function auditTrail(t: TestApp, id: string): Promise<string[]> {
  const events = await t.application.deps.listenerDeps.store.listAudit();
  return events.filter((e) => e.requestId === id).map((e) => `${e.kind}:${e.outcome}:${e.actor}`);
}

export function createCalls(fake: FakeMoodle, username: string): number {
  return fake.calls.filter(
    (c) => c.wsfunction === 'core_user_create_users' && c.params['users[0][username]'] === username,
  ).length;
}

export function accountsNamed(fake: FakeMoodle, username: string): number {
  return fake.site.snapshotUsers().filter((u) => u.username === username && !u.deleted).length;
}

export async function expectServing(t: TestApp): Promise<void> {
  expect((await t.get('/healthz')).status).toBe(200);
  expect((await t.get('/readyz')).status).toBe(200);
}

let counter = 0;
/** A fresh person per test, so tests sharing one app and one fake Moodle never collide. */
export function freshPerson(prefix: string): { username: string; email: string; firstname: string; lastname: string } {
  counter += 1;
  const username = `${prefix.toLowerCase().replace(/[^a-z0-9]/g, '')}${counter}x${Date.now() % 10000}`;
  return { username, email: `${username}@example.org`, firstname: 'Fay', lastname: `Ault${counter}` };
}

export function addUserText(p: { username: string; email: string; firstname: string; lastname: string }): string {
  return `${p.email} ${p.firstname} ${p.lastname} username=${p.username}`;
}

export interface FaultRig {
  fake: FakeMoodle;
  proxy: FaultProxy;
  t: TestApp;
}

/**
 * One app per test file, against the fake Moodle behind a proxy that aims a fault at one function, with a short
 * Moodle timeout; faults are cleared before each test. `ready` receives the rig once it runs.
 */
export function useFaultRig(env: Record<string, string>, ready: (rig: FaultRig) => void): void {
  let rig: FaultRig | undefined;
  beforeAll(async () => {
    const fake = await startFakeMoodle();
    const proxy = await startFaultProxy(fake);
    const t = await startTestApp({
      moodleUrl: proxy.url,
      env: { MOODLE_TOKEN: fake.token, MOODLE_TIMEOUT_MS: FAST_MOODLE_TIMEOUT_MS, ...env },
      slack: { users: SLACK_USERS },
    });
    rig = { fake, proxy, t };
    ready(rig);
  });
  afterAll(async () => {
    await rig?.t.stop();
    await rig?.proxy.close();
    await rig?.fake.close();
  });
  beforeEach(() => {
    rig?.fake.setFault(null);
    rig?.proxy.disarm();
  });
}

/** A /moodle-adduser text command and its one private reply. */
export async function addUserReply(t: TestApp, text: string, userId: string) {
  const result = await t.command('/moodle-adduser', text, { userId });
  expect(result.ack.status).toBe(200);
  const post = await result.waitForResponse();
  expect(post.body.response_type).toBe('ephemeral');
  return { body: post.body, text: visibleText(post.body) };
}

/** The approval card the app posted for a request, by its id in the card's text. */
export function cardOf(t: TestApp, id: string) {
  return t.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(id),
  );
}
