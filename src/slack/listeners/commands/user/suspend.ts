// /moodle-user suspend <user> [reason="..."]: asks to suspend an account (core_user_update_users suspended=1)
// through the same request → approval → execution path as every change.

import type { SubcommandContext } from './types.js';
import { runSuspension } from './unsuspend.js';

export async function handleSuspend(ctx: SubcommandContext): Promise<void> {
  await runSuspension(ctx, 'suspend');
}
