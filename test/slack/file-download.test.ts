// Downloading an attached file: only from Slack's file host and with the bot token, never following Slack's
// redirect to its sign-in page, stopped at the cap while it streams, and with no URL or token in what it reports.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/secret.js';
import { downloadSlackFile, type FileDownloadOptions, isSlackFileUrl } from '../../src/slack/file-download.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';

describe('downloadSlackFile', () => {
  let slack: FakeSlack;
  let options: FileDownloadOptions;
  beforeAll(async () => {
    slack = await FakeSlack.start();
    options = { botToken: new Secret(slack.botToken), filesOrigin: slack.url, maxBytes: 1_000, timeoutMs: 10_000 };
  });
  afterAll(async () => {
    await slack.close();
  });
  beforeEach(() => slack.reset());

  it('gets the bytes with the bot token', async () => {
    const content = Buffer.from('username,email\nü,ü@example.org\n', 'utf8');
    const file = slack.hostFile({ name: 'a.csv', content });
    const result = await downloadSlackFile(file.url_private_download, options);
    expect(result).toEqual({ ok: true, bytes: content });
    expect(slack.files.downloads).toEqual([expect.objectContaining({ fileId: file.id, token: 'bot' })]);
  });

  it('sends nothing to a URL off the file host, with credentials, or outside /files-pri/', async () => {
    const file = slack.hostFile({ name: 'a.csv', content: 'x\n' });
    const elsewhere = file.url_private_download.replace('127.0.0.1', 'localhost');
    const withCredentials = file.url_private_download.replace('http://', 'http://user:pw@');
    for (const url of [elsewhere, withCredentials, `${slack.url}/api/auth.test`, 'not a url', '']) {
      expect(await downloadSlackFile(url, options)).toMatchObject({ ok: false, reason: 'not_slack_file' });
    }
    expect(isSlackFileUrl('https://files.slack.com/files-pri/T1-F1/download/a.csv', 'https://files.slack.com')).toBe(
      true,
    );
    expect(isSlackFileUrl('https://files.slack.com.evil.org/files-pri/T1-F1/a.csv', 'https://files.slack.com')).toBe(
      false,
    );
    expect(slack.files.downloads).toEqual([]);
  });

  it("takes Slack's redirect to sign in as a refusal, without following it", async () => {
    const file = slack.hostFile({ name: 'a.csv', content: 'x\n' });
    const result = await downloadSlackFile(file.url_private_download, {
      ...options,
      botToken: new Secret('xoxb-not-the-bot'),
    });
    expect(result).toMatchObject({ ok: false, reason: 'refused' });
    expect(slack.files.downloads.map((d) => d.token)).toEqual(['invalid']);
  });

  it('tells a missing file from an unavailable host', async () => {
    const file = slack.hostFile({ name: 'a.csv', content: 'x\n' });
    slack.files.failDownload(file.id, 404);
    expect(await downloadSlackFile(file.url_private_download, options)).toMatchObject({ reason: 'not_found' });
    slack.files.failDownload(file.id, 503);
    expect(await downloadSlackFile(file.url_private_download, options)).toMatchObject({ reason: 'unavailable' });
  });

  it('refuses a body over the cap, whatever size the file object claimed', async () => {
    const file = slack.hostFile({ name: 'big.csv', content: 'x'.repeat(1_001), reportedSize: 10 });
    expect(await downloadSlackFile(file.url_private_download, options)).toMatchObject({
      ok: false,
      reason: 'too_large',
    });
    const exact = slack.hostFile({ name: 'exact.csv', content: 'x'.repeat(1_000) });
    expect(await downloadSlackFile(exact.url_private_download, options)).toMatchObject({ ok: true });
  });

  it('never reports the URL (and its query) or the token', async () => {
    const file = slack.hostFile({ name: 'a.csv', content: 'x'.repeat(2_000) });
    const url = `${file.url_private_download}?t=xoxe-secret-file-token`;
    const results = [
      await downloadSlackFile(url, options),
      await downloadSlackFile(url, { ...options, botToken: new Secret('xoxb-other') }),
      await downloadSlackFile(url.replace(slack.url, 'http://127.0.0.1:9'), {
        ...options,
        filesOrigin: 'http://127.0.0.1:9',
      }),
    ];
    const text = JSON.stringify(results);
    expect(results.every((r) => !r.ok)).toBe(true);
    for (const secret of ['xoxe-secret-file-token', slack.botToken, 'xoxb-other', file.id, '/files-pri/']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('downloadSlackFile from a host that streams without a length', () => {
  let server: Server;
  let origin: string;
  let closedAfter: Promise<number>;
  beforeAll(async () => {
    let resolveClosed: (bytes: number) => void = () => {};
    closedAfter = new Promise((resolve) => {
      resolveClosed = resolve;
    });
    server = createServer((req, res) => {
      if (req.url?.includes('/never/')) return; // never answers
      res.writeHead(200, { 'content-type': 'text/csv' });
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const push = (): void => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', push);
      };
      res.on('close', () => resolveClosed(sent));
      push();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('stops reading at the cap instead of taking an endless body', async () => {
    const result = await downloadSlackFile(`${origin}/files-pri/T1-F1/download/a.csv`, {
      botToken: new Secret('xoxb-x'),
      filesOrigin: origin,
      maxBytes: 200_000,
      timeoutMs: 30_000,
    });
    expect(result).toMatchObject({ ok: false, reason: 'too_large' });
    // The connection is dropped long before the server could have sent a large file.
    expect(await closedAfter).toBeLessThan(50_000_000);
  });

  it('gives up on a host that never answers', async () => {
    const result = await downloadSlackFile(`${origin}/files-pri/T1-F2/never/a.csv`, {
      botToken: new Secret('xoxb-x'),
      filesOrigin: origin,
      maxBytes: 1_000,
      timeoutMs: 300,
    });
    expect(result).toEqual({ ok: false, reason: 'unavailable', detail: 'timed out' });
  });
});
