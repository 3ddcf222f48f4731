// "Submit for approval" on the import preview. A preview is too large for private_metadata, so the file is
// downloaded and checked against Moodle once more (the truth at submission) and handed to imports.submit, which
// stores ONE import request with its rows and posts its approval card (or, for an admin whom no approval binds,
// runs it). The modal says what it became.
import type { Middleware, SlackViewMiddlewareArgs, types } from '@slack/bolt';
import type { RequesterContext } from '../../../core/requests.js';
import type { Logger } from '../../../logger.js';
import { buildImportFileProblemView, buildImportNoticeView } from '../../blocks/import-modal.js';
import { buildImportSubmittedView } from '../../blocks/import-preview.js';
import { escapeMrkdwn } from '../../blocks/untrusted.js';
import { loadImportFile } from '../../import-file.js';
import { type ImportMetadata, parseImportMetadata } from '../../views/import-values.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { replaceView } from './replace-view.js';
import { readSubmitter } from './submitter.js';

async function submitImport(
  deps: ListenerDeps,
  requester: RequesterContext,
  metadata: ImportMetadata,
  logger: Logger,
): Promise<types.ModalView> {
  const { file, mode } = metadata;
  if (!file || !mode) {
    return buildImportNoticeView(':warning: The form lost track of the file. Run `/moodle-adduser import` again.');
  }
  const imports = deps.provisioning.imports;
  const loaded = await loadImportFile(deps.config, imports, { ...file, size: undefined });
  if (!loaded.ok) return buildImportFileProblemView(file.name, loaded.message);
  const checked = await imports.preview(requester, loaded.file, mode);
  if (checked.kind === 'refused') return buildImportNoticeView(`:no_entry: ${escapeMrkdwn(checked.reason)}`);
  if (checked.kind === 'unavailable' || !checked.preview.checked) {
    const why = checked.kind === 'unavailable' ? checked.message : checked.preview.notes.join(' ');
    return buildImportNoticeView(`:warning: Nothing was submitted: Moodle could not be checked. ${escapeMrkdwn(why)}`);
  }
  const outcome = await imports.submit(requester, checked.preview, metadata.reason);
  logger.info(
    {
      outcome: outcome.kind,
      rows: loaded.file.rows.length,
      ...(outcome.kind === 'pending' ? { requestId: outcome.request.id } : {}),
    },
    'import submitted',
  );
  return buildImportSubmittedView(outcome, deps.config.approvalChannel);
}

export function createImportPreviewSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const userId = await readSubmitter(body, ack, logger);
    if (userId === undefined) return;
    const metadata = parseImportMetadata(view.private_metadata);
    await ack({
      response_action: 'update',
      view: buildImportNoticeView(
        ':hourglass_flowing_sand: Checking the file against Moodle once more and submitting…',
      ),
    });
    const requester: RequesterContext = {
      userId,
      ...(body.team?.id ? { teamId: body.team.id } : {}),
      ...(metadata.channelId ? { channelId: metadata.channelId } : {}),
    };
    await replaceView(client, view.id, () => submitImport(deps, requester, metadata, logger), logger, {
      log: 'import submission failed',
      notice:
        ':warning: The app failed unexpectedly; if a request was saved, `/moodle-user requests mine` shows it. ' +
        'Otherwise try again, and if it persists ask an admin to check the app’s log.',
    });
  };
}
