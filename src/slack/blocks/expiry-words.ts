// The words for a suspend or delete the scheduler made when an account's end date came: nobody approved it, so the
// card, the requester's DM and the notification line say the end date was reached, and which request set it.
// approval-card.ts asks here first and falls back to its own words for every other request.
import type { RequestEvent } from '../../core/provisioning.js';
import type { RequestRecord } from '../../core/requests.js';
import { slackDate } from './card-parts.js';
import { escapeMrkdwn } from './untrusted.js';

export interface EndReachedWords {
  /** "nora.teach's Moodle account" */
  account: string;
  /** The end date, as Slack renders it in the reader's time zone. */
  date: string;
  /** "suspended" or "deleted" */
  done: string;
  /** "set in `R-…`" */
  setIn: string;
}

/** What is said of an expiry's request, or undefined for any other request. */
export function endReachedWords(request: RequestRecord): EndReachedWords | undefined {
  const payload = request.payload;
  if ((payload.operation !== 'suspend' && payload.operation !== 'delete') || !payload.endReached) return undefined;
  const at = new Date(payload.endReached.endAt);
  const date = slackDate(at);
  const name = request.target.username ?? `account ${request.target.moodleId ?? '?'}`;
  return {
    account: `${escapeMrkdwn(name, 200)}'s Moodle account`,
    date,
    done: payload.operation === 'delete' ? 'deleted' : 'suspended',
    setIn: `set in \`${escapeMrkdwn(payload.endReached.setIn, 40)}\``,
  };
}

/** The card's status line for an expiry, or undefined where the usual one fits (none other can happen). */
export function endReachedStatus(
  request: RequestRecord,
  words: EndReachedWords,
  parts: { link: string | undefined; failure: string },
): string | undefined {
  const when = `reached its end date (${words.date}), ${words.setIn}`;
  const link = linkFor(words, parts.link);
  switch (request.status) {
    case 'approved':
    case 'executing':
      return `:gear: *The account ${when}*; running in Moodle…`;
    case 'succeeded':
      return `:white_check_mark: *${capitalise(words.done)}: the account ${when}.*${link}`;
    case 'failed': {
      const attempts = request.attempts > 1 ? ` (attempt ${request.attempts})` : '';
      return `:x: *The account ${when}, but it could not be ${words.done}${attempts}:* ${parts.failure}\nAn approver can retry.`;
    }
    default:
      return undefined;
  }
}

/** The requester's DM after an expiry ran, or undefined for events an expiry cannot have. */
export function endReachedRequesterText(
  request: RequestRecord,
  event: RequestEvent,
  words: EndReachedWords,
  parts: { link: string | undefined },
): string | undefined {
  const reached = `${words.account} reached its end date (${words.date})`;
  const origin = `The end date was ${words.setIn} (this is \`${request.id}\`).`;
  if (event === 'executed') {
    const link = linkFor(words, parts.link);
    return `:white_check_mark: ${reached} and was ${words.done}. ${origin}${link}`;
  }
  if (event === 'failed') return `:x: ${reached} but could not be ${words.done} yet; an approver will retry. ${origin}`;
  return undefined;
}

/** The notification line for an expiry: what, the end date and who set it, how it ended. */
export function endReachedLine(
  what: string,
  event: RequestEvent,
  words: EndReachedWords,
  parts: { requester: string; link: string | undefined; failure: string },
): string {
  const when = `end date reached (${words.date}), ${words.setIn} by ${parts.requester}`;
  if (event === 'executed') return `${what}: :white_check_mark: ${words.done}, ${when}${linkFor(words, parts.link)}`;
  return `${what}: :x: ${when}, but it could not be ${words.done}: ${parts.failure}`;
}

/** A deleted account has no profile to link to. */
const linkFor = (words: EndReachedWords, link: string | undefined) =>
  link && words.done !== 'deleted' ? ` ${link}` : '';

const capitalise = (word: string) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
