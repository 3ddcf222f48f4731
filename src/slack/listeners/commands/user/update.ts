// /moodle-user update: not built yet (placeholder so that the dispatcher's table is complete).
import type { SubcommandContext } from './types.js';

export async function handleUpdate(ctx: SubcommandContext): Promise<void> {
  await ctx.respond({ response_type: 'ephemeral', text: '`/moodle-user update` is not available yet.' });
}
