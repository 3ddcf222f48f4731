// Submission of the CSV import form. Within the 3-second ack the file is downloaded and read (a few hundred KB from
// Slack's file host take well under a second): anything wrong with it (not CSV, empty, too large, not UTF-8, no
// header, columns missing, too many rows, a password column) goes back inline under the file field. Then the form
// is replaced by "Checking…" and, once Moodle has been asked (imports.preview), by the preview. When the download
// is slower than the ack allows, the form closes into "Checking…" anyway and a file problem is shown there.
import type { Middleware, SlackViewMiddlewareArgs, types } from '@slack/bolt';
import type { ImportService } from '../../../core/import/ports.js';
import { checkReasonGiven } from '../../../core/policy.js';
import {
  buildImportCheckingView,
  buildImportFileProblemView,
  buildImportNoticeView,
} from '../../blocks/import-modal.js';
import { buildImportPreviewView } from '../../blocks/import-preview.js';
import { truncateText } from '../../blocks/text.js';
import { escapeMrkdwn } from '../../blocks/untrusted.js';
import { type LoadedImportFile, loadImportFile } from '../../import-file.js';
import {
  encodeImportMetadata,
  IMPORT_FIELD_BLOCKS,
  type ImportFormValues,
  type ImportMetadata,
  parseImportMetadata,
  parseImportValues,
} from '../../views/import-values.js';
import { withinDeadline } from '../deadline.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { replaceView } from './replace-view.js';
import { readSubmitter } from './submitter.js';

/** How long the ack waits for the file to be downloaded and read, so that its problems can be shown inline. */
export const IMPORT_ACK_BUDGET_MS = 2_000;

const MAX_ERROR_LENGTH = 2_000;

function inlineErrors(problems: ImportFormValues['problems']): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const blockId = problem.field === '*' ? IMPORT_FIELD_BLOCKS.file : IMPORT_FIELD_BLOCKS[problem.field];
    errors[blockId] = truncateText(
      errors[blockId] ? `${errors[blockId]} ${problem.message}` : problem.message,
      MAX_ERROR_LENGTH,
    );
  }
  return errors;
}

/** The preview (or why there is none) for a file read, as the view that replaces "Checking…". */
export async function previewView(
  imports: ImportService,
  requester: { userId: string; teamId?: string; channelId?: string },
  loaded: Extract<LoadedImportFile, { ok: true }>,
  metadata: ImportMetadata & { mode: NonNullable<ImportMetadata['mode']> },
): Promise<types.ModalView> {
  const outcome = await imports.preview(requester, loaded.file, metadata.mode);
  switch (outcome.kind) {
    case 'preview':
      return buildImportPreviewView(outcome.preview, metadata);
    case 'refused':
      return buildImportNoticeView(`:no_entry: ${escapeMrkdwn(outcome.reason)}`);
    case 'unavailable':
      return buildImportNoticeView(`:warning: Moodle could not be checked: ${escapeMrkdwn(outcome.message)}`);
  }
}

export function createImportSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const userId = await readSubmitter(body, ack, logger);
    if (userId === undefined) return;
    const imports = deps.provisioning.imports;
    const values = parseImportValues(view.state?.values);
    const reasonMissing = checkReasonGiven(deps.config, 'import', values.reason);
    const problems = [...values.problems, ...(reasonMissing ? [{ ...reasonMissing, field: 'reason' as const }] : [])];
    const { channelId } = parseImportMetadata(view.private_metadata);
    const attached = values.file;
    const metadata = {
      ...(channelId ? { channelId } : {}),
      ...(attached
        ? { file: { id: attached.id, name: attached.name, urlPrivateDownload: attached.urlPrivateDownload } }
        : {}),
      mode: values.mode,
      ...(values.reason ? { reason: values.reason } : {}),
    };
    if (encodeImportMetadata(metadata) === undefined) {
      problems.push({ field: 'reason', message: 'The reason is too long to carry through the import; shorten it.' });
    }
    if (problems.length > 0 || !attached) {
      logger.info({ fields: problems.map((p) => p.field) }, 'import form has problems');
      await ack({ response_action: 'errors', errors: inlineErrors(problems) });
      return;
    }
    const loading = loadImportFile(deps.config, imports, attached);
    const early = await withinDeadline(loading, IMPORT_ACK_BUDGET_MS);
    if (early.done && !early.value.ok) {
      logger.info({ problem: early.value.code }, 'import file refused');
      await ack({ response_action: 'errors', errors: inlineErrors([{ field: 'file', message: early.value.message }]) });
      return;
    }
    const rows = early.done && early.value.ok ? early.value.file.rows.length : undefined;
    await ack({ response_action: 'update', view: buildImportCheckingView(attached.name, rows) });

    const requester = {
      userId,
      ...(body.team?.id ? { teamId: body.team.id } : {}),
      ...(channelId ? { channelId } : {}),
    };
    await replaceView(
      client,
      view.id,
      async () => {
        const loaded = early.done ? early.value : await loading;
        if (!loaded.ok) return buildImportFileProblemView(attached.name, loaded.message);
        logger.info({ rows: loaded.file.rows.length, mode: values.mode }, 'import file read');
        return previewView(imports, requester, loaded, metadata);
      },
      logger,
      {
        log: 'import preview failed',
        notice:
          ':warning: The app failed unexpectedly while checking the file; nothing was stored. Try again; if it ' +
          'persists, ask an admin to check the app’s log.',
      },
    );
  };
}
