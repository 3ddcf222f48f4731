// Dates people type, read in their own time zone: the start or end of that day as a UTC instant, with impossible,
// past and far-away dates refused in words.
import { describe, expect, it } from 'vitest';
import { isTimeZone, parseDay } from '../../src/core/dates.js';

const now = new Date('2026-12-06T12:00:00Z');
const read = (text: string, timeZone: string, edge: 'start' | 'end') =>
  parseDay(text, { timeZone, now, edge, what: 'The end date' });

describe('parseDay', () => {
  it('reads the day in the person’s time zone: the end of 31 January is midnight there', () => {
    expect(read('2027-01-31', 'UTC', 'end')).toEqual({ ok: true, at: new Date('2027-02-01T00:00:00Z') });
    expect(read('2027-01-31', 'Europe/Berlin', 'end')).toEqual({ ok: true, at: new Date('2027-01-31T23:00:00Z') });
    expect(read('2027-01-31', 'America/New_York', 'start')).toEqual({ ok: true, at: new Date('2027-01-31T05:00:00Z') });
  });

  it('follows a clock change: the day after summer time starts begins an hour earlier in UTC', () => {
    expect(read('2027-03-28', 'Europe/London', 'start')).toEqual({ ok: true, at: new Date('2027-03-28T00:00:00Z') });
    expect(read('2027-03-29', 'Europe/London', 'start')).toEqual({ ok: true, at: new Date('2027-03-28T23:00:00Z') });
  });

  it('refuses what is not a calendar day, a past end and a date more than five years ahead, saying why', () => {
    expect(read('31/01/2027', 'UTC', 'end')).toMatchObject({
      ok: false,
      message: expect.stringContaining('YYYY-MM-DD'),
    });
    expect(read('2027-02-30', 'UTC', 'end')).toMatchObject({
      ok: false,
      message: expect.stringContaining('not a day'),
    });
    expect(read('2026-12-05', 'UTC', 'end')).toMatchObject({
      ok: false,
      message: expect.stringContaining('in the past'),
    });
    expect(read('2026-12-06', 'UTC', 'end')).toMatchObject({ ok: true });
    expect(read('2032-01-01', 'UTC', 'end')).toMatchObject({ ok: false, message: expect.stringContaining('5 years') });
  });

  it('a start date in the past is allowed (the enrolment starts at once)', () => {
    expect(read('2026-01-01', 'UTC', 'start')).toMatchObject({ ok: true });
  });
});

describe('isTimeZone', () => {
  it('knows IANA names and refuses anything else', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
