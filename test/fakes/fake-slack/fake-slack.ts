// A local stand-in for the Slack Web API (reference.md §2, §3.7) and for the response_urls that tests put in
// payloads. It speaks what @slack/web-api v8 sends (POST /api/<method>, form or JSON body, Bearer token), answers
// like Slack (ok/error envelopes, ts, channel, view ids, one-shot trigger ids that expire after 3 s), records every
// call for assertions, and can be told to fail (429 with Retry-After, 5xx, { ok: false, error }).
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeSocketMode } from '../fake-socket-mode/fake-socket-mode.js';
import { type FakeSlackFile, FakeSlackFiles, type FakeUpload, type HostFileOptions } from './fake-files.js';

export type { FakeSlackFile, FakeUpload, HostFileOptions } from './fake-files.js';

export const FAKE_BOT_TOKEN = 'xoxb-fake-bot-token-FAKEbotTOKENfortests';
export const FAKE_APP_TOKEN = 'xapp-fake-A0TESTAPP-fakeapptokenfortests0000';

/** Every scope manifest.yml asks for; auth.test reports these in x-oauth-scopes unless told otherwise. */
export const FAKE_DEFAULT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'im:write',
  'users:read',
  'users:read.email',
  'usergroups:read',
  'channels:read',
  'groups:read',
  'files:read',
  'files:write',
];

export interface FakeSlackUser {
  id: string;
  name?: string;
  real_name?: string;
  email?: string;
  team_id?: string;
  deleted?: boolean;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  tz?: string;
}

export interface FakeSlackChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  /** Whether the bot is in the channel (conversations.info is_member). */
  is_member?: boolean;
  /** chat.postMessage / chat.postEphemeral answer `not_in_channel` (a private channel the bot was not invited to). */
  notInChannel?: boolean;
}

export interface FakeSlackOptions {
  /** Port to listen on; 0 (any free port) by default. */
  port?: number;
  botToken?: string;
  appToken?: string;
  /** Scopes reported by auth.test in the x-oauth-scopes header. */
  scopes?: string[];
  team?: { id: string; name: string; domain: string };
  /** An Enterprise Grid org; with `orgWide`, auth.test reports an org-wide install (is_enterprise_install). */
  enterprise?: { id: string; orgWide: boolean };
  botUserId?: string;
  botId?: string;
  users?: FakeSlackUser[];
  /** usergroup id (S…) → member user ids. */
  usergroups?: Record<string, string[]>;
  /** Known channels; C0APPROVALS, C0NOTIFY and C0GENERAL exist by default. */
  channels?: FakeSlackChannel[];
}

export type TokenKind = 'bot' | 'app' | 'invalid' | 'none';

export interface RecordedCall {
  method: string;
  /** Parsed arguments: `view`, `blocks`, `attachments`, `metadata` decoded from their JSON strings; no `token`. */
  args: Record<string, unknown>;
  /** Request headers; `authorization` is replaced by which token was used. */
  headers: Record<string, string>;
  token: TokenKind;
  /** What the fake answered. */
  status: number;
  response: Record<string, unknown> | undefined;
  at: number;
}

export type Fault =
  | { kind: 'ratelimited'; retryAfter?: number }
  | { kind: 'http'; status: number; body?: string }
  | { kind: 'error'; error: string; extra?: Record<string, unknown> }
  | { kind: 'hang' };

export interface ResponseUrlPost {
  id: string;
  /** The JSON the app posted (respond(): text, blocks, response_type, replace_original, ...). */
  body: Record<string, unknown>;
  headers: Record<string, string>;
  receivedAt: number;
  /** When the fake answered (later than receivedAt with setResponseUrlDelay). */
  answeredAt?: number;
  status: number;
}

interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
}

interface StoredView {
  id: string;
  hash: string;
  view: Record<string, unknown>;
  root_view_id: string;
  previous_view_id: string | null;
}

type Json = Record<string, unknown>;

const JSON_ARGS = ['view', 'blocks', 'attachments', 'metadata', 'files'];
const TRIGGER_LIFETIME_MS = 3_000;
// Waits end at the event; the deadline only turns a call that never comes into a failure, and is generous because a
// loaded machine can take seconds to get there.
const WAIT_DEADLINE_MS = 10_000;

export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly socket = new FakeSocketMode();
  readonly calls: RecordedCall[] = [];
  readonly responses: ResponseUrlPost[] = [];
  readonly messages: StoredMessage[] = [];
  readonly views = new Map<string, StoredView>();
  scopes: string[];
  readonly team: { id: string; name: string; domain: string };
  readonly enterprise: { id: string; orgWide: boolean } | undefined;
  readonly botUserId: string;
  readonly botId: string;
  readonly users = new Map<string, FakeSlackUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly channels = new Map<string, FakeSlackChannel>();
  /** Files served at their url_private_download, uploads through files.uploadV2, and the downloads made. */
  readonly files: FakeSlackFiles;
  /** 'plan_upgrade_required' makes every usergroups.* call fail as on a Free workspace. */
  usergroupsMode: 'ok' | 'plan_upgrade_required' = 'ok';

  readonly #events = new EventEmitter();
  readonly #faults = new Map<string, { fault: Fault; remaining: number }>();
  readonly #triggers = new Map<string, { issuedAt: number; used: boolean }>();
  readonly #responseUrlStatus = new Map<string, number>();
  #responseUrlDelayMs = 0;
  #server!: Server;
  #url = '';
  #counter = 0;
  #clock = 1_700_000_000;

  private constructor(options: FakeSlackOptions) {
    this.botToken = options.botToken ?? FAKE_BOT_TOKEN;
    this.appToken = options.appToken ?? FAKE_APP_TOKEN;
    this.scopes = options.scopes ?? [...FAKE_DEFAULT_SCOPES];
    this.team = options.team ?? { id: 'T0TESTTEAM', name: 'Test School', domain: 'test-school' };
    this.enterprise = options.enterprise;
    this.botUserId = options.botUserId ?? 'U0BOTUSER';
    this.botId = options.botId ?? 'B0TESTBOT';
    this.#events.setMaxListeners(0);
    this.files = new FakeSlackFiles({
      url: () => this.#url,
      teamId: this.team.id,
      nextNumber: () => this.#nextNumber(),
      changed: () => this.#events.emit('change'),
      channelProblem: (channel) => this.#channelProblem(channel),
    });
    for (const channel of [
      { id: 'C0APPROVALS', name: 'moodle-approvals', is_member: true },
      { id: 'C0NOTIFY', name: 'moodle-log', is_member: true },
      { id: 'C0GENERAL', name: 'general', is_member: false },
      ...(options.channels ?? []),
    ]) {
      this.channels.set(channel.id, channel);
    }
    for (const user of options.users ?? []) this.setUser(user);
    for (const [id, members] of Object.entries(options.usergroups ?? {})) this.usergroups.set(id, members);
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    fake.#server = createServer((req, res) => {
      fake.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake slack crashed: ${String(error)}`);
      });
    });
    fake.#server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').startsWith('/socket-mode')) fake.socket.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    fake.#url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** http://127.0.0.1:<port> */
  get url(): string {
    return this.#url;
  }

  /** The value for SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.#url}/api/`;
  }

  /** A response_url served by this fake; what the app posts there lands in `responses`. */
  responseUrl(id: string = this.#nextId('resp')): string {
    return `${this.#url}/response/${encodeURIComponent(id)}`;
  }

  /** A trigger_id that views.open/views.push accept once, within 3 s (like Slack's). */
  issueTriggerId(): string {
    const id = `${this.#nextNumber()}.${this.#nextNumber()}.${Math.random().toString(16).slice(2, 18)}`;
    this.#triggers.set(id, { issuedAt: Date.now(), used: false });
    return id;
  }

  /** A file a person uploaded in Slack: the object a file_input submits, its bytes behind the bot token. */
  hostFile(options: HostFileOptions): FakeSlackFile {
    return this.files.add(options);
  }

  /** Resolves with the first files.uploadV2 upload (past or future) completed and matching `predicate`. */
  waitForUpload(
    predicate: (upload: FakeUpload) => boolean = () => true,
    timeoutMs = WAIT_DEADLINE_MS,
  ): Promise<FakeUpload> {
    return this.#waitFor(
      () => this.files.uploads.find((u) => u.completed && predicate(u)),
      timeoutMs,
      () => `no completed upload matching within ${timeoutMs} ms; uploads so far: ${this.files.uploads.length}`,
    );
  }

  /** Makes a trigger_id expired, as if 3 s had passed. */
  expireTriggerId(id: string): void {
    const trigger = this.#triggers.get(id);
    if (trigger) trigger.issuedAt = 0;
  }

  setUser(user: FakeSlackUser): void {
    this.users.set(user.id, user);
  }

  setUsergroup(id: string, members: string[]): void {
    this.usergroups.set(id, members);
  }

  setChannel(channel: FakeSlackChannel): void {
    this.channels.set(channel.id, channel);
  }

  /** Makes the next `times` calls of `method` fail with `fault` (all of them when times is omitted). */
  fail(method: string, fault: Fault, times = Number.POSITIVE_INFINITY): void {
    this.#faults.set(method, { fault, remaining: times });
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** response_url posts wait this long before the fake answers (to keep a request in flight). */
  setResponseUrlDelay(ms: number): void {
    this.#responseUrlDelayMs = ms;
  }

  /** The response_url with this id answers `status` (e.g. 404 for an expired one). */
  failResponseUrl(id: string, status: number): void {
    this.#responseUrlStatus.set(id, status);
  }

  /** Forgets calls, responses, faults, messages and views; keeps users, groups and channels. */
  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.messages.length = 0;
    this.views.clear();
    this.files.reset();
    this.#faults.clear();
    this.#responseUrlStatus.clear();
    this.#responseUrlDelayMs = 0;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first recorded call (past or future) of `method` matching `predicate`. */
  waitForCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = WAIT_DEADLINE_MS,
  ): Promise<RecordedCall> {
    return this.#waitFor(
      () => this.calls.find((c) => c.method === method && predicate(c)),
      timeoutMs,
      () =>
        `no ${method} call matching the predicate within ${timeoutMs} ms; calls so far: ${this.calls.map((c) => c.method).join(', ') || 'none'}`,
    );
  }

  /** Resolves with the first post (past or future) to the response_url with this id, or matching the predicate. */
  waitForResponse(
    idOrPredicate: string | ((post: ResponseUrlPost) => boolean),
    timeoutMs = WAIT_DEADLINE_MS,
  ): Promise<ResponseUrlPost> {
    const match = typeof idOrPredicate === 'string' ? (p: ResponseUrlPost) => p.id === idOrPredicate : idOrPredicate;
    return this.#waitFor(
      () => this.responses.find(match),
      timeoutMs,
      () => `no response_url post matching within ${timeoutMs} ms; posts so far: ${this.responses.length}`,
    );
  }

  async close(): Promise<void> {
    await this.socket.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #waitFor<T>(find: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onChange = (): void => {
        const hit = find();
        if (hit === undefined) return;
        clearTimeout(timer);
        this.#events.off('change', onChange);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.#events.off('change', onChange);
        reject(new Error(describe()));
      }, timeoutMs);
      this.#events.on('change', onChange);
    });
  }

  #nextNumber(): number {
    this.#counter += 1;
    return this.#counter;
  }

  #nextId(prefix: string): string {
    return `${prefix}-${this.#nextNumber()}`;
  }

  #nextTs(): string {
    this.#clock += 1;
    return `${this.#clock}.${String(this.#nextNumber()).padStart(6, '0')}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const bytes = await readBody(req);
    const raw = bytes.toString('utf8');
    if (req.method === 'GET' && path.startsWith('/files-pri/')) {
      await this.files.serveDownload(path, this.#tokenKind(bearerOf(req)), res);
      return;
    }
    if (req.method === 'GET' && path === '/signin') return this.files.serveSignIn(res);
    if (req.method === 'POST' && path.startsWith('/upload/v1/')) {
      await this.files.receiveUpload(path, req, bytes, res);
      return;
    }
    if (req.method === 'POST' && path.startsWith('/response/')) {
      await this.#handleResponseUrl(decodeURIComponent(path.slice('/response/'.length)), req, raw, res);
      return;
    }
    if (req.method === 'POST' && path.startsWith('/api/')) {
      await this.#handleApi(path.slice('/api/'.length), req, raw, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  async #handleResponseUrl(id: string, req: IncomingMessage, raw: string, res: ServerResponse): Promise<void> {
    const status = this.#responseUrlStatus.get(id) ?? 200;
    const post: ResponseUrlPost = {
      id,
      body: (safeJson(raw) as Json | undefined) ?? { raw },
      headers: headerRecord(req),
      receivedAt: Date.now(),
      status,
    };
    this.responses.push(post);
    this.#events.emit('change');
    if (this.#responseUrlDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#responseUrlDelayMs));
    post.answeredAt = Date.now();
    this.#events.emit('change');
    if (status === 200) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    else res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 404 ? 'Expired url' : 'error');
  }

  async #handleApi(method: string, req: IncomingMessage, raw: string, res: ServerResponse): Promise<void> {
    const args = parseArgs(req.headers['content-type'] ?? '', raw);
    const presented = bearerOf(req) ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    const token = this.#tokenKind(presented);
    const headers = headerRecord(req);
    if (headers.authorization) headers.authorization = `Bearer [${token} token]`;
    const call: RecordedCall = { method, args, headers, token, status: 200, response: undefined, at: Date.now() };
    this.calls.push(call);

    const answer = (status: number, body: Json | string, extraHeaders: Record<string, string> = {}): void => {
      call.status = status;
      call.response = typeof body === 'string' ? undefined : body;
      this.#events.emit('change');
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const type = typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
      res.writeHead(status, { 'content-type': type, ...extraHeaders }).end(text);
    };

    const wanted: TokenKind = method === 'apps.connections.open' ? 'app' : 'bot';
    if (token === 'none') return answer(200, { ok: false, error: 'not_authed' });
    if (token !== wanted) {
      return answer(200, { ok: false, error: token === 'invalid' ? 'invalid_auth' : 'not_allowed_token_type' });
    }

    const planned = this.#faults.get(method);
    if (planned && planned.remaining > 0) {
      planned.remaining -= 1;
      const { fault } = planned;
      if (fault.kind === 'ratelimited') {
        return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter ?? 1) });
      }
      if (fault.kind === 'http') return answer(fault.status, fault.body ?? 'upstream error');
      if (fault.kind === 'error') return answer(200, { ok: false, error: fault.error, ...fault.extra });
      // 'hang': never answer; the client's timeout decides.
      this.#events.emit('change');
      return;
    }

    const result = this.#dispatch(method, args);
    const extra: Record<string, string> =
      method === 'auth.test' ? { 'x-oauth-scopes': this.scopes.join(','), 'x-accepted-oauth-scopes': '' } : {};
    answer(200, result, extra);
  }

  #tokenKind(presented: string | undefined): TokenKind {
    if (presented === undefined) return 'none';
    if (presented === this.botToken) return 'bot';
    return presented === this.appToken ? 'app' : 'invalid';
  }

  #dispatch(method: string, args: Json): Json {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: `https://${this.team.domain}.slack.com/`,
          team: this.team.name,
          user: 'moodle-accounts',
          team_id: this.team.id,
          user_id: this.botUserId,
          bot_id: this.botId,
          ...(this.enterprise ? { enterprise_id: this.enterprise.id } : {}),
          is_enterprise_install: this.enterprise?.orgWide ?? false,
        };
      case 'apps.connections.open':
        return { ok: true, url: `${this.#url.replace(/^http/, 'ws')}/socket-mode?ticket=${this.#nextId('ticket')}` };
      case 'chat.postMessage':
        return this.#postMessage(args);
      case 'chat.postEphemeral':
        return this.#postEphemeral(args);
      case 'chat.update':
        return this.#updateMessage(args);
      case 'views.open':
        return this.#openView(args, null);
      case 'views.push':
        return this.#openView(args, 'push');
      case 'views.update':
        return this.#updateView(args);
      case 'views.publish':
        return this.#publishView(args);
      case 'conversations.open':
        return this.#openConversation(args);
      case 'conversations.info':
        return this.#conversationInfo(args);
      case 'users.info':
        return this.#userInfo(args);
      case 'usergroups.users.list':
        return this.#usergroupMembers(args);
      case 'files.getUploadURLExternal':
        return this.files.getUploadUrl(args);
      case 'files.completeUploadExternal':
        return this.files.complete(args);
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  #channelProblem(channel: unknown): string | undefined {
    if (typeof channel !== 'string' || channel === '') return 'channel_not_found';
    if (/^[UW]/.test(channel) || channel.startsWith('D')) return undefined;
    const known = this.channels.get(channel);
    if (!known) return 'channel_not_found';
    if (known.is_archived) return 'is_archived';
    if (known.notInChannel) return 'not_in_channel';
    return undefined;
  }

  #postMessage(args: Json): Json {
    const problem = this.#channelProblem(args.channel);
    if (problem) return { ok: false, error: problem };
    if (!args.text && !args.blocks && !args.attachments) return { ok: false, error: 'no_text' };
    const channel = String(args.channel).replace(/^[UW]/, 'D');
    const message: StoredMessage = {
      channel,
      ts: this.#nextTs(),
      text: String(args.text ?? ''),
      blocks: Array.isArray(args.blocks) ? args.blocks : [],
      ...(typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {}),
    };
    this.messages.push(message);
    return { ok: true, channel, ts: message.ts, message: this.#messageJson(message) };
  }

  #postEphemeral(args: Json): Json {
    const problem = this.#channelProblem(args.channel);
    if (problem) return { ok: false, error: problem };
    if (typeof args.user !== 'string') return { ok: false, error: 'user_not_found' };
    if (!args.text && !args.blocks && !args.attachments) return { ok: false, error: 'no_text' };
    return { ok: true, message_ts: this.#nextTs() };
  }

  #updateMessage(args: Json): Json {
    const message = this.messages.find((m) => m.channel === args.channel && m.ts === args.ts);
    if (!message)
      return { ok: false, error: typeof args.channel === 'string' ? 'message_not_found' : 'channel_not_found' };
    if (typeof args.text === 'string') message.text = args.text;
    if (Array.isArray(args.blocks)) message.blocks = args.blocks;
    if (message.text.length > 4_000) return { ok: false, error: 'msg_too_long' };
    return {
      ok: true,
      channel: message.channel,
      ts: message.ts,
      text: message.text,
      message: this.#messageJson(message),
    };
  }

  #messageJson(message: StoredMessage): Json {
    return {
      type: 'message',
      user: this.botUserId,
      bot_id: this.botId,
      app_id: 'A0TESTAPP',
      text: message.text,
      blocks: message.blocks,
      ts: message.ts,
      team: this.team.id,
    };
  }

  #takeTrigger(triggerId: unknown): string | undefined {
    if (typeof triggerId !== 'string') return 'invalid_arguments';
    const trigger = this.#triggers.get(triggerId);
    if (!trigger) return 'invalid_trigger_id';
    if (trigger.used) return 'exchanged_trigger_id';
    if (Date.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) return 'expired_trigger_id';
    trigger.used = true;
    return undefined;
  }

  #viewProblem(view: unknown): string | undefined {
    if (!view || typeof view !== 'object') return 'invalid_arguments';
    const v = view as Json;
    if (v.type !== 'modal' && v.type !== 'home') return 'invalid_arguments';
    const blocks = Array.isArray(v.blocks) ? (v.blocks as Json[]) : [];
    if (blocks.length > 100) return 'invalid_arguments';
    if (v.type === 'modal' && blocks.some((b) => b.type === 'input') && !v.submit) return 'invalid_arguments';
    if (JSON.stringify(v).length > 250_000) return 'view_too_large';
    return undefined;
  }

  #openView(args: Json, mode: 'push' | null): Json {
    const triggerProblem = this.#takeTrigger(args.trigger_id);
    if (triggerProblem) return { ok: false, error: triggerProblem };
    const viewProblem = this.#viewProblem(args.view);
    if (viewProblem) return { ok: false, error: viewProblem };
    const id = `V0${String(this.#nextNumber()).padStart(8, '0')}`;
    const stored: StoredView = {
      id,
      hash: this.#nextTs(),
      view: args.view as Json,
      root_view_id: id,
      previous_view_id: mode === 'push' ? 'V0PREVIOUS' : null,
    };
    this.views.set(id, stored);
    return { ok: true, view: this.#viewJson(stored) };
  }

  /** A Home tab: one per user, replaced by each publish (Slack keeps the latest). */
  #publishView(args: Json): Json {
    if (typeof args.user_id !== 'string' || !/^[UW]/.test(args.user_id))
      return { ok: false, error: 'invalid_arguments' };
    const view = args.view as Json | undefined;
    if (view?.type !== 'home') return { ok: false, error: 'invalid_arguments' };
    const viewProblem = this.#viewProblem(view);
    if (viewProblem) return { ok: false, error: viewProblem };
    const id = `V0HOME${args.user_id}`;
    const stored: StoredView = { id, hash: this.#nextTs(), view, root_view_id: id, previous_view_id: null };
    this.views.set(id, stored);
    return { ok: true, view: this.#viewJson(stored) };
  }

  #updateView(args: Json): Json {
    const stored =
      typeof args.view_id === 'string'
        ? this.views.get(args.view_id)
        : [...this.views.values()].find((v) => v.view.external_id === args.external_id && args.external_id);
    if (!stored) return { ok: false, error: 'not_found' };
    if (typeof args.hash === 'string' && args.hash !== stored.hash) return { ok: false, error: 'hash_conflict' };
    const viewProblem = this.#viewProblem(args.view);
    if (viewProblem) return { ok: false, error: viewProblem };
    stored.view = args.view as Json;
    stored.hash = this.#nextTs();
    return { ok: true, view: this.#viewJson(stored) };
  }

  #viewJson(stored: StoredView): Json {
    return {
      ...stored.view,
      id: stored.id,
      team_id: this.team.id,
      app_id: 'A0TESTAPP',
      bot_id: this.botId,
      hash: stored.hash,
      root_view_id: stored.root_view_id,
      previous_view_id: stored.previous_view_id,
      state: { values: {} },
      private_metadata: stored.view.private_metadata ?? '',
      callback_id: stored.view.callback_id ?? '',
    };
  }

  #openConversation(args: Json): Json {
    const users = typeof args.users === 'string' ? args.users.split(',') : [];
    const first = users[0];
    if (!first) return { ok: false, error: 'users_list_not_supplied' };
    if (!this.users.has(first) && this.users.size > 0) return { ok: false, error: 'user_not_found' };
    return { ok: true, channel: { id: `D${first.slice(1)}` } };
  }

  #conversationInfo(args: Json): Json {
    const channel = typeof args.channel === 'string' ? this.channels.get(args.channel) : undefined;
    if (!channel || (channel.is_private && !channel.is_member)) return { ok: false, error: 'channel_not_found' };
    return {
      ok: true,
      channel: {
        id: channel.id,
        name: channel.name,
        is_channel: !channel.is_private,
        is_group: Boolean(channel.is_private),
        is_private: Boolean(channel.is_private),
        is_archived: Boolean(channel.is_archived),
        is_member: Boolean(channel.is_member),
      },
    };
  }

  #userInfo(args: Json): Json {
    const user = typeof args.user === 'string' ? this.users.get(args.user) : undefined;
    if (!user) return { ok: false, error: 'user_not_found' };
    const name = user.name ?? user.id.toLowerCase();
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: user.team_id ?? this.team.id,
        name,
        real_name: user.real_name ?? name,
        deleted: Boolean(user.deleted),
        is_admin: Boolean(user.is_admin),
        is_owner: Boolean(user.is_owner),
        is_primary_owner: Boolean(user.is_primary_owner),
        is_restricted: Boolean(user.is_restricted),
        is_ultra_restricted: Boolean(user.is_ultra_restricted),
        is_bot: Boolean(user.is_bot),
        is_app_user: Boolean(user.is_app_user),
        tz: user.tz ?? 'Europe/Berlin',
        updated: 1_700_000_000,
        profile: {
          real_name: user.real_name ?? name,
          display_name: name,
          ...(user.email && this.scopes.includes('users:read.email') ? { email: user.email } : {}),
        },
      },
    };
  }

  #usergroupMembers(args: Json): Json {
    if (this.usergroupsMode === 'plan_upgrade_required') return { ok: false, error: 'plan_upgrade_required' };
    const members = typeof args.usergroup === 'string' ? this.usergroups.get(args.usergroup) : undefined;
    if (!members) return { ok: false, error: 'no_such_subteam' };
    return { ok: true, users: [...members] };
  }
}

function bearerOf(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseArgs(contentType: string, raw: string): Json {
  if (contentType.startsWith('application/json')) return (safeJson(raw) as Json | undefined) ?? {};
  const args: Json = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = JSON_ARGS.includes(key) ? (safeJson(value) ?? value) : value;
  }
  return args;
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
