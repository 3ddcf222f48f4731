// /moodle-user delete: not built yet (placeholder so that the dispatcher's table is complete).
import type { SubcommandContext } from './types.js';

export async function handleDelete(ctx: SubcommandContext): Promise<void> {
  await ctx.respond({ response_type: 'ephemeral', text: '`/moodle-user delete` is not available yet.' });
}
