// A modal about one account, opened before the account is known: a "Looking up…" modal opens at once with the
// trigger_id (it expires in 3 s), the account is found (permission, protection and in-flight checks included), then
// the modal is replaced by the form, or by why it cannot be shown. Commands and buttons both open theirs this way.
import type { types, webApi } from '@slack/bolt';
import { describeAccount } from '../../core/account-ref.js';
import type { AccountTarget, NotOne, Refusal } from '../../core/accounts.js';
import type { Logger } from '../../logger.js';
import { buildLoadingModal, buildNoticeModal } from '../blocks/edit-user-modal.js';

export interface LookupModalSurface {
  triggerId: string;
  client: webApi.WebClient;
  logger: Logger;
  /** Tells the person privately when no modal could be shown. */
  tell: (text: string) => Promise<void>;
  /** Clicked inside a modal (the Home tab's "Find a user" result): the form is pushed onto it. */
  push?: boolean;
}

export async function openLookupModal<T extends AccountTarget>(
  { triggerId, client, logger, tell, push }: LookupModalSurface,
  title: string,
  userText: string,
  find: () => Promise<T | Refusal | NotOne>,
  build: (target: T) => types.ModalView,
): Promise<void> {
  let viewId: string | undefined;
  try {
    const loading = { trigger_id: triggerId, view: buildLoadingModal(title, userText) };
    const opened = await (push ? client.views.push(loading) : client.views.open(loading));
    viewId = opened.view?.id;
  } catch (err) {
    logger.warn({ err }, 'could not open the loading modal');
    await tell('Slack did not let the app open the form in time; try again.');
    return;
  }
  const found = await find();
  const view =
    found.kind === 'target'
      ? build(found)
      : buildNoticeModal(title, found.kind === 'refused' ? found.reason : found.message);
  try {
    if (viewId) await client.views.update({ view_id: viewId, view });
  } catch (err) {
    logger.warn({ err }, 'could not show the account modal');
    await tell(
      found.kind === 'target'
        ? `The form for ${describeAccount(found.user)} could not be shown; try again.`
        : found.kind === 'refused'
          ? found.reason
          : found.message,
    );
  }
}
