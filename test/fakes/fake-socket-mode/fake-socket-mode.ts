// A local Socket Mode server (reference.md §1.9): greets each connection with `hello`, lets a test send envelopes
// (slash_commands, interactive, events_api) and resolves with the app's ack `{ envelope_id, payload }`.
// The fake Slack Web API's apps.connections.open hands out its URL; it can also run on its own port.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

// Waits end at the event; the deadline only turns a hang into a failure, and is generous because a loaded machine
// can take seconds to connect or to acknowledge.
const WAIT_DEADLINE_MS = 10_000;

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketAck {
  envelope_id: string;
  /** What the app put in the ack: e.g. `{ response_action: 'errors', errors }`; undefined for a bare ack. */
  payload?: unknown;
  receivedAt: number;
}

export interface SendOptions {
  /** How long to wait for the ack (Slack gives up after 3 s). */
  timeoutMs?: number;
  retryAttempt?: number;
  retryReason?: string;
}

export class FakeSocketMode {
  readonly acks: SocketAck[] = [];
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<WebSocket>();
  readonly #ackWaiters = new Map<string, (ack: SocketAck) => void>();
  #connectionWaiters: Array<() => void> = [];
  #server: Server | undefined;
  #url = '';

  constructor() {
    this.#wss.on('connection', (ws) => this.#onConnection(ws));
  }

  /** Runs on its own HTTP port (when not attached to the fake Slack). */
  static async start(): Promise<FakeSocketMode> {
    const fake = new FakeSocketMode();
    const server = createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (req, socket, head) => fake.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.#server = server;
    fake.#url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket-mode`;
    return fake;
  }

  /** The ws:// URL to hand out when running standalone. */
  get url(): string {
    return this.#url;
  }

  get connectionCount(): number {
    return [...this.#sockets].filter((s) => s.readyState === s.OPEN).length;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss.emit('connection', ws, req));
  }

  #onConnection(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on('close', () => this.#sockets.delete(ws));
    ws.on('message', (data) => {
      let message: { envelope_id?: unknown; payload?: unknown };
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (typeof message.envelope_id !== 'string') return;
      const ack: SocketAck = { envelope_id: message.envelope_id, payload: message.payload, receivedAt: Date.now() };
      this.acks.push(ack);
      this.#ackWaiters.get(ack.envelope_id)?.(ack);
      this.#ackWaiters.delete(ack.envelope_id);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.#sockets.size,
        debug_info: { host: 'fake-socket-mode', approximate_connection_time: 18_060 },
        connection_info: { app_id: 'A0TESTAPP' },
      }),
    );
    for (const wake of this.#connectionWaiters.splice(0)) wake();
  }

  /** Resolves once at least one app connection is open. */
  waitForConnection(timeoutMs = WAIT_DEADLINE_MS): Promise<void> {
    if (this.connectionCount > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Socket Mode connection within ${timeoutMs} ms`)), timeoutMs);
      this.#connectionWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends an envelope to the newest connection and resolves with the app's ack. */
  send(type: EnvelopeType, payload: unknown, options: SendOptions = {}): Promise<SocketAck> {
    const socket = [...this.#sockets].reverse().find((s) => s.readyState === s.OPEN);
    if (!socket) return Promise.reject(new Error('no open Socket Mode connection'));
    const envelopeId = randomUUID();
    const timeoutMs = options.timeoutMs ?? WAIT_DEADLINE_MS;
    const acked = new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#ackWaiters.delete(envelopeId);
        reject(new Error(`no ack for ${type} envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#ackWaiters.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        retry_attempt: options.retryAttempt ?? 0,
        retry_reason: options.retryReason ?? '',
      }),
    );
    return acked;
  }

  /** Asks the app to reconnect, as Slack does before it rotates a connection. */
  sendDisconnect(reason: 'warning' | 'refresh_requested' | 'link_disabled' = 'refresh_requested'): void {
    for (const socket of this.#sockets) socket.send(JSON.stringify({ type: 'disconnect', reason }));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    if (this.#server) {
      const server = this.#server;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
