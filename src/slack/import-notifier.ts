// The notifier's part for imports: an import's card redrawn with its progress or totals, the result file sent to the
// requester privately, and the result looked up for the card, the requester's message and the notification line.
import type { webApi } from '@slack/bolt';
import type { ImportProgress, ImportResult } from '../core/import/types.js';
import type { Notifier } from '../core/provisioning.js';
import type { RequestRecord } from '../core/requests.js';
import { buildApprovalCard, type RenderOptions } from './blocks/approval-card.js';
import {
  buildImportProgressBlocks,
  buildImportResultComment,
  buildImportTotalsBlocks,
  isImportRequest,
} from './blocks/import-card.js';
import { derivedFileName, sendFilePrivately } from './import-file.js';

export interface ImportNotifications extends Required<Pick<Notifier, 'importProgress' | 'importFinished'>> {
  /** An import that has run: its result (totals, file); undefined for any other request. */
  finishedImport(request: RequestRecord): Promise<ImportResult | undefined>;
  /** Redraws a card, with an import's totals once it has run. */
  redrawCard(request: RequestRecord): Promise<void>;
}

export function createImportNotifications(options: {
  client: webApi.WebClient;
  moodleUrl: string;
  send: <T>(call: () => Promise<T>) => Promise<T>;
  importResult: ((requestId: string) => Promise<ImportResult | undefined>) | undefined;
}): ImportNotifications {
  const { client, moodleUrl, send } = options;
  const finishedImport = async (request: RequestRecord): Promise<ImportResult | undefined> => {
    const ran = request.status === 'succeeded' || request.status === 'failed';
    return ran && isImportRequest(request) ? options.importResult?.(request.id) : undefined;
  };
  const redraw = async (request: RequestRecord, extraBlocks: RenderOptions['extraBlocks']): Promise<void> => {
    if (!request.approvalMessage) return;
    const { channel, ts } = request.approvalMessage;
    const card = buildApprovalCard(request, { moodleUrl, ...(extraBlocks ? { extraBlocks } : {}) });
    await send(() => client.chat.update({ channel, ts, ...card }));
  };
  return {
    finishedImport,
    async redrawCard(request) {
      const result = await finishedImport(request);
      await redraw(request, result ? buildImportTotalsBlocks(result.totals) : undefined);
    },
    async importProgress(request: RequestRecord, progress: ImportProgress) {
      await redraw(request, buildImportProgressBlocks(progress));
    },
    async importFinished(request: RequestRecord, result: ImportResult) {
      // The card and the requester's file are independent: one failing must not cost the other.
      const [card, file] = await Promise.allSettled([
        redraw(request, buildImportTotalsBlocks(result.totals)),
        send(() =>
          sendFilePrivately(client, {
            userId: request.requester.userId,
            fileName: derivedFileName(result.fileName, 'result'),
            title: `Result of ${result.fileName}`,
            content: result.csv,
            comment: buildImportResultComment(request, result),
          }),
        ),
      ]);
      for (const outcome of [file, card]) if (outcome.status === 'rejected') throw outcome.reason;
    },
  };
}
