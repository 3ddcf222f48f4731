// Moodle's external_api parameter and return descriptions, strict validation (docs/moodle/ws-reference.md §2.0) and return
// cleaning (§1.3), reproducing the nested `key => message: debuginfo` texts of Appendix A and B.
import { invalidParameterError, MoodleError, type RequestContext } from './errors.js';
import { type PhpArray, type PhpValue, phpTrim } from './php.js';

export type ParamType =
  | 'int'
  | 'bool'
  | 'username'
  | 'auth'
  | 'raw'
  | 'raw_trimmed'
  | 'notags'
  | 'text'
  | 'alpha'
  | 'alphanum'
  | 'alphanumext'
  | 'lang'
  | 'plugin'
  | 'theme'
  | 'timezone';

export type Required = 'required' | 'optional' | { default: PhpValue };

export type Desc =
  | { kind: 'value'; type: ParamType; required: Required }
  | { kind: 'single'; keys: ReadonlyArray<readonly [string, Desc]>; required: Required }
  | { kind: 'multiple'; content: Desc; required: Required };

export const value = (type: ParamType, required: Required = 'required'): Desc => ({ kind: 'value', type, required });
export const single = (keys: ReadonlyArray<readonly [string, Desc]>, required: Required = 'required'): Desc => ({
  kind: 'single',
  keys,
  required,
});
export const multiple = (content: Desc, required: Required = 'required'): Desc => ({
  kind: 'multiple',
  content,
  required,
});

/** Installed plugins of the recording site (a stock 4.5 install): docs/moodle/ws-reference.md §2.0 PARAM_AUTH/THEME/LANG. */
export const INSTALLED_AUTH = [
  'cas',
  'db',
  'email',
  'ldap',
  'lti',
  'manual',
  'mnet',
  'nologin',
  'none',
  'oauth2',
  'shibboleth',
  'webservice',
];
const INSTALLED_THEMES = ['boost', 'classic'];
const INSTALLED_LANGS = ['en'];

function isValidPluginName(name: string): boolean {
  return /^[a-z](?:[a-z0-9_](?!__))*[a-z0-9]+$/.test(name);
}

function stripTags(text: string, keepMultilang: boolean): string {
  // PHP strip_tags: a `<` not followed by whitespace opens a tag that runs to `>` or the end of the string.
  return text.replace(/<(?!\s)[^>]*(?:>|$)/g, (tag) =>
    keepMultilang && /^<\/?(span|lang)\b/i.test(tag) && (/lang=/i.test(tag) || tag.startsWith('</')) ? tag : '',
  );
}

/** clean_param() for the types the user functions use (lib/classes/param.php, docs/moodle/ws-reference.md §2.0). */
export function cleanParam(input: string, type: ParamType, ctx: RequestContext): string | number {
  switch (type) {
    case 'int': {
      // (int) cast: leading whitespace, sign and digits; PHP saturates at the 64-bit limits.
      const match = /^[ \t\n\r\v\f]*([+-]?\d+)/.exec(input);
      if (!match) return 0;
      const max = 9223372036854775807n;
      let big = BigInt(match[1]!);
      if (big > max) big = max;
      if (big < -max - 1n) big = -max - 1n;
      return big >= -(2n ** 53n) && big <= 2n ** 53n ? Number(big) : big.toString();
    }
    case 'bool': {
      const lower = input.toLowerCase();
      if (['on', 'yes', 'true'].includes(lower)) return 1;
      if (['off', 'no', 'false'].includes(lower)) return 0;
      return input === '' || input === '0' ? 0 : 1;
    }
    case 'username': {
      let cleaned = phpTrim(input).toLowerCase();
      if (!ctx.site.settings.extendedusernamechars) cleaned = cleaned.replace(/ /g, '').replace(/[^-.@_a-z0-9]/g, '');
      return cleaned;
    }
    case 'auth':
      return isValidPluginName(input) && INSTALLED_AUTH.includes(input) ? input : '';
    case 'plugin':
      return isValidPluginName(input) ? input : '';
    case 'theme':
      return isValidPluginName(input) && INSTALLED_THEMES.includes(input) ? input : '';
    case 'lang':
      return INSTALLED_LANGS.includes(input) ? input : '';
    case 'raw':
      return input;
    case 'raw_trimmed':
      return phpTrim(input);
    case 'notags':
      return stripTags(input, false);
    case 'text':
      return stripTags(input, true);
    case 'alpha':
      return input.replace(/[^a-zA-Z]/g, '');
    case 'alphanum':
      return input.replace(/[^A-Za-z0-9]/g, '');
    case 'alphanumext':
      return input.replace(/[^A-Za-z0-9_-]/g, '');
    case 'timezone':
      return /^(([+-]?(0?[0-9](\.[5|0])?|1[0-3](\.0)?|1[0-2]\.5))|(99)|[A-Za-z0-9]+(\/?[A-Za-z_-])+)$/.test(input)
        ? input
        : '';
  }
}

/** Validated data: scalars keep their cleaned PHP type (int/bool for PARAM_INT/PARAM_BOOL). */
export type Validated = string | number | boolean | Validated[] | { [key: string]: Validated };

/** Rethrows a nested failure the way external_api does: `<key> => <message>: <debuginfo>`. */
function nest(ctx: RequestContext, key: string, error: unknown): never {
  if (error instanceof MoodleError && error.errorcode === 'invalidparameter') {
    throw invalidParameterError(ctx, `${key} => ${error.message}: ${error.debuginfo ?? ''}`);
  }
  throw error;
}

/** external_api::validate_parameters (docs/moodle/ws-reference.md §2.0; Appendix A/B cases b4-b6, c3, c4, c7, c9, c12, g10). */
export function validateParameters(desc: Desc, params: PhpValue, ctx: RequestContext): Validated {
  if (desc.kind === 'value') {
    if (params instanceof Map) throw invalidParameterError(ctx, 'Scalar type expected, array or object received.');
    if (desc.type === 'bool' && (params === '0' || params === '1')) return params === '1';
    const debuginfo = `Invalid external api parameter: the value is "${params}", the server was expecting "${desc.type}" type`;
    const cleaned = cleanParam(params, desc.type, ctx);
    if (String(cleaned) !== params) throw invalidParameterError(ctx, debuginfo);
    return cleaned;
  }
  if (!(params instanceof Map)) {
    throw invalidParameterError(ctx, `Only arrays accepted. The bad value is: '${params}'`);
  }
  if (desc.kind === 'multiple') {
    return [...params.values()].map((item) => validateParameters(desc.content, item, ctx));
  }
  const remaining: PhpArray = new Map(params);
  const result: { [key: string]: Validated } = {};
  for (const [key, sub] of desc.keys) {
    const given = params.get(key);
    if (given === undefined) {
      if (sub.required === 'required') {
        throw invalidParameterError(ctx, `Missing required key in single structure: ${key}`);
      }
      if (typeof sub.required === 'object') {
        try {
          result[key] = validateParameters(sub, sub.required.default, ctx);
        } catch (error) {
          nest(ctx, key, error);
        }
      }
    } else {
      try {
        result[key] = validateParameters(sub, given, ctx);
      } catch (error) {
        nest(ctx, key, error);
      }
    }
    remaining.delete(key);
  }
  if (remaining.size > 0) {
    throw invalidParameterError(
      ctx,
      `Unexpected keys (${[...remaining.keys()].join(', ')}) detected in parameter array.`,
    );
  }
  return result;
}

/** Return data before cleaning; `undefined` marks an optional key the function did not set. */
export type Returned = string | number | boolean | null | undefined | Returned[] | { [key: string]: Returned };

function invalidResponse(ctx: RequestContext, debuginfo: string): MoodleError {
  return new MoodleError(
    ctx,
    'core\\exception\\invalid_response_exception',
    'invalidresponse',
    'Invalid response value detected',
    debuginfo,
  );
}

/** external_api::clean_returnvalue: keys in description order, optional ones omitted (§1.3, §3.8, §2.2 item 7). */
export function cleanReturnValue(desc: Desc, data: Returned, ctx: RequestContext): Returned {
  if (desc.kind === 'value') {
    if (data === null || data === undefined) return null;
    if (desc.type === 'bool') return Boolean(data);
    if (desc.type === 'int') return typeof data === 'number' ? data : Number(data);
    if (typeof data === 'number') return data;
    const text = String(data);
    const cleaned = cleanParam(text, desc.type, ctx);
    if (String(cleaned) !== text) {
      throw invalidResponse(
        ctx,
        `Invalid external api response: the value is "${text}", the server was expecting "${desc.type}" type`,
      );
    }
    return text;
  }
  if (desc.kind === 'multiple') {
    return (Array.isArray(data) ? data : []).map((item) => cleanReturnValue(desc.content, item, ctx));
  }
  const record = (data ?? {}) as { [key: string]: Returned };
  const result: { [key: string]: Returned } = {};
  for (const [key, sub] of desc.keys) {
    const item = record[key];
    if (item === undefined) {
      if (sub.required === 'required') {
        throw invalidResponse(ctx, `Error in response - Missing following required key in a single structure: ${key}`);
      }
      continue;
    }
    try {
      result[key] = cleanReturnValue(sub, item, ctx);
    } catch (error) {
      if (error instanceof MoodleError && error.errorcode === 'invalidresponse') {
        throw invalidResponse(ctx, `${key} => ${error.message}: ${error.debuginfo ?? ''}`);
      }
      throw error;
    }
  }
  return result;
}
