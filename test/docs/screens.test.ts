// The pictures in docs/screens are drawn from the app's real payloads (scripts/render-screens.ts): drawn again here,
// they must match the committed files, so a change to what the app sends shows in the pictures; and the README
// shows the main ones.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScreens } from '../../scripts/render-screens.js';

const root = join(import.meta.dirname, '..', '..');

describe('docs/screens', () => {
  const screens = buildScreens();

  it.each(screens.map((s) => [s.name, s.svg]))(
    '%s matches what the app sends (npx tsx scripts/render-screens.ts)',
    (name, svg) => {
      const path = join(root, 'docs', 'screens', name);
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe(svg);
    },
  );

  it('draws the real payloads: the card’s header, the outcome line, the form’s title', () => {
    // The words as drawn: each word is a tspan of its own.
    const byName = Object.fromEntries(screens.map((s) => [s.name, s.svg.replace(/<[^>]+>/g, '')]));
    expect(byName['card-pending.svg']).toContain('New Moodle account for Nora Teach');
    expect(byName['card-approved.svg']).toContain('account created');
    expect(byName['card-delete.svg']).toContain('Delete Moodle account: Lee Ver');
    expect(byName['request-form.svg']).toContain('New Moodle user');
    expect(byName['home-tab.svg']).toContain('Waiting for your approval');
  });

  it('the README shows the card before and after, the Home tab and the request form', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const name of ['card-pending.svg', 'card-approved.svg', 'home-tab.svg', 'request-form.svg']) {
      expect(readme).toContain(`](docs/screens/${name})`);
    }
    for (const [, path] of readme.matchAll(/\]\((docs\/screens\/[^)]+)\)/g))
      expect(existsSync(join(root, path ?? ''))).toBe(true);
  });
});
