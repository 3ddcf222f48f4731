// The Slack side of reading an import file and sending files back: the attached file is checked against the size
// limit from what Slack says of it, downloaded with the bot token (file-download.ts), and read by the core
// (imports.readFile); every way this fails becomes one sentence for the inline error on the file field. Files for
// the person (the full check, the result) go to their direct message with files.uploadV2.
import type { webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import type { ImportService } from '../core/import/ports.js';
import type { ImportFile, ImportLimits } from '../core/import/types.js';
import { formatBytes } from './blocks/import-modal.js';
import { downloadSlackFile, type FileDownloadFailure } from './file-download.js';
import type { AttachedFile } from './views/import-values.js';
import { slackProxyDispatcher } from './web-client-options.js';

/** A large file from Slack arrives in well under a second; this only ends a download that hangs. */
export const IMPORT_DOWNLOAD_TIMEOUT_MS = 30_000;

export type LoadedImportFile =
  | { ok: true; file: ImportFile }
  | { ok: false; message: string; code: FileDownloadFailure | 'read' };

export function tooLargeMessage(limits: ImportLimits): string {
  return `The file is larger than ${formatBytes(limits.maxBytes)}, the most one import takes. Split it into smaller files.`;
}

function downloadMessage(reason: FileDownloadFailure, limits: ImportLimits): string {
  switch (reason) {
    case 'too_large':
      return tooLargeMessage(limits);
    case 'not_slack_file':
      return 'The file did not come from Slack. Attach it again.';
    case 'refused':
      return (
        'Slack did not let the app read the file. Attach it again; if it keeps failing, an admin must reinstall ' +
        'the app with the files:read permission (manifest.yml).'
      );
    case 'not_found':
      return 'The file is no longer in Slack (it was deleted). Attach it again.';
    case 'unavailable':
      return 'Slack did not send the file. Try again in a moment.';
  }
}

export async function loadImportFile(
  config: Config,
  imports: Pick<ImportService, 'limits' | 'readFile'>,
  attached: Pick<AttachedFile, 'name' | 'size' | 'urlPrivateDownload'>,
): Promise<LoadedImportFile> {
  const { limits } = imports;
  if (attached.size !== undefined && attached.size > limits.maxBytes) {
    return { ok: false, code: 'too_large', message: tooLargeMessage(limits) };
  }
  const download = await downloadSlackFile(attached.urlPrivateDownload, {
    botToken: config.slack.botToken,
    filesOrigin: config.slack.filesUrl,
    maxBytes: limits.maxBytes,
    timeoutMs: IMPORT_DOWNLOAD_TIMEOUT_MS,
    dispatcher: slackProxyDispatcher(config),
  });
  if (!download.ok) return { ok: false, code: download.reason, message: downloadMessage(download.reason, limits) };
  const read = imports.readFile(download.bytes, attached.name);
  return read.ok ? { ok: true, file: read.file } : { ok: false, code: 'read', message: read.error.message };
}

/** "staff.csv" → "staff-check.csv". */
export function derivedFileName(fileName: string, suffix: string): string {
  const base =
    fileName
      .replace(/\.csv$/i, '')
      .replace(/[^\p{L}\p{N}._ -]/gu, '_')
      .slice(0, 100) || 'import';
  return `${base}-${suffix}.csv`;
}

export interface PrivateFile {
  userId: string;
  fileName: string;
  title: string;
  content: string;
  /** The message the file comes with (mrkdwn). */
  comment: string;
}

/** Uploads a file into the app's direct message with one person: nobody else can see it. */
export async function sendFilePrivately(client: webApi.WebClient, file: PrivateFile): Promise<void> {
  const dm = await client.conversations.open({ users: file.userId });
  const channel = dm.channel?.id;
  if (!channel) throw new Error('Slack did not open a direct message');
  await client.filesUploadV2({
    channel_id: channel,
    filename: file.fileName,
    title: file.title,
    content: file.content,
    initial_comment: file.comment,
  });
}
