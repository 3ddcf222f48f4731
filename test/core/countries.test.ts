import { describe, expect, it } from 'vitest';
import {
  COUNTRY_CODES,
  findCountryCode,
  getCountryName,
  isCountryCode,
  listCountries,
} from '../../src/core/countries.js';

describe('countries', () => {
  it('has every code once, each with a name, sorted by name', () => {
    expect(new Set(COUNTRY_CODES).size).toBe(COUNTRY_CODES.length);
    expect(listCountries()).toHaveLength(COUNTRY_CODES.length);
    for (const c of listCountries()) {
      expect(c.code).toMatch(/^[A-Z]{2}$/);
      expect(c.name.length).toBeGreaterThan(2);
    }
    const names = listCountries().map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
  });

  it('builds the list once and reuses it', () => {
    expect(listCountries()).toBe(listCountries());
    expect(Object.isFrozen(listCountries())).toBe(true);
  });

  it('knows what Moodle knows and nothing else', () => {
    expect(isCountryCode('GB')).toBe(true);
    expect(isCountryCode('SS')).toBe(true);
    expect(isCountryCode('gb')).toBe(false);
    expect(isCountryCode('XX')).toBe(false);
    expect(isCountryCode('UK')).toBe(false);
    expect(getCountryName('DE')).toBe('Germany');
    expect(getCountryName('AN')).toBe('Netherlands Antilles');
  });

  it('finds codes from codes or English names in any case', () => {
    expect(findCountryCode(' de ')).toBe('DE');
    expect(findCountryCode('GERMANY')).toBe('DE');
    expect(findCountryCode("Côte d'Ivoire")).toBe('CI');
    expect(findCountryCode('Narnia')).toBeUndefined();
    expect(findCountryCode('')).toBeUndefined();
  });
});
