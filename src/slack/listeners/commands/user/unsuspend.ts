// /moodle-user unsuspend: not built yet (placeholder so that the dispatcher's table is complete).
import type { SubcommandContext } from './types.js';

export async function handleUnsuspend(ctx: SubcommandContext): Promise<void> {
  await ctx.respond({ response_type: 'ephemeral', text: '`/moodle-user unsuspend` is not available yet.' });
}
