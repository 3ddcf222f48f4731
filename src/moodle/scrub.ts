// Secret scrubbing: errors end up in logs and Slack messages, so every string a MoodleError keeps (its cause
// included) loses the token and any password before it leaves the client.
import { MoodleError } from './errors.js';

/** Replaces every form of each secret (raw, URL-encoded, form-encoded, JSON-escaped) by [redacted]. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    const forms = new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ x: secret }).toString().slice(2),
      JSON.stringify(secret).slice(1, -1),
    ]);
    for (const form of forms) if (form && out.includes(form)) out = out.split(form).join('[redacted]');
  }
  return out;
}

/**
 * A copy of `err` that keeps what helps (name, code, errno, syscall, message, stack, nested causes) with secrets
 * scrubbed, and drops every other property: some libraries attach the request or its body to their errors.
 */
export function sanitizeCause(err: unknown, secrets: readonly string[], depth = 0): unknown {
  if (depth > 4) return undefined;
  if (!(err instanceof Error)) {
    return err === undefined ? undefined : new Error(scrubText(String(err), secrets));
  }
  const copy: Error =
    err instanceof AggregateError
      ? new AggregateError(
          err.errors.map((e) => sanitizeCause(e, secrets, depth + 1)),
          scrubText(err.message, secrets),
        )
      : new Error(scrubText(err.message, secrets));
  copy.name = err.name;
  copy.stack = scrubText(err.stack ?? '', secrets);
  const source = err as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const key of ['code', 'errno', 'syscall', 'hostname', 'address', 'port']) {
    const value = source[key];
    if (typeof value === 'string') target[key] = scrubText(value, secrets);
    else if (typeof value === 'number') target[key] = value;
  }
  if (err.cause !== undefined && err.cause !== err) copy.cause = sanitizeCause(err.cause, secrets, depth + 1);
  return copy;
}

/** The same error with every kept string scrubbed of `secrets`. */
export function scrubMoodleError(err: MoodleError, secrets: readonly string[]): MoodleError {
  const s = (t: string) => scrubText(t, secrets);
  const scrubbed = new MoodleError({
    code: err.code,
    message: s(err.message),
    hint: s(err.hint),
    outcomeUnknown: err.outcomeUnknown,
    retryable: err.retryable,
    ...(err.wsfunction === undefined ? {} : { wsfunction: err.wsfunction }),
    ...(err.status === undefined ? {} : { status: err.status }),
    ...(err.transport === undefined ? {} : { transport: err.transport }),
    ...(err.envelope === undefined
      ? {}
      : {
          envelope: {
            exception: s(err.envelope.exception),
            errorcode: s(err.envelope.errorcode),
            message: s(err.envelope.message),
            ...(err.envelope.debuginfo === undefined ? {} : { debuginfo: s(err.envelope.debuginfo) }),
          },
        }),
    ...(err.warnings === undefined
      ? {}
      : { warnings: err.warnings.map((w) => ({ ...w, message: s(w.message), hint: s(w.hint) })) }),
    ...(err.bodyExcerpt === undefined ? {} : { bodyExcerpt: s(err.bodyExcerpt) }),
    ...(err.request === undefined ? {} : { request: err.request }),
    ...(err.cause === undefined ? {} : { cause: sanitizeCause(err.cause, secrets) }),
  });
  // The stack was captured here, not where the failure happened: keep the original frames, scrubbed.
  scrubbed.stack = s(err.stack ?? scrubbed.stack ?? '');
  return scrubbed;
}
