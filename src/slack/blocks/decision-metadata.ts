// What a decision modal carries in private_metadata: the request, the card it was opened from, the corrections made
// through Edit details (until Approve applies them) and, on the pushed form, the summary it updates. Compact keys,
// because Slack allows 3,000 characters; never trusted for who may decide.
import { z } from 'zod';
import { PROFILE_FIELDS } from '../../core/profile.js';
import type { MessageLocation } from '../../core/requests.js';
import { LIMITS } from './text.js';

export interface DecisionMetadata {
  requestId: string;
  /** The card the button was on, so that replies can go to that channel. */
  card?: MessageLocation;
  /** An approver's corrections made through Edit details (field → new value), applied at Approve. */
  corrections?: Readonly<Record<string, string>>;
  /** On the pushed Edit details form: the summary it updates. */
  summaryViewId?: string;
}

const metadataSchema = z.object({
  r: z.string().min(1).max(40),
  c: z.string().min(1).max(40).optional(),
  t: z.string().min(1).max(40).optional(),
  k: z.partialRecord(z.enum(PROFILE_FIELDS), z.string().max(1000)).optional(),
  v: z.string().min(1).max(40).optional(),
});

export function encodeDecisionMetadata(metadata: DecisionMetadata): string {
  const corrections = metadata.corrections ?? {};
  return JSON.stringify({
    r: metadata.requestId,
    ...(metadata.card ? { c: metadata.card.channel, t: metadata.card.ts } : {}),
    ...(Object.keys(corrections).length > 0 ? { k: corrections } : {}),
    ...(metadata.summaryViewId ? { v: metadata.summaryViewId } : {}),
  });
}

/** Whether the metadata fits Slack's limit (a long correction may not): it is never cut, cut JSON is no JSON. */
export function fitsMetadata(metadata: DecisionMetadata): boolean {
  return encodeDecisionMetadata(metadata).length <= LIMITS.privateMetadata;
}

/** Undefined when the metadata is not ours (a forged or truncated view). */
export function parseDecisionMetadata(text: string): DecisionMetadata | undefined {
  if (typeof text !== 'string' || text.length > LIMITS.privateMetadata) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = metadataSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { r, c, t, k, v } = parsed.data;
  return {
    requestId: r,
    ...(c && t ? { card: { channel: c, ts: t } } : {}),
    ...(k && Object.keys(k).length > 0 ? { corrections: k } : {}),
    ...(v ? { summaryViewId: v } : {}),
  };
}
