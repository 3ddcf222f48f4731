// Socket Mode: when the connection to Slack stays down, the app says so and hands over to its supervisor
// (the entry point stops and exits 1) instead of living on without a socket.
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.js';

let t: TestApp | undefined;
let quick: TestApp | undefined;
afterAll(async () => {
  await t?.stop();
  await quick?.stop();
});

/** Polls /readyz (it has no change events) until it answers `status`; false if the deadline passes first. */
async function readyzBecomes(app: TestApp, status: number, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while ((await app.get('/readyz')).status !== status) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('Socket Mode watchdog', () => {
  it('reports a connection that stays down, once, and /readyz says not ready meanwhile', async () => {
    let lost = 0;
    let wake: () => void = () => {};
    const lostOnce = new Promise<void>((resolve) => {
      wake = resolve;
    });
    t = await startTestApp({
      transport: 'socket',
      overrides: {
        connectionLostAfterMs: 300,
        onConnectionLost: () => {
          lost += 1;
          wake();
        },
      },
    });
    expect((await t.get('/readyz')).status).toBe(200);

    t.slack.fail('apps.connections.open', { kind: 'http', status: 503 });
    await t.socket.close();

    // Generous: the watchdog fires 300 ms after the drop when idle; the deadline only turns "never" into a failure.
    await Promise.race([
      lostOnce,
      new Promise((_, reject) => setTimeout(() => reject(new Error('watchdog did not fire')), 20_000)),
    ]);
    expect((await t.get('/readyz')).status).toBe(503);
    // "Once": a repeat would come at the next watchdog tick (75 ms); there is no event for one that must not come.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lost).toBe(1);
    expect(t.logs.some((l) => l.includes('has been down for more than'))).toBe(true);
    // As the entry point does: stop, before the Socket Mode client's own retry (5 s later) fails unhandled.
    await t.stop();
  });

  it('stays quiet when Slack asks for a reconnect and the socket comes back', async () => {
    // The Socket Mode client waits its ping timeout (5 s) before reconnecting; the bound must outlast that, with
    // room for a loaded machine.
    let lost = 0;
    quick = await startTestApp({
      transport: 'socket',
      overrides: { connectionLostAfterMs: 30_000, onConnectionLost: () => (lost += 1) },
    });
    quick.socket.sendDisconnect('refresh_requested');
    // Not ready while reconnecting (about 5 s), then ready again; the deadlines only turn "never" into a failure.
    expect(await readyzBecomes(quick, 503, 10_000)).toBe(true);
    expect(await readyzBecomes(quick, 200, 25_000)).toBe(true);
    expect(lost).toBe(0);
    const help = await quick.command('/moodle-user', 'help');
    expect(help.ack.status).toBe(200);
  }, 60_000);
});
