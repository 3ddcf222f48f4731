// The minimal shape every Slack payload has, checked before any listener runs. Bolt's routing dereferences these
// parts (view.callback_id, actions[].action_id, user.id) without checking them, so a signed but malformed body would
// otherwise throw inside Bolt and be answered 500. Slack never sends such a body; whoever does gets a 400.
import { z } from 'zod';

const id = z.string();
const user = z.looseObject({ id });
const action = z.looseObject({ action_id: id, block_id: z.string().optional() });
// Only what Bolt itself reads; state.values and private_metadata are the listeners' to parse.
const view = z.looseObject({ callback_id: z.string() });

const ENVELOPES: Readonly<Record<string, z.ZodType>> = {
  block_actions: z.looseObject({ user, actions: z.array(action) }),
  view_submission: z.looseObject({ user, view }),
  view_closed: z.looseObject({ user, view }),
  shortcut: z.looseObject({ user, callback_id: z.string() }),
  message_action: z.looseObject({ user, callback_id: z.string() }),
  block_suggestion: z.looseObject({ user, action_id: id }),
};
const COMMAND = z.looseObject({ command: z.string(), text: z.string().optional(), user_id: id });
// Bolt takes actions[0] and view from any payload that has them, whatever its type.
const ANY_INTERACTIVE = z.looseObject({
  actions: z.array(z.looseObject({})).optional(),
  view: z.looseObject({}).optional(),
});

/** Thrown by the envelope middleware; `code` keeps Bolt from wrapping it, so the receiver can answer 400. */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
  readonly code = 'slack_payload_malformed';
}

/** What is missing from a payload Bolt routed, or undefined when its envelope is sound. Events are not checked. */
export function findEnvelopeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'the body is not an object';
  const b = body as Record<string, unknown>;
  if (b.type === 'event_callback' || b.type === 'url_verification') return undefined;
  const base = ANY_INTERACTIVE.safeParse(b);
  if (!base.success) return describe(b, base.error);
  const schema = 'command' in b ? COMMAND : typeof b.type === 'string' ? ENVELOPES[b.type] : undefined;
  const result = schema?.safeParse(b);
  return result && !result.success ? describe(b, result.error) : undefined;
}

function describe(body: Record<string, unknown>, error: z.ZodError): string {
  const issue = error.issues[0];
  const kind = typeof body.type === 'string' ? body.type.slice(0, 40) : 'command';
  return `${kind} payload: ${issue?.path.join('.').slice(0, 80) || 'body'} is missing or malformed`;
}
