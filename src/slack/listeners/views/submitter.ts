// Who submitted a modal. A submission without a user has nobody to check or answer: it is closed rather than acted
// on for an unknown person.
import type { SlackViewMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../../../logger.js';

export async function readSubmitter(
  body: SlackViewMiddlewareArgs['body'],
  ack: SlackViewMiddlewareArgs['ack'],
  logger: Logger,
): Promise<string | undefined> {
  const userId = typeof body.user?.id === 'string' ? body.user.id : '';
  if (userId !== '') return userId;
  logger.warn('view submission without a user id; ignored');
  await ack();
  return undefined;
}
