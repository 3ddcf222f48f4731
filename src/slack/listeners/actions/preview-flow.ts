// What the request forms' Preview buttons share: read the click, push "Checking Moodle…" over the form at once (the
// trigger_id lives 3 s, Moodle may take longer; the form underneath keeps what was typed), then replace it with the
// dry run's answer. An unexpected failure is said in the pushed view, never left as "Checking…".
import type { types, webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../../logger.js';
import { buildNoticeModal } from '../../blocks/edit-user-modal.js';
import { LIMITS, mrkdwn, plainText } from '../../blocks/text.js';

const clickSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), team_id: z.string().optional() }),
  trigger_id: z.string().min(1),
  view: z.looseObject({
    private_metadata: z.string().optional(),
    state: z.looseObject({ values: z.unknown() }).optional(),
  }),
});
const openedSchema = z.looseObject({ view: z.looseObject({ id: z.string() }) });

export interface PreviewClick {
  userId: string;
  teamId: string | undefined;
  /** The form's values as they stand (untrusted), and its private_metadata. */
  values: unknown;
  privateMetadata: string;
}

export async function showPreview(
  client: webApi.WebClient,
  logger: Logger,
  body: unknown,
  title: string,
  compute: (click: PreviewClick) => Promise<types.KnownBlock[]>,
): Promise<void> {
  const parsed = clickSchema.safeParse(body);
  if (!parsed.success) {
    logger.warn('preview clicked without the expected payload');
    return;
  }
  const { user, trigger_id: triggerId, view } = parsed.data;
  const checking = buildNoticeModal(title, 'Checking with Moodle what this would do… Nothing is changed.');
  const pushed = openedSchema.safeParse(await client.views.push({ trigger_id: triggerId, view: checking }));
  if (!pushed.success) return;
  let blocks: types.KnownBlock[];
  try {
    blocks = await compute({
      userId: user.id,
      teamId: user.team_id,
      values: view.state?.values,
      privateMetadata: view.private_metadata ?? '',
    });
  } catch (err) {
    logger.error({ err }, 'the preview failed');
    blocks = [{ type: 'section', text: mrkdwn('The preview failed unexpectedly; nothing was changed. Try again.') }];
  }
  await client.views.update({
    view_id: pushed.data.view.id,
    view: {
      type: 'modal',
      title: plainText(title, LIMITS.modalTitle),
      close: plainText('Back', LIMITS.modalButton),
      blocks: blocks.slice(0, 100),
    },
  });
}
