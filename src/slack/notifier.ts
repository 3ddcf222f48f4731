// The core's Notifier port over Slack's Web API: the approval card in APPROVAL_CHANNEL, direct messages to
// requesters, one line per outcome in NOTIFY_CHANNEL. Rendering lives in blocks/; this file only sends.
import type { webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Notifier, RequestEvent } from '../core/provisioning.js';
import type { MessageLocation, RequestRecord } from '../core/requests.js';
import { buildApprovalCard, buildNotificationLine, buildRequesterMessage } from './blocks/approval-card.js';

export interface SlackNotifierOptions {
  client: webApi.WebClient;
  config: Pick<Config, 'approvalChannel' | 'notifyChannel'> & { moodle: { url: string } };
}

export function createSlackNotifier({ client, config }: SlackNotifierOptions): Notifier {
  const moodleUrl = config.moodle.url;
  return {
    async postApprovalCard(request: RequestRecord): Promise<MessageLocation> {
      const card = buildApprovalCard(request, { moodleUrl });
      const res = await client.chat.postMessage({ channel: config.approvalChannel, ...card });
      if (!res.ts || !res.channel) throw new Error('Slack did not return the card’s location');
      return { channel: res.channel, ts: res.ts };
    },
    async updateApprovalCard(request: RequestRecord): Promise<void> {
      if (!request.approvalMessage) return;
      const card = buildApprovalCard(request, { moodleUrl });
      await client.chat.update({ channel: request.approvalMessage.channel, ts: request.approvalMessage.ts, ...card });
    },
    async notifyRequester(request: RequestRecord, event: RequestEvent): Promise<void> {
      const message = buildRequesterMessage(request, event, { moodleUrl });
      // A DM channel is opened by posting to the user id (needs im:write / chat:write).
      await client.chat.postMessage({ channel: request.requester.userId, ...message });
    },
    async announce(request: RequestRecord, event: RequestEvent): Promise<string | undefined> {
      const line = buildNotificationLine(request, event, { moodleUrl });
      const res = await client.chat.postMessage({ channel: config.notifyChannel, text: line, unfurl_links: false });
      return res.ts;
    },
  };
}
