// The client against a real local HTTP server: timeouts, refused and reset connections, the default keep-alive agent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMoodleClient } from '../../src/moodle/client.js';
import { MoodleError, MoodleErrorCode } from '../../src/moodle/errors.js';
import { Secret } from '../../src/secret.js';
import { caught, collectingLogger, expectNoSecret, TOKEN } from './helpers.js';
import { recorded } from './recorded.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const bob = {
  username: 'gt_bob',
  firstname: 'Bob',
  lastname: 'Brown',
  email: 'gt_bob@example.com',
  auth: 'manual',
  password: 'Str0ng!Pass',
};

describe('transport against a local server', () => {
  it('uses its own keep-alive agent by default and closes it', async () => {
    const seen: Array<{ url: string | undefined; type: string | undefined; body: string }> = [];
    const url = await serve((req, res, body) => {
      seen.push({ url: req.url, type: req.headers['content-type'], body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(recorded.a1);
    });
    const client = createMoodleClient({ url: `${url}/`, token: new Secret(TOKEN), timeoutMs: 2000 });
    await client.getSiteInfo();
    await client.getSiteInfo();
    await client.close();
    expect(seen).toHaveLength(2);
    expect(seen[0]?.url).toBe('/webservice/rest/server.php');
    expect(seen[0]?.type).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(seen[0]?.body).get('wstoken')).toBe(TOKEN);
  });

  it('a server that never answers is a timeout within timeoutMs; a create says its outcome is unknown', async () => {
    const url = await serve(() => {
      /* never answer */
    });
    const client = createMoodleClient({ url, token: new Secret(TOKEN), timeoutMs: 150, readRetries: 0 });
    const started = Date.now();
    const err = (await caught(client.createUsers([bob]))) as MoodleError;
    // The server never answers: any bound shows the timeout cut the call; this one leaves a loaded machine room.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err.code).toBe(MoodleErrorCode.Timeout);
    expect(err.outcomeUnknown).toBe(true);
    expect(err.hint).toMatch(/within 150 ms/);
    expect(err.hint).toMatch(/look the user up before retrying/);
    expectNoSecret(err, [TOKEN, 'Str0ng!Pass']);
    await client.close();
  });

  it('a body that stalls half-way is a timeout too', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"id":1,');
    });
    const client = createMoodleClient({ url, token: new Secret(TOKEN), timeoutMs: 150, readRetries: 0 });
    const err = (await caught(client.getUsersByField('username', ['x']))) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.Timeout);
    expect(err.outcomeUnknown).toBe(false);
    await client.close();
  });

  it('a refused connection is unreachable/refused, the write certainly not done', async () => {
    const url = await serve(() => {});
    const server = servers.pop();
    await new Promise((r) => server?.close(r));
    const { logger, lines } = collectingLogger();
    const client = createMoodleClient({ url, token: new Secret(TOKEN), timeoutMs: 1000, logger });
    const err = (await caught(client.createUsers([bob]))) as MoodleError;
    expect(err).toBeInstanceOf(MoodleError);
    expect(err.code).toBe(MoodleErrorCode.Unreachable);
    expect(err.transport).toBe('refused');
    expect(err.outcomeUnknown).toBe(false);
    expect(err.hint).toMatch(/refused/);
    expectNoSecret(err, [TOKEN, 'Str0ng!Pass']);
    expectNoSecret(lines.join('\n'), [TOKEN, 'Str0ng!Pass']);
    await client.close();
  });

  it('a connection reset after the request arrived is unreachable/reset with unknown outcome; reads retry it', async () => {
    let hits = 0;
    const url = await serve((req) => {
      hits += 1;
      req.socket.destroy();
    });
    const client = createMoodleClient({ url, token: new Secret(TOKEN), timeoutMs: 1000, retryMinDelayMs: 1 });
    const err = (await caught(client.createUsers([bob]))) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.Unreachable);
    expect(err.transport).toBe('reset');
    expect(err.outcomeUnknown).toBe(true);
    expect(hits).toBe(1);
    hits = 0;
    const read = (await caught(client.getSiteInfo())) as MoodleError;
    expect(read.code).toBe(MoodleErrorCode.Unreachable);
    expect(hits).toBe(3);
    await client.close();
  });
});

describe('through an outbound proxy', () => {
  it('names the proxy when it wants credentials (407), does not retry, and never sent the write', async () => {
    const { startConnectProxy } = await import('../fakes/connect-proxy.js');
    const proxy = await startConnectProxy({ credentials: { user: 'u', password: 'right-password' } });
    const url = await serve((_req, res) => res.end('{}'));
    const client = createMoodleClient({
      url,
      token: new Secret(TOKEN),
      timeoutMs: 2_000,
      retryMinDelayMs: 1,
      proxy: {
        httpProxy: new Secret(proxy.url.replace('http://', 'http://u:wrong-password@')),
        httpsProxy: undefined,
        noProxy: undefined,
      },
    });
    try {
      const read = (await caught(client.getSiteInfo())) as MoodleError;
      expect(read).toBeInstanceOf(MoodleError);
      expect(read.code).toBe(MoodleErrorCode.Unreachable);
      expect(read.hint).toContain(`The outbound proxy refused to open a connection to ${new URL(url).host} (HTTP 407`);
      expect(read.hint).toContain('it wants a user name and password');
      expect(read.hint).not.toContain('wrong-password');
      expect(proxy.connections).toHaveLength(1);
      const write = (await caught(client.createUsers([bob]))) as MoodleError;
      expect(write.outcomeUnknown).toBe(false);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('says which proxy to check when the proxy itself cannot be reached', async () => {
    const client = createMoodleClient({
      url: 'https://lms.example.org',
      token: new Secret(TOKEN),
      timeoutMs: 2_000,
      readRetries: 0,
      proxy: { httpsProxy: new Secret('http://user:pw-123456@127.0.0.1:9'), httpProxy: undefined, noProxy: undefined },
    });
    try {
      const error = (await caught(client.getSiteInfo())) as MoodleError;
      expect(error.code).toBe(MoodleErrorCode.Unreachable);
      expect(error.hint).toContain('This server goes through the proxy http://127.0.0.1:9 (with credentials)');
      expect(error.hint).not.toContain('pw-123456');
    } finally {
      await client.close();
    }
  });
});
