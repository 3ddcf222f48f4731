// A forward proxy for tests, as a school's firewall would have: it tunnels CONNECT requests (how undici's
// ProxyAgent reaches both http:// and https:// destinations) to the destination and records each one, with the
// Proxy-Authorization it was given. With `credentials` set it answers 407 to a CONNECT without them, and with
// `deny` it answers 403 to the destinations it lists. Plain (non-CONNECT) requests get 405, so that a client that
// skips the tunnel fails loudly.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ProxiedConnection {
  /** host:port asked for in the CONNECT line. */
  target: string;
  /** The Proxy-Authorization header, if any. */
  authorization: string | undefined;
  /** What the proxy answered: 200, 403 or 407. */
  status: number;
  /**
   * The request lines seen in the tunnel (plain HTTP inside), e.g. "GET /socket-mode?… HTTP/1.1": a tunnel is kept
   * alive and carries many requests, a WebSocket's upgrade included.
   */
  requestLines: string[];
}

export interface ConnectProxy {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly connections: ProxiedConnection[];
  /** The destinations (host:port) it tunnelled to. */
  targets(): string[];
  close(): Promise<void>;
}

export async function startConnectProxy(
  options: { credentials?: { user: string; password: string }; deny?: string[] } = {},
): Promise<ConnectProxy> {
  const connections: ProxiedConnection[] = [];
  const sockets = new Set<Socket>();
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`
    : undefined;
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end('this proxy only tunnels (CONNECT)');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const authorization = req.headers['proxy-authorization'];
    const refuse = (status: number, reason: string) => {
      connections.push({ target, authorization, status, requestLines: [] });
      client.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\n\r\n`);
    };
    if (expected && authorization !== expected) return refuse(407, 'Proxy Authentication Required');
    if (options.deny?.includes(target)) return refuse(403, 'Forbidden');
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const upstream = connect(port, host, () => {
      const connection: ProxiedConnection = { target, authorization, status: 200, requestLines: [] };
      connections.push(connection);
      client.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('latin1').split('\r\n')) {
          if (/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ HTTP\/1\.1$/.test(line))
            connection.requestLines.push(line);
        }
      });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    targets: () => connections.filter((c) => c.status === 200).map((c) => c.target),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
