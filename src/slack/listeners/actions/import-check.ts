// "Download the full check" in the import preview: the file is read and checked again (nothing of the preview is
// kept between requests) and the check, one line per row, is uploaded into the person's direct message with the
// app, where only they can see it. The preview is redrawn to say where the file went.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../../logger.js';
import { buildImportPreviewView } from '../../blocks/import-preview.js';
import { escapeMrkdwn } from '../../blocks/untrusted.js';
import { derivedFileName, loadImportFile, sendFilePrivately } from '../../import-file.js';
import { slackFailureCode } from '../../notifier.js';
import { type ImportMetadata, parseImportMetadata } from '../../views/import-values.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { tellPrivately } from './decision-flow.js';

const clickSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  team: z.looseObject({ id: z.string() }).nullish(),
  view: z.looseObject({ id: z.string().min(1), hash: z.string().optional(), private_metadata: z.string().optional() }),
});

async function sendCheck(
  deps: ListenerDeps,
  client: Parameters<Middleware<SlackActionMiddlewareArgs>>[0]['client'],
  userId: string,
  teamId: string | undefined,
  metadata: ImportMetadata,
  logger: Logger,
): Promise<{ ok: true; view: ReturnType<typeof buildImportPreviewView> } | { ok: false; message: string }> {
  const { file, mode } = metadata;
  if (!file || !mode)
    return { ok: false, message: 'The form lost track of the file. Run /moodle-adduser import again.' };
  const imports = deps.provisioning.imports;
  const loaded = await loadImportFile(deps.config, imports, { ...file, size: undefined });
  if (!loaded.ok)
    return { ok: false, message: `${escapeMrkdwn(file.name)} cannot be read: ${escapeMrkdwn(loaded.message)}` };
  const outcome = await imports.preview({ userId, ...(teamId ? { teamId } : {}) }, loaded.file, mode);
  if (outcome.kind !== 'preview') {
    return { ok: false, message: escapeMrkdwn(outcome.kind === 'refused' ? outcome.reason : outcome.message) };
  }
  const { preview } = outcome;
  await sendFilePrivately(client, {
    userId,
    fileName: derivedFileName(preview.fileName, 'check'),
    title: `Check of ${preview.fileName}`,
    content: imports.checkCsv(preview),
    comment: `The full check of ${preview.fileName}, one line per row. Nothing has been imported yet.`,
  });
  logger.info({ rows: preview.rows.length }, 'import check sent');
  return { ok: true, view: buildImportPreviewView(preview, metadata, { checkSent: true }) };
}

export function createImportCheckAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const click = clickSchema.safeParse(body);
    if (!click.success) {
      logger.warn('import check click without a user or a view; ignored');
      return;
    }
    const { user, team, view } = click.data;
    const metadata = parseImportMetadata(view.private_metadata);
    let result: Awaited<ReturnType<typeof sendCheck>>;
    try {
      result = await sendCheck(deps, client, user.id, team?.id, metadata, logger);
    } catch (err) {
      logger.warn({ slackError: slackFailureCode(err) }, 'could not send the import check');
      result = { ok: false, message: 'The check could not be sent to you. Click again in a moment.' };
    }
    if (!result.ok) {
      await tellPrivately(client, logger, { user: user.id }, `:warning: ${result.message}`);
      return;
    }
    try {
      await client.views.update({ view_id: view.id, ...(view.hash ? { hash: view.hash } : {}), view: result.view });
    } catch (err) {
      // Submitted or closed meanwhile: the file is in the DM all the same.
      logger.info({ slackError: slackFailureCode(err) }, 'could not redraw the import preview');
    }
  };
}
