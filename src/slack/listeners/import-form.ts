// Opens the CSV import form, from `/moodle-adduser import` and from the Import CSV buttons. The trigger_id lives
// 3 seconds, so the form opens at once; whether the person may import is decided by the core at the preview.
import type { webApi } from '@slack/bolt';
import { isReasonRequired } from '../../core/policy.js';
import type { Logger } from '../../logger.js';
import { buildImportModal } from '../blocks/import-modal.js';
import { slackFailureCode } from '../notifier.js';
import type { ListenerDeps } from './deps.js';

export interface ImportOpener {
  triggerId: string;
  /** Where the person asked: a place for a private reply later. */
  channelId?: string | undefined;
}

/** True when the form is open; false (logged) when Slack refused, for the caller to tell the person. */
export async function openImportForm(
  deps: ListenerDeps,
  client: webApi.WebClient,
  opener: ImportOpener,
  logger: Logger,
): Promise<{ ok: true } | { ok: false; code: string }> {
  const view = buildImportModal({
    limits: deps.provisioning.imports.limits,
    reasonRequired: isReasonRequired(deps.config, 'import'),
    metadata: opener.channelId && /^[CGD]/.test(opener.channelId) ? { channelId: opener.channelId } : {},
  });
  try {
    await client.views.open({ trigger_id: opener.triggerId, view });
    return { ok: true };
  } catch (err) {
    const code = slackFailureCode(err);
    logger.warn({ slackError: code }, 'could not open the import form');
    return { ok: false, code };
  }
}
