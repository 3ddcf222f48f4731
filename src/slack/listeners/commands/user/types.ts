// What a /moodle-user subcommand handler receives. The command is already acked; the handler answers with
// `respond` (private to the person) and may open a modal with `command.trigger_id` (do that first: it expires in 3 s).
import type { RespondFn, SlashCommand, webApi } from '@slack/bolt';
import type { Logger } from '../../../../logger.js';
import type { ListenerDeps } from '../../deps.js';

export interface SubcommandContext {
  /** The text after the subcommand word, untrimmed of quotes (tokenize it with core/parse-args tokenize). */
  args: string;
  command: SlashCommand;
  respond: RespondFn;
  client: webApi.WebClient;
  deps: ListenerDeps;
  logger: Logger;
  /** The text said `dry-run`: describe the Moodle calls, store and change nothing. */
  dryRun: boolean;
}

export type SubcommandHandler = (ctx: SubcommandContext) => Promise<void>;
