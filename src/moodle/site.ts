// What the client asks of the site itself: its info (core_webservice_get_site_info) and whether the token's
// service holds a function.
import type { SiteInfo } from '../core/moodle-gateway.js';
import { MoodleError, MoodleErrorCode } from './errors.js';
import type { MoodleCaller } from './method-kit.js';
import { siteInfoResponseSchema, toSiteInfo } from './schemas.js';

/** Whether a function can be called with this token (see probeFunction). */
export type FunctionProbe = 'available' | 'not_in_service' | 'unknown_function';

export interface SiteMethods {
  getSiteInfo(): Promise<SiteInfo>;
  /**
   * Asks Moodle whether the token's service holds `wsfunction`, by calling it without parameters: access control
   * runs before parameter validation, so nothing happens. Only for reads and functions with a required parameter.
   */
  probeFunction(wsfunction: string): Promise<FunctionProbe>;
}

export function createSiteMethods({ call, parse }: MoodleCaller): SiteMethods {
  return {
    async getSiteInfo(): Promise<SiteInfo> {
      const fn = 'core_webservice_get_site_info';
      return toSiteInfo(parse(siteInfoResponseSchema, await call(fn, {}, { kind: 'read' }), fn, false));
    },

    async probeFunction(wsfunction: string): Promise<FunctionProbe> {
      try {
        await call(wsfunction, {}, { kind: 'read' });
        return 'available';
      } catch (err) {
        if (!(err instanceof MoodleError)) throw err;
        if (err.code === MoodleErrorCode.InvalidParameter) return 'available';
        if (err.code === MoodleErrorCode.AccessException) return 'not_in_service';
        if (err.code === MoodleErrorCode.InvalidRecord) return 'unknown_function';
        throw err;
      }
    },
  };
}
