// /moodle-user suspend: not built yet (placeholder so that the dispatcher's table is complete).
import type { SubcommandContext } from './types.js';

export async function handleSuspend(ctx: SubcommandContext): Promise<void> {
  await ctx.respond({ response_type: 'ephemeral', text: '`/moodle-user suspend` is not available yet.' });
}
