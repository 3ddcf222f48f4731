// The fake Slack's files, which the import tests rely on: a file is served at its url_private_download to the bot
// token only (anyone else is sent to a sign-in page, as files.slack.com does), and the SDK's files.uploadV2 runs its
// three steps against the fake, which keeps the bytes, the channel and the comment.
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';

describe('fake Slack files', () => {
  let slack: FakeSlack;
  let client: webApi.WebClient;
  beforeAll(async () => {
    slack = await FakeSlack.start({ users: [{ id: 'U0REQUESTER' }] });
    client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await slack.close();
  });
  beforeEach(() => slack.reset());

  const download = (url: string, token?: string) =>
    fetch(url, { redirect: 'manual', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });

  it('serves a hosted file to the bot token, with its type and length', async () => {
    const file = slack.hostFile({ name: 'staff list.csv', content: 'username,email\nab,ab@example.org\n' });
    expect(file).toMatchObject({ name: 'staff list.csv', filetype: 'csv', mimetype: 'text/csv', size: 33 });
    expect(new URL(file.url_private_download).origin).toBe(slack.url);
    const response = await download(file.url_private_download, slack.botToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('33');
    expect(await response.text()).toBe('username,email\nab,ab@example.org\n');
    expect(slack.files.downloads).toEqual([expect.objectContaining({ fileId: file.id, token: 'bot', status: 200 })]);
  });

  it('sends a request without the bot token to the sign-in page, never the file', async () => {
    const file = slack.hostFile({ name: 'a.csv', content: 'secret,data\n' });
    for (const token of [undefined, 'xoxb-someone-else', slack.appToken]) {
      const response = await download(file.url_private_download, token);
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toMatch(/\/signin\?/);
      expect(await response.text()).toBe('');
    }
    const followed = await fetch(file.url_private_download);
    expect(followed.status).toBe(200);
    expect(followed.headers.get('content-type')).toMatch(/^text\/html/);
    expect(slack.files.downloads.map((d) => d.token)).toEqual(['none', 'invalid', 'app', 'none']);
  });

  it('answers 404 for an unknown file and a planned failure', async () => {
    const file = slack.hostFile({ name: 'a.csv', content: 'x\n' });
    slack.files.failDownload(file.id, 500);
    expect((await download(file.url_private_download, slack.botToken)).status).toBe(500);
    const unknown = file.url_private_download.replace(file.id, 'F0NOSUCH');
    expect((await download(unknown, slack.botToken)).status).toBe(404);
  });

  it('reports the size it is told to, so that a download cap can be tested against a lie', async () => {
    const file = slack.hostFile({ name: 'big.csv', content: 'x'.repeat(5_000), reportedSize: 10 });
    expect(file.size).toBe(10);
    expect((await (await download(file.url_private_download, slack.botToken)).arrayBuffer()).byteLength).toBe(5_000);
  });

  it('takes a files.uploadV2 upload to a DM: the bytes, the file name, the title and the comment', async () => {
    const content = 'row,username,status\n1,ab,created\n2,é,failed\n';
    const result = await client.filesUploadV2({
      channel_id: 'DREQUESTER',
      filename: 'import-result.csv',
      title: 'Import result',
      content,
      initial_comment: 'Your import is done.',
    });
    expect(result.ok).toBe(true);
    const upload = await slack.waitForUpload((u) => u.filename === 'import-result.csv');
    expect(upload.content?.toString('utf8')).toBe(content);
    expect(upload.length).toBe(Buffer.byteLength(content));
    expect(upload).toMatchObject({
      channelId: 'DREQUESTER',
      title: 'Import result',
      initialComment: 'Your import is done.',
    });
    expect(slack.callsTo('files.getUploadURLExternal')[0]?.token).toBe('bot');
    expect(slack.callsTo('files.completeUploadExternal')[0]?.args.files).toEqual([
      expect.objectContaining({ id: upload.fileId, title: 'Import result' }),
    ]);
  });

  it('refuses to complete an upload whose bytes never came, or into a channel that does not exist', async () => {
    const { file_id } = await client.files.getUploadURLExternal({ filename: 'x.csv', length: 3 });
    await expect(
      client.files.completeUploadExternal({ files: [{ id: String(file_id) }], channel_id: 'DREQUESTER' }),
    ).rejects.toMatchObject({ data: { error: 'file_not_found' } });
    await expect(
      client.filesUploadV2({ channel_id: 'C0NOSUCH', filename: 'y.csv', content: 'abc' }),
    ).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    expect(slack.files.uploads.filter((u) => u.completed)).toEqual([]);
  });
});
