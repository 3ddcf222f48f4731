// /moodle-adduser: ask for a new Moodle account. `help` answers with the usage; `import` opens the CSV import form
// (import-form.ts); text is parsed into fields and handed to provisioning.submitCreate, whose outcome is the one
// private reply; no text opens the "New Moodle user" modal (its submission is handled in views/new-user-submission.ts).

import type { Middleware, SlackCommandMiddlewareArgs, webApi } from '@slack/bolt';
import pLimit from 'p-limit';
import { readEndDate } from '../../../core/account-end-dates.js';
import { checkReasonGiven, isReasonRequired } from '../../../core/policy.js';
import type { FieldProblem } from '../../../core/user-record.js';
import type { Logger } from '../../../logger.js';
import { buildArgumentProblemsReply, buildCreateReply } from '../../blocks/create-result.js';
import { buildAddUserHelp } from '../../blocks/help.js';
import { buildNewUserModal } from '../../blocks/new-user-modal.js';
import { COMMANDS } from '../../ids.js';
import { slackFailureCode } from '../../notifier.js';
import { type ParsedUserArgs, parseUserArgs } from '../../parse-args.js';
import { timeZoneOf } from '../../user-time-zone.js';
import { PLAN_DEADLINE_MS, withinDeadline } from '../deadline.js';
import type { ListenerDeps } from '../deps.js';
import { openImportForm } from '../import-form.js';
import { requestLogger } from '../request-context.js';
import { takeDryRun } from './dry-run-word.js';

/**
 * How long the modal waits for the permission check. Slack's trigger_id lives 3 s from the keystroke; a cached or
 * id-listed role answers in milliseconds, a cold users.info/usergroups look-up in a few hundred. When Slack is
 * slower than this, the modal opens anyway and the submission refuses (submitCreate checks again), so a slow
 * directory never costs the person the form.
 */
export const MODAL_PERMISSION_BUDGET_MS = 1_000;

type Respond = SlackCommandMiddlewareArgs['respond'];

function ephemeral(text: string) {
  return { response_type: 'ephemeral' as const, text };
}

/** A reply that must not throw: an expired response_url is logged, and the work it reports is not undone. */
async function reply(respond: Respond, message: Parameters<Respond>[0], logger: Logger): Promise<void> {
  try {
    await respond(message);
  } catch (err) {
    logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not send the private reply');
  }
}

async function openModal(
  deps: ListenerDeps,
  command: SlackCommandMiddlewareArgs['command'],
  client: webApi.WebClient,
  respond: Respond,
  logger: Logger,
): Promise<void> {
  const permission = deps.provisioning.canRequest(command.user_id);
  // The check is recorded either way; a late refusal is shown at submission.
  permission.catch(() => {});
  const early = await withinDeadline(permission, MODAL_PERMISSION_BUDGET_MS);
  if (early.done && !early.value.ok) {
    logger.warn({ requester: command.user_id, operation: 'create' }, 'permission refused');
    await reply(respond, ephemeral(`:no_entry: ${early.value.reason}`), logger);
    return;
  }
  if (!early.done) logger.info('permission check slower than the modal allows; it is repeated at submission');
  const view = buildNewUserModal({
    allowedAuth: deps.config.allowedAuth,
    defaultAuth: deps.config.defaultAuth,
    roles: Object.keys(deps.config.roleIds),
    metadata: { channelId: command.channel_id },
    reasonRequired: isReasonRequired(deps.config, 'create'),
  });
  try {
    await client.views.open({ trigger_id: command.trigger_id, view });
  } catch (err) {
    const code = slackFailureCode(err);
    logger.error({ slackError: code }, 'could not open the new user modal');
    await reply(
      respond,
      ephemeral(
        `I could not open the form (Slack said: ${code}). Run ${COMMANDS.addUser} again, or give the fields as text: ` +
          `\`${COMMANDS.addUser} jane.doe@example.org Jane Doe\` (\`${COMMANDS.addUser} help\` for more).`,
      ),
      logger,
    );
  }
}

/**
 * The courses and cohorts the text names, looked up in Moodle, so that a course that does not exist is in the same
 * reply as the text's problems. Bounded: past PLAN_DEADLINE_MS, or when Moodle cannot say, the reply lists the other
 * problems alone (the submission checks the courses again), so a slow Moodle never holds them back.
 */
async function membershipProblems(
  deps: ListenerDeps,
  parsed: ParsedUserArgs,
  userId: string,
  logger: Logger,
): Promise<FieldProblem[]> {
  const { courses, cohorts, role } = parsed.fields;
  if (!courses?.trim() && !cohorts?.trim() && !role?.trim()) return [];
  const check = deps.provisioning.checkMemberships(userId, parsed.fields).catch((err: unknown) => {
    logger.warn({ err }, 'could not check the courses and cohorts of a text with problems');
    return undefined;
  });
  const timed = await withinDeadline(check, PLAN_DEADLINE_MS);
  if (!timed.done) logger.info('courses and cohorts not checked in time; the reply lists the other problems');
  return (timed.done && timed.value) || [];
}

/**
 * The text's problems and, in the same reply, what Moodle's rules say of the fields that could be read (an upper-case
 * username, a missing last name, a course Moodle does not have), leaving out fields a text problem already names.
 */
async function everyProblem(
  deps: ListenerDeps,
  parsed: ParsedUserArgs,
  timeZone: () => Promise<string>,
  asker: { userId: string; logger: Logger },
): Promise<(string | FieldProblem)[]> {
  const memberships = membershipProblems(deps, parsed, asker.userId, asker.logger);
  const checked = deps.provisioning.validateCreate(parsed.fields);
  const reasonMissing = checkReasonGiven(deps.config, 'create', parsed.fields.reason);
  const until = parsed.fields.until;
  const end = until ? readEndDate(until, await timeZone(), deps.clock.now()) : undefined;
  const said = new Set(parsed.reported ?? []);
  // A username made from an email already said to be wrong would only repeat that.
  if (checked.derived && said.has('email')) said.add('username');
  const more = [
    ...(checked.ok ? [] : checked.problems),
    ...(reasonMissing ? [reasonMissing] : []),
    ...(end && !end.ok ? end.problems : []),
    ...(await memberships),
  ];
  return [...parsed.problems, ...more.filter((p) => !said.has(p.field))];
}

async function createFromText(
  deps: ListenerDeps,
  command: SlackCommandMiddlewareArgs['command'],
  client: webApi.WebClient,
  respond: Respond,
  logger: Logger,
): Promise<void> {
  const { text, dryRun } = takeDryRun(command.text);
  const parsed = parseUserArgs(text);
  // An end date is read in the person's Slack time zone (asked of Slack only when there is one).
  const zone = () => (parsed.fields.until ? timeZoneOf(client, command.user_id) : Promise.resolve('UTC'));
  if (parsed.problems.length > 0) {
    const problems = await everyProblem(deps, parsed, zone, { userId: command.user_id, logger });
    await reply(respond, buildArgumentProblemsReply(problems), logger);
    return;
  }
  const timeZone = await zone();
  const outcome = await deps.provisioning.submitCreate(
    { userId: command.user_id, teamId: command.team_id, channelId: command.channel_id, ...(dryRun ? { dryRun } : {}) },
    parsed.fields,
    { timeZone },
  );
  if (outcome.kind === 'refused') logger.warn({ requester: command.user_id, operation: 'create' }, 'create refused');
  else logger.info({ outcome: outcome.kind }, 'create submitted');
  await reply(
    respond,
    buildCreateReply(outcome, {
      moodleUrl: deps.config.moodle.url,
      approvalChannel: deps.config.approvalChannel,
      input: parsed.fields,
    }),
    logger,
  );
}

/**
 * Creates from text in progress at once; the rest wait their turn in arrival order. Why: Node (libuv ≥ 1.45) accepts
 * one new TCP connection per event-loop turn, and a turn lasts as long as the synchronous work of every I/O
 * completion ready in it. With dozens of creates in progress each completion (a Moodle look-up answered, a store
 * commit, a Slack post) runs milliseconds of CPU, turns grow to hundreds of milliseconds, and the k-th request on a
 * new connection waited k turns for its ack: seconds under load, near Slack's 3 s deadline (docs/PERFORMANCE.md).
 * Bounding the work in progress bounds a turn. Large enough that a slow Moodle (three look-ups per create) still
 * serves a burst side by side; the modal path is not gated, its trigger_id expires 3 s after the keystroke.
 */
export const CREATES_IN_PROGRESS_LIMIT = 8;

export function createMoodleAddUserCommand(deps: ListenerDeps): Middleware<SlackCommandMiddlewareArgs> {
  const creates = pLimit(CREATES_IN_PROGRESS_LIMIT);
  return async ({ ack, respond, command, client, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    // The payload is untrusted: a command without text is an empty one, one without a user gets no answer.
    const text = typeof command.text === 'string' ? command.text.trim() : '';
    if (typeof command.user_id !== 'string' || command.user_id === '') {
      logger.warn('slash command without a user id; ignored');
      return;
    }
    try {
      if (text === '') {
        await openModal(deps, command, client, respond, logger);
      } else if (text.toLowerCase() === 'help') {
        await reply(respond, buildAddUserHelp(), logger);
      } else if (text.toLowerCase() === 'import') {
        const opened = await openImportForm(
          deps,
          client,
          { triggerId: command.trigger_id, channelId: command.channel_id },
          logger,
        );
        if (!opened.ok) {
          await reply(
            respond,
            ephemeral(
              `I could not open the import form (Slack said: ${opened.code}). Run ${COMMANDS.addUser} import again.`,
            ),
            logger,
          );
        }
      } else {
        await creates(() => createFromText(deps, command, client, respond, logger));
      }
    } catch (err) {
      // Never leave the person with silence: say what failed, log the detail (never the typed text).
      logger.error({ err }, '/moodle-adduser failed');
      await reply(
        respond,
        ephemeral(
          `Sorry, ${COMMANDS.addUser} failed unexpectedly. If a request was saved, \`/moodle-user requests mine\` ` +
            `shows it; otherwise try again, and if it persists ask an admin to check the app's log.`,
        ),
        logger,
      );
    }
  };
}
