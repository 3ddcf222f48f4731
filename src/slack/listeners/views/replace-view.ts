// The second half of a modal submission acked with a "working…" view: build the next view (a failure becomes the
// given notice, never silence) and put it in place with views.update. A modal closed meanwhile is only logged.
import type { types, webApi } from '@slack/bolt';
import type { Logger } from '../../../logger.js';
import { buildImportNoticeView } from '../../blocks/import-modal.js';
import { slackFailureCode } from '../../notifier.js';

export async function replaceView(
  client: webApi.WebClient,
  viewId: string,
  build: () => Promise<types.ModalView>,
  logger: Logger,
  failure: { log: string; notice: string },
): Promise<void> {
  let next: types.ModalView;
  try {
    next = await build();
  } catch (err) {
    logger.error({ err }, failure.log);
    next = buildImportNoticeView(failure.notice);
  }
  try {
    await client.views.update({ view_id: viewId, view: next });
  } catch (err) {
    logger.warn({ slackError: slackFailureCode(err) }, 'could not update the modal');
  }
}
