// The time zone a person set in Slack, in which the dates they type are read (UTC when Slack does not say).
import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import { isTimeZone } from '../core/dates.js';

const userInfoSchema = z.object({ user: z.object({ tz: z.string().max(64).optional() }).optional() });

export async function timeZoneOf(client: webApi.WebClient, userId: string): Promise<string> {
  try {
    const parsed = userInfoSchema.safeParse(await client.users.info({ user: userId }));
    const tz = parsed.success ? parsed.data.user?.tz : undefined;
    return tz && isTimeZone(tz) ? tz : 'UTC';
  } catch {
    return 'UTC';
  }
}
