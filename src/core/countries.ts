// The country codes Moodle accepts in a user's `country` field, with English names for a modal's select menu.
// Moodle silently replaces a code it does not list by the site default (docs/moodle/ws-reference.md §2.1, core_user::validate), so
// the app must check codes itself. The codes are those of Moodle's lang/en/countries.php (ISO 3166-1 alpha-2);
// names come from the runtime's ICU data so that they read naturally ("Bolivia", not "Bolivia, Plurinational State Of").

export const COUNTRY_CODES = [
  'AD',
  'AE',
  'AF',
  'AG',
  'AI',
  'AL',
  'AM',
  'AN',
  'AO',
  'AQ',
  'AR',
  'AS',
  'AT',
  'AU',
  'AW',
  'AX',
  'AZ',
  'BA',
  'BB',
  'BD',
  'BE',
  'BF',
  'BG',
  'BH',
  'BI',
  'BJ',
  'BL',
  'BM',
  'BN',
  'BO',
  'BQ',
  'BR',
  'BS',
  'BT',
  'BV',
  'BW',
  'BY',
  'BZ',
  'CA',
  'CC',
  'CD',
  'CF',
  'CG',
  'CH',
  'CI',
  'CK',
  'CL',
  'CM',
  'CN',
  'CO',
  'CR',
  'CU',
  'CV',
  'CW',
  'CX',
  'CY',
  'CZ',
  'DE',
  'DJ',
  'DK',
  'DM',
  'DO',
  'DZ',
  'EC',
  'EE',
  'EG',
  'EH',
  'ER',
  'ES',
  'ET',
  'FI',
  'FJ',
  'FK',
  'FM',
  'FO',
  'FR',
  'GA',
  'GB',
  'GD',
  'GE',
  'GF',
  'GG',
  'GH',
  'GI',
  'GL',
  'GM',
  'GN',
  'GP',
  'GQ',
  'GR',
  'GS',
  'GT',
  'GU',
  'GW',
  'GY',
  'HK',
  'HM',
  'HN',
  'HR',
  'HT',
  'HU',
  'ID',
  'IE',
  'IL',
  'IM',
  'IN',
  'IO',
  'IQ',
  'IR',
  'IS',
  'IT',
  'JE',
  'JM',
  'JO',
  'JP',
  'KE',
  'KG',
  'KH',
  'KI',
  'KM',
  'KN',
  'KP',
  'KR',
  'KW',
  'KY',
  'KZ',
  'LA',
  'LB',
  'LC',
  'LI',
  'LK',
  'LR',
  'LS',
  'LT',
  'LU',
  'LV',
  'LY',
  'MA',
  'MC',
  'MD',
  'ME',
  'MF',
  'MG',
  'MH',
  'MK',
  'ML',
  'MM',
  'MN',
  'MO',
  'MP',
  'MQ',
  'MR',
  'MS',
  'MT',
  'MU',
  'MV',
  'MW',
  'MX',
  'MY',
  'MZ',
  'NA',
  'NC',
  'NE',
  'NF',
  'NG',
  'NI',
  'NL',
  'NO',
  'NP',
  'NR',
  'NU',
  'NZ',
  'OM',
  'PA',
  'PE',
  'PF',
  'PG',
  'PH',
  'PK',
  'PL',
  'PM',
  'PN',
  'PR',
  'PS',
  'PT',
  'PW',
  'PY',
  'QA',
  'RE',
  'RO',
  'RS',
  'RU',
  'RW',
  'SA',
  'SB',
  'SC',
  'SD',
  'SE',
  'SG',
  'SH',
  'SI',
  'SJ',
  'SK',
  'SL',
  'SM',
  'SN',
  'SO',
  'SR',
  'SS',
  'ST',
  'SV',
  'SX',
  'SY',
  'SZ',
  'TC',
  'TD',
  'TF',
  'TG',
  'TH',
  'TJ',
  'TK',
  'TL',
  'TM',
  'TN',
  'TO',
  'TR',
  'TT',
  'TV',
  'TW',
  'TZ',
  'UA',
  'UG',
  'UM',
  'US',
  'UY',
  'UZ',
  'VA',
  'VC',
  'VE',
  'VG',
  'VI',
  'VN',
  'VU',
  'WF',
  'WS',
  'YE',
  'YT',
  'ZA',
  'ZM',
  'ZW',
] as const;

export type CountryCode = (typeof COUNTRY_CODES)[number];

export interface Country {
  code: CountryCode;
  name: string;
}

const codeSet: ReadonlySet<string> = new Set(COUNTRY_CODES);

// ICU has no current name for withdrawn codes; these are the names Moodle shows.
const FALLBACK_NAMES: Readonly<Record<string, string>> = { AN: 'Netherlands Antilles' };

function englishName(code: string, displayNames: Intl.DisplayNames | undefined): string {
  const fallback = FALLBACK_NAMES[code];
  if (fallback) return fallback;
  const name = displayNames?.of(code);
  return name && name !== code && name !== 'Unknown Region' ? name : code;
}

function buildCountries(): readonly Country[] {
  let displayNames: Intl.DisplayNames | undefined;
  try {
    displayNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  } catch {
    // A Node built without ICU region names still gets usable (code-only) entries.
    displayNames = undefined;
  }
  return Object.freeze(
    COUNTRY_CODES.map((code) => Object.freeze({ code, name: englishName(code, displayNames) })).sort((a, b) =>
      a.name.localeCompare(b.name, 'en'),
    ),
  );
}

// Built on first use, not at import: ICU's region names and English collation page about 6 MB of the runtime's ICU
// data into memory, which a process that no one asks for a country does not need to hold.
let countries: readonly Country[] | undefined;
let byName: ReadonlyMap<string, CountryCode> | undefined;

/** Every country Moodle knows, sorted by English name: the options of a modal's country select. */
export function listCountries(): readonly Country[] {
  countries ??= buildCountries();
  return countries;
}

// Names are matched ignoring case and the apostrophe style (ICU writes "Côte d’Ivoire", people type ').
const nameKey = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'");

function countriesByName(): ReadonlyMap<string, CountryCode> {
  byName ??= new Map<string, CountryCode>(listCountries().map((c) => [nameKey(c.name), c.code]));
  return byName;
}

export function isCountryCode(value: string): value is CountryCode {
  return codeSet.has(value);
}

export function getCountryName(code: string): string | undefined {
  return listCountries().find((c) => c.code === code)?.name;
}

/**
 * Finds the code for what a person typed: a code in any case ("de", "DE") or an English name in any case
 * ("germany"). Returns undefined when nothing matches.
 */
export function findCountryCode(input: string): CountryCode | undefined {
  const trimmed = input.trim();
  const upper = trimmed.toUpperCase();
  if (isCountryCode(upper)) return upper;
  return countriesByName().get(nameKey(trimmed));
}
