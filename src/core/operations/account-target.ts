// Shared by the operations on an existing account: its id, and what Moodle now holds for it.
import type { MoodleGateway, MoodleUser } from '../moodle-gateway.js';
import type { RequestTarget } from '../requests.js';
import type { OperationRequest } from './types.js';

export function requireTargetId(request: Pick<OperationRequest<unknown>, 'id' | 'target'>): number {
  if (request.target.moodleId === undefined) throw new Error(`request ${request.id} has no Moodle account id`);
  return request.target.moodleId;
}

/** The key of a change to one existing account. */
export function accountKey(target: RequestTarget): string {
  return `user:${target.moodleId ?? target.username ?? ''}`;
}

export async function currentAccount(
  gateway: MoodleGateway,
  request: Pick<OperationRequest<unknown>, 'id' | 'target'>,
): Promise<MoodleUser | undefined> {
  return (await gateway.getUsersByField('id', [requireTargetId(request)]))[0];
}
