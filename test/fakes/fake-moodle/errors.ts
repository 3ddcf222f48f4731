// Moodle exceptions as the REST server renders them (docs/moodle/ws-reference.md §1.3): `debuginfo` only when debugging is on
// (Appendix A) and, in DEVELOPER mode with debugdisplay, appended to `message` in parentheses (Appendix B).
import { phpVarExportPairs } from './php.js';
import type { FakeMoodleSite } from './site.js';

export type FakeMoodleDebug = 'none' | 'normal' | 'developer';

/** What every handler needs to know about the request it is serving. */
export interface RequestContext {
  readonly site: FakeMoodleSite;
  readonly debug: FakeMoodleDebug;
  /** The site root as the client reached it, without trailing slash. */
  readonly wwwroot: string;
  /** Seconds since the epoch, as Moodle's time(). */
  readonly now: number;
}

export class MoodleError extends Error {
  readonly exception: string;
  readonly errorcode: string;
  readonly debuginfo: string | undefined;

  constructor(ctx: RequestContext, exception: string, errorcode: string, message: string, debuginfo?: string) {
    // moodle_exception's constructor appends the debuginfo under DEVELOPER + debugdisplay (Appendix B).
    super(ctx.debug === 'developer' && debuginfo !== undefined ? `${message} (${debuginfo})` : message);
    this.exception = exception;
    this.errorcode = errorcode;
    this.debuginfo = debuginfo;
  }
}

/** moodle_exception for a string that has no English text: the message becomes `<module>/<errorcode>`. */
export function missingStringError(ctx: RequestContext, errorcode: string, debuginfo?: string): MoodleError {
  return new MoodleError(ctx, 'core\\exception\\moodle_exception', errorcode, `error/${errorcode}`, debuginfo);
}

/** invalid_parameter_exception: what validate_parameters() and the functions' own checks throw (c1, c5, g5b). */
export function invalidParameterError(ctx: RequestContext, debuginfo: string): MoodleError {
  return new MoodleError(
    ctx,
    'core\\exception\\invalid_parameter_exception',
    'invalidparameter',
    'Invalid parameter value detected',
    debuginfo,
  );
}

/** A PHP Error (not a Moodle exception) reaching the REST server: only `exception` and `message`, even debugging (a6). */
export class PhpError extends MoodleError {
  constructor(ctx: RequestContext, message: string) {
    super(ctx, 'Error', '', message);
  }
}

/**
 * dml_missing_record_exception of get_record(MUST_EXIST): `invaliduser` for table user, `invalidrecord` naming the
 * table otherwise (users f2; enrolment d3, f15, f16), the query and its parameters as debuginfo.
 */
export function missingRecordError(
  ctx: RequestContext,
  table: string,
  sql: string,
  params: ReadonlyArray<readonly [string | number, string | number]>,
): MoodleError {
  const debuginfo = `${sql}\n[${phpVarExportPairs(params)}]`;
  return table === 'user'
    ? new MoodleError(ctx, 'dml_missing_record_exception', 'invaliduser', 'Invalid user', debuginfo)
    : new MoodleError(
        ctx,
        'dml_missing_record_exception',
        'invalidrecord',
        `Can't find data record in database table ${table}.`,
        debuginfo,
      );
}
