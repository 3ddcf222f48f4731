// Telling people: the approval card, the requester's DM and the notification line. A failure to tell never undoes
// or hides the work it reports; it is logged, and the card is posted again by the background job.
import { CardGate } from '../card-gate.js';
import type { MessageLocation, RequestRecord } from '../requests.js';
import type { RequestEvent, UseCaseContext } from './context.js';

export interface Announcer {
  /** Posts the request's card in the approval channel and remembers where it is. */
  postCard(request: RequestRecord): Promise<MessageLocation>;
  /** Redraws the card of a request that changed but still waits (an approval of several). */
  announceProgress(request: RequestRecord): Promise<void>;
  /** Submissions (store, then post the card) pass it; the missing-cards sweep closes it while it lists. */
  readonly cardGate: CardGate;
  /** Marks a card as being posted; false when it already is. The sweep claims what it will post. */
  claim(requestId: string): boolean;
  /** Gives back a claim whose card was not posted. */
  release(requestId: string): void;
  /** Card, requester and notification channel, after a change of state. */
  announceOutcome(request: RequestRecord, event: RequestEvent): Promise<void>;
}

export function createAnnouncer(ctx: Pick<UseCaseContext, 'notifier' | 'store' | 'log'>): Announcer {
  const { notifier, store, log } = ctx;
  /** Requests whose card is being posted right now, so that postMissingCards never posts a second one. */
  const cardsInFlight = new Set<string>();

  async function tell(what: string, request: RequestRecord, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      log('warn', `could not ${what}`, {
        requestId: request.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  async function postCard(request: RequestRecord): Promise<MessageLocation> {
    cardsInFlight.add(request.id);
    try {
      const location = await notifier.postApprovalCard(request);
      await store.setApprovalMessage(request.id, location);
      return location;
    } finally {
      cardsInFlight.delete(request.id);
    }
  }

  return {
    postCard,
    async announceProgress(request) {
      if (!request.approvalMessage) return;
      await tell('update the approval card', request, () => notifier.updateApprovalCard(request));
    },
    cardGate: new CardGate(),
    claim(requestId) {
      if (cardsInFlight.has(requestId)) return false;
      cardsInFlight.add(requestId);
      return true;
    },
    release: (requestId) => cardsInFlight.delete(requestId),
    async announceOutcome(request, event) {
      if (event === 'failed' && !request.approvalMessage) {
        // An admin's direct execution has no card, but a failed request is retried from its card's Retry button:
        // without one, nobody could retry it from Slack. Post it now, drawn from the failed request.
        await tell('post the card of the failed request', request, () => postCard(request));
      } else {
        await tell('update the approval card', request, () =>
          request.approvalMessage ? notifier.updateApprovalCard(request) : Promise.resolve(),
        );
      }
      await tell('message the requester', request, () => notifier.notifyRequester(request, event));
      await tell('post the notification', request, async () => {
        const ts = await notifier.announce(request, event);
        if (ts) await store.setNotificationTs(request.id, ts);
      });
    },
  };
}
