// Profile values as a person reads them: an auth plugin, a country, a language and a time zone by name, not by the
// code Moodle stores. Cards, summaries and the account card use these; what is sent to Moodle stays the code.
import { getCountryName } from './countries.js';
import type { ProfileField } from './profile.js';

/** Moodle's own names for its authentication plugins (auth_<name> pluginname), "Moodle login" for manual accounts. */
const AUTH_NAMES: Readonly<Record<string, string>> = {
  manual: 'Moodle login',
  email: 'Email-based self-registration',
  ldap: 'LDAP server',
  cas: 'CAS server (SSO)',
  db: 'External database',
  oauth2: 'OAuth 2 single sign-on',
  saml2: 'SAML2 single sign-on',
  shibboleth: 'Shibboleth',
  lti: 'LTI',
  mnet: 'MNet',
  nologin: 'No login',
  none: 'No authentication',
  webservice: 'Web services',
};

export function authName(auth: string): string {
  return AUTH_NAMES[auth] ?? auth;
}

let languages: Intl.DisplayNames | undefined | null;

/** "pt_br" → "Brazilian Portuguese"; a code the runtime cannot name stays as it is. */
export function languageName(lang: string): string {
  if (languages === undefined) {
    try {
      languages = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
    } catch {
      languages = null;
    }
  }
  const parts = lang.split('_');
  // Moodle's packs add suffixes BCP 47 does not know (en_us_k12): name the longest prefix the runtime knows.
  for (let n = Math.min(parts.length, 2); n > 0; n--) {
    try {
      const name = languages?.of(parts.slice(0, n).join('-'));
      if (name) return name;
    } catch {
      // Not a valid tag: try a shorter one.
    }
  }
  return lang;
}

const OFFSET = /^[+-]?\d+(?:\.\d)?$/;

/** 99 is Moodle's "use the site's time zone"; an offset reads as UTC±n; a zone name loses its underscores. */
export function timeZoneName(timezone: string): string {
  if (timezone === '99') return 'Server default';
  if (OFFSET.test(timezone)) return `UTC${timezone.startsWith('-') ? '' : '+'}${timezone.replace(/^\+/, '')}`;
  return timezone.replace(/_/g, ' ');
}

export function countryName(code: string): string {
  return getCountryName(code.toUpperCase()) ?? code;
}

/** A profile field's value in words; fields without a code are shown as stored. */
export function fieldValueWords(field: ProfileField, value: string): string {
  if (value === '') return value;
  switch (field) {
    case 'auth':
      return authName(value);
    case 'country':
      return countryName(value);
    case 'lang':
      return languageName(value);
    case 'timezone':
      return timeZoneName(value);
    default:
      return value;
  }
}
