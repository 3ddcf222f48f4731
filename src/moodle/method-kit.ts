// What the client's per-area method files (users, courses, enrolments, cohorts) are built on: the client's one
// `call` (transport, retries, errors, logging) and its response parser, plus the id checks they share.
import type { z } from 'zod';
import type { FormObject } from './encode.js';
import { invalidRequestError } from './response-errors.js';

export type CallKind = 'read' | 'write';

export interface MoodleCaller {
  /**
   * Calls any function and returns its parsed JSON, or throws a MoodleError (exception envelopes included).
   * `kind` decides retries and outcome reporting; by default functions named *_get_* are reads.
   */
  call(wsfunction: string, params?: FormObject, options?: { kind?: CallKind }): Promise<unknown>;
  /** Parses a success body with the function's schema; a mismatch is a MoodleError (bad response, scrubbed). */
  parse<S extends z.ZodType>(schema: S, body: unknown, wsfunction: string, write: boolean): z.output<S>;
}

/** Refuses, before sending, an id that is not a positive whole number (Moodle's ids start at 1). */
export function requireId(wsfunction: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidRequestError(wsfunction, `${what} must be a positive whole number, got "${String(value)}"`);
  }
  return value;
}

/** Refuses a Unix time that is not a whole number of seconds from 0 (0 means "no limit" to Moodle). */
export function requireTime(wsfunction: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidRequestError(wsfunction, `${what} must be a Unix time in whole seconds, got "${String(value)}"`);
  }
  return value;
}
