// Test helpers for the Moodle client: a MockAgent-backed Moodle that records every request body, a pino logger
// whose lines are collected, and a check that a value holds no secret anywhere (message, stack, JSON, inspect).
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { MockAgent } from 'undici';
import { expect } from 'vitest';
import { createMoodleClient, type MoodleClient, type MoodleClientOptions } from '../../src/moodle/client.js';
import { Secret } from '../../src/secret.js';

export const TOKEN = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
export const ORIGIN = 'http://moodle.test';
export const PATH = '/webservice/rest/server.php';
export const ENDPOINT = `${ORIGIN}${PATH}`;

export interface Reply {
  status?: number;
  body: string;
  contentType?: string;
}

export interface MockMoodle {
  client: MoodleClient;
  agent: MockAgent;
  /** Decoded form bodies of every request, in order. */
  readonly requests: URLSearchParams[];
  /** Full URLs requested (to check the token is not in them). */
  readonly urls: string[];
  logLines: string[];
}

/** A client talking to a MockAgent that answers each request with the next reply (the last one repeats). */
export function mockMoodle(replies: Array<Reply | Error>, options: Partial<MoodleClientOptions> = {}): MockMoodle {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  replies.forEach((reply, i) => {
    const scope = pool.intercept({ path: PATH, method: 'POST' });
    const last = i === replies.length - 1;
    if (reply instanceof Error) {
      const s = scope.replyWithError(reply);
      if (last) s.persist();
    } else {
      const s = scope.reply(reply.status ?? 200, reply.body, {
        headers: { 'content-type': reply.contentType ?? 'application/json' },
      });
      if (last) s.persist();
    }
  });
  const { logger, lines } = collectingLogger();
  const client = createMoodleClient({
    url: ORIGIN,
    token: new Secret(TOKEN),
    timeoutMs: 2000,
    dispatcher: agent,
    logger,
    retryMinDelayMs: 1,
    ...options,
  });
  const calls = () => agent.getCallHistory()?.calls() ?? [];
  return {
    client,
    agent,
    get requests() {
      return calls().map((c) => new URLSearchParams(c.body ?? ''));
    },
    get urls() {
      return calls().map((c) => c.fullUrl);
    },
    logLines: lines,
  };
}

export function json(value: unknown): Reply {
  return { body: JSON.stringify(value) };
}

export function collectingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** Every way a value can be printed or serialised, concatenated. */
export function everyRendering(value: unknown): string {
  const parts = [inspect(value, { depth: 12, showHidden: true }), String(value)];
  try {
    parts.push(JSON.stringify(value) ?? '');
  } catch {
    /* circular: inspect covers it */
  }
  if (value instanceof Error) {
    parts.push(value.message, value.stack ?? '');
    let cause: unknown = value.cause;
    for (let d = 0; cause !== undefined && d < 6; d += 1) {
      parts.push(inspect(cause, { depth: 12, showHidden: true }));
      if (cause instanceof Error) parts.push(cause.message, cause.stack ?? '');
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  return parts.join('\n');
}

export function expectNoSecret(value: unknown, secrets: string[] = [TOKEN]): void {
  const text = everyRendering(value);
  for (const s of secrets) {
    expect(text).not.toContain(s);
    expect(text).not.toContain(encodeURIComponent(s));
  }
}

export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}
