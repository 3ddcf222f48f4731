// The same app over Socket Mode, through the fake Socket Mode server that apps.connections.open points to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ transport: 'socket' });
});
afterAll(async () => {
  await t?.stop();
});

describe('Socket Mode', () => {
  it('opens the connection with the app-level token', () => {
    expect(t.config.slack.mode).toBe('socket');
    const open = t.slack.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe('app');
    expect(t.socket.connectionCount).toBe(1);
  });

  it('acks /moodle-adduser help on the socket and replies privately at the response_url', async () => {
    const result = await t.command('/moodle-adduser', 'help', { userId: 'U0SOCKET' });
    expect(result.ack).toEqual({ status: 200, body: undefined });
    const post = await result.waitForResponse();
    expect(post.body.response_type).toBe('ephemeral');
    expect(String(post.body.text)).toContain('/moodle-adduser');
  });

  it('acks /moodle-user help the same way', async () => {
    const post = await (await t.command('/moodle-user', 'help')).waitForResponse();
    expect(JSON.stringify(post.body.blocks)).toContain('`doctor` (admins)');
  });

  it('serves the health routes on PORT in Socket Mode too', async () => {
    expect(t.application.port).toBeGreaterThan(0);
    expect((await t.get('/healthz')).status).toBe(200);
    expect((await t.get('/readyz')).status).toBe(200);
    expect((await t.get('/slack/events')).status).toBe(404);
  });

  it('never writes a token to the log', () => {
    expect(t.leakedSecrets()).toEqual([]);
  });
});
