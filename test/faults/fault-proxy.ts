// A pass-through HTTP proxy in front of the fake Moodle that arms one of the fake's own faults exactly when a chosen
// web-service function is called. The fake's setFault hits the next N requests whatever they are; a create is
// preceded by look-ups (derived username, pre-flight), so "fail the create, not the look-ups" needs this. The fault
// itself (refuse, hang, 5xx, HTML, truncated, reset) is still produced by the fake; the proxy only relays it
// faithfully: a reset or refused upstream resets the client's connection, a hang stays a hang.
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FakeMoodle, FakeMoodleFault } from '../fakes/fake-moodle/index.js';

export interface FaultProxy {
  /** The value for MOODLE_URL. */
  readonly url: string;
  /** The next call of `wsfunction` (after `skip` others of it) gets `fault` from the fake. */
  armOn(wsfunction: string, fault: FakeMoodleFault, options?: { skip?: number }): void;
  disarm(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startFaultProxy(fake: FakeMoodle): Promise<FaultProxy> {
  const upstream = new URL(fake.url);
  let armed: { wsfunction: string; fault: FakeMoodleFault; skip: number } | undefined;
  const sockets = new Set<Socket>();

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const wsfunction =
      new URLSearchParams(body.toString('utf8')).get('wsfunction') ??
      new URL(req.url ?? '/', fake.url).searchParams.get('wsfunction');
    if (armed && wsfunction === armed.wsfunction) {
      if (armed.skip > 0) armed.skip -= 1;
      else {
        fake.setFault(armed.fault, { times: 1 });
        armed = undefined;
      }
    }
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
    // A fresh connection per call, so a connection-level fault of the fake ('refuse') applies to this call only.
    const out = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        // The fake cut the connection mid-body ('reset'): cut ours too, so the app sees what it would see.
        answer.on('aborted', () => req.socket.destroy());
        answer.on('error', () => req.socket.destroy());
      },
    );
    out.on('error', () => req.socket.resetAndDestroy());
    // The app gave up (its timeout): stop waiting on a hanging fake.
    res.on('close', () => out.destroy());
    out.end(body);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    armOn(wsfunction, fault, options = {}) {
      armed = { wsfunction, fault, skip: options.skip ?? 0 };
    },
    disarm() {
      armed = undefined;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
