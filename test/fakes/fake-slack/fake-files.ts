// The file side of the fake Slack: files a person "uploaded" through a modal's file_input, served at a
// url_private_download that (like files.slack.com) answers only the bot token and sends anyone else to a sign-in
// page; and the three steps of files.uploadV2 (files.getUploadURLExternal, the POST to the upload_url,
// files.completeUploadExternal), recorded for assertions.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type FileTokenKind = 'bot' | 'app' | 'invalid' | 'none';

export interface HostFileOptions {
  name: string;
  content: string | Buffer;
  /** text/csv unless given. */
  mimetype?: string;
  /** Slack's file type ('csv', 'text', 'xlsx'…); from the extension unless given. */
  filetype?: string;
  /** The size the file object reports; the real length unless given (a lie tests the download cap). */
  reportedSize?: number;
  /** Who uploaded it. */
  user?: string;
}

/** The file object a file_input puts in view.state.values (the fields the app may read). */
export interface FakeSlackFile {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  user_team: string;
  size: number;
  mode: 'hosted';
  is_external: false;
  is_public: false;
  url_private: string;
  url_private_download: string;
  permalink: string;
}

export interface RecordedDownload {
  fileId: string | undefined;
  path: string;
  token: FileTokenKind;
  status: number;
  at: number;
}

export interface FakeUpload {
  fileId: string;
  filename: string;
  /** The byte length files.getUploadURLExternal was told. */
  length: number;
  /** What was POSTed to the upload_url; undefined until then. */
  content: Buffer | undefined;
  completed: boolean;
  title?: string;
  channelId?: string;
  initialComment?: string;
  threadTs?: string;
}

type Json = Record<string, unknown>;

export interface FakeFilesHost {
  url(): string;
  readonly teamId: string;
  nextNumber(): number;
  changed(): void;
  /** Slack's answer when a channel cannot take the share (channel_not_found, not_in_channel…), or undefined. */
  channelProblem(channel: unknown): string | undefined;
}

export class FakeSlackFiles {
  readonly hosted = new Map<string, { file: FakeSlackFile; content: Buffer }>();
  readonly downloads: RecordedDownload[] = [];
  readonly uploads: FakeUpload[] = [];
  readonly #downloadFaults = new Map<string, number>();
  #held: Promise<void> | undefined;

  constructor(private readonly host: FakeFilesHost) {}

  add(options: HostFileOptions): FakeSlackFile {
    const id = `F0${String(this.host.nextNumber()).padStart(8, '0')}`;
    const content = typeof options.content === 'string' ? Buffer.from(options.content, 'utf8') : options.content;
    const extension = /\.([A-Za-z0-9]+)$/.exec(options.name)?.[1]?.toLowerCase() ?? 'text';
    const filetype = options.filetype ?? extension;
    const base = `${this.host.url()}/files-pri/${this.host.teamId}-${id}`;
    const encoded = encodeURIComponent(options.name);
    const file: FakeSlackFile = {
      id,
      created: 1_700_000_000,
      timestamp: 1_700_000_000,
      name: options.name,
      title: options.name,
      mimetype: options.mimetype ?? 'text/csv',
      filetype,
      pretty_type: filetype.toUpperCase(),
      user: options.user ?? 'U0REQUESTER',
      user_team: this.host.teamId,
      size: options.reportedSize ?? content.length,
      mode: 'hosted',
      is_external: false,
      is_public: false,
      url_private: `${base}/${encoded}`,
      url_private_download: `${base}/download/${encoded}`,
      permalink: `${this.host.url()}/files/U0REQUESTER/${id}/${encoded}`,
    };
    this.hosted.set(id, { file, content });
    return file;
  }

  /** Downloads of this file answer `status` from now on (e.g. 404 for a file deleted since it was uploaded). */
  failDownload(fileId: string, status: number): void {
    this.#downloadFaults.set(fileId, status);
  }

  /** Downloads wait (their request recorded, no answer) until `release()`: a slow file host, driven by the test. */
  holdDownloads(): { release(): void } {
    let release: () => void = () => {};
    this.#held = new Promise((resolve) => {
      release = resolve;
    });
    return {
      release: () => {
        this.#held = undefined;
        release();
      },
    };
  }

  reset(): void {
    this.#held = undefined;
    this.downloads.length = 0;
    this.uploads.length = 0;
    this.#downloadFaults.clear();
  }

  /** GET /files-pri/<team>-<id>/[download/]<name>: the file for the bot token, a redirect to sign in otherwise. */
  async serveDownload(path: string, token: FileTokenKind, res: ServerResponse): Promise<void> {
    const id = /^\/files-pri\/[A-Z0-9]+-(F[A-Z0-9]+)\//.exec(path)?.[1];
    const hosted = id ? this.hosted.get(id) : undefined;
    const record: RecordedDownload = { fileId: id, path, token, status: 200, at: Date.now() };
    this.downloads.push(record);
    this.host.changed();
    if (this.#held) await this.#held;
    const finish = (status: number, headers: Record<string, string | number>, body: string | Buffer) => {
      record.status = status;
      this.host.changed();
      res.writeHead(status, headers).end(body);
    };
    if (token !== 'bot') {
      // files.slack.com sends a request without a valid token to the sign-in page (HTML, not the file).
      finish(302, { location: `${this.host.url()}/signin?redir=${encodeURIComponent(path)}` }, '');
      return;
    }
    const fault = id ? this.#downloadFaults.get(id) : undefined;
    if (!hosted || fault !== undefined) {
      finish(fault ?? 404, { 'content-type': 'text/plain' }, 'File not found');
      return;
    }
    finish(200, { 'content-type': hosted.file.mimetype, 'content-length': hosted.content.length }, hosted.content);
  }

  serveSignIn(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><title>Sign in</title>');
  }

  getUploadUrl(args: Json): Json {
    const length = Number(args.length);
    if (typeof args.filename !== 'string' || args.filename === '' || !Number.isInteger(length) || length < 0) {
      return { ok: false, error: 'invalid_arguments' };
    }
    const fileId = `F0${String(this.host.nextNumber()).padStart(8, '0')}`;
    this.uploads.push({ fileId, filename: args.filename, length, content: undefined, completed: false });
    return { ok: true, upload_url: `${this.host.url()}/upload/v1/${fileId}`, file_id: fileId };
  }

  /** POST /upload/v1/<id>: the file's bytes, as the SDK sends them (multipart with one file part) or raw. */
  async receiveUpload(path: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const upload = this.uploads.find((u) => `/upload/v1/${u.fileId}` === path);
    if (!upload) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    upload.content = await readUploadedBytes(req.headers['content-type'] ?? '', raw);
    this.host.changed();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${upload.content.length}`);
  }

  complete(args: Json): Json {
    const files = Array.isArray(args.files) ? (args.files as Json[]) : undefined;
    if (!files || files.length === 0) return { ok: false, error: 'invalid_arguments' };
    const uploads = files.map((f) => this.uploads.find((u) => u.fileId === f.id && u.content !== undefined));
    if (uploads.some((u) => u === undefined)) return { ok: false, error: 'file_not_found' };
    if (args.channel_id !== undefined) {
      const problem = this.host.channelProblem(args.channel_id);
      if (problem) return { ok: false, error: problem };
    }
    const completed = uploads.map((upload, i) => {
      const u = upload as FakeUpload;
      u.completed = true;
      const title = files[i]?.title;
      if (typeof title === 'string') u.title = title;
      if (typeof args.channel_id === 'string') u.channelId = args.channel_id;
      if (typeof args.initial_comment === 'string') u.initialComment = args.initial_comment;
      if (typeof args.thread_ts === 'string') u.threadTs = args.thread_ts;
      return { id: u.fileId, name: u.filename, title: u.title ?? u.filename, size: u.content?.length ?? 0 };
    });
    return { ok: true, files: completed };
  }
}

async function readUploadedBytes(contentType: string, raw: Buffer): Promise<Buffer> {
  if (!contentType.startsWith('multipart/form-data')) return raw;
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.alloc(0);
}
