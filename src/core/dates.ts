// Calendar dates people type (YYYY-MM-DD), read in their own time zone and kept as UTC instants. An end date is
// inclusive: "until 2027-01-31" ends at the start of 1 February in the person's time zone.
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** How far ahead a date may be: further is almost certainly a typo (2207 for 2027). */
export const MAX_YEARS_AHEAD = 5;

export type DateResult = { ok: true; at: Date } | { ok: false; message: string };

/** The offset of `timeZone` from UTC at `instant`, in milliseconds (east positive). */
function offsetMs(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** Midnight at the start of the day y-m-d in `timeZone`. */
function startOfDay(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - offsetMs(new Date(guess), timeZone);
  // Around a clock change the offset at the guess and at the answer differ: one correction settles it.
  return new Date(guess - offsetMs(new Date(first), timeZone));
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `text` as a calendar date in `timeZone`: `edge` 'start' gives the day's first instant, 'end' the first
 * instant after it. Refuses impossible dates (2027-02-30), days before today and days too far ahead.
 */
export function parseDay(
  text: string,
  options: { timeZone: string; now: Date; edge: 'start' | 'end'; what: string },
): DateResult {
  const m = DATE_PATTERN.exec(text.trim());
  if (!m) return { ok: false, message: `${options.what} must be a date written YYYY-MM-DD, e.g. 2027-01-31.` };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    return { ok: false, message: `${options.what} ${text.trim()} is not a day of the calendar.` };
  }
  const start = startOfDay(year, month, day, options.timeZone);
  const at = options.edge === 'start' ? start : startOfDay(year, month, day + 1, options.timeZone);
  if (at.getTime() <= options.now.getTime() && options.edge === 'end') {
    return { ok: false, message: `${options.what} ${text.trim()} is in the past; give a later date.` };
  }
  const limit = new Date(options.now);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_YEARS_AHEAD);
  if (at.getTime() > limit.getTime()) {
    return {
      ok: false,
      message: `${options.what} ${text.trim()} is more than ${MAX_YEARS_AHEAD} years ahead; check the year.`,
    };
  }
  return { ok: true, at };
}

/** Unix seconds, as Moodle stores times. */
export function toUnixSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}
