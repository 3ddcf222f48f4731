// Holds what a running app sent to the fake Slack to Slack's Block Kit limits: every message, update, ephemeral,
// response_url reply and view, as recorded. An end-to-end file calls it last, over everything its flows produced.
import { checkMessage, checkView } from '../slack/block-kit-validator.js';
import type { TestApp } from './harness.js';

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

/** The problems in every payload Slack received so far, each prefixed by where it went. */
export async function blockKitProblemsReceived(t: TestApp): Promise<string[]> {
  await t.idle();
  const problems: string[] = [];
  const add = (where: string, found: string[]) => problems.push(...found.map((p) => `${where}: ${p}`));
  for (const call of t.slack.calls) {
    if (MESSAGE_METHODS.has(call.method))
      add(call.method, checkMessage(call.args as { text?: unknown; blocks?: unknown }));
    else if (call.method.startsWith('views.')) add(call.method, checkView(call.args.view as Record<string, unknown>));
  }
  for (const post of t.slack.responses) add('response_url', checkMessage(post.body));
  return problems;
}
