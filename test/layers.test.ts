// The layering the architecture relies on (docs/ARCHITECTURE.md): the core knows nothing of Slack, HTTP, Moodle's
// wire format or the database, and no one but src/moodle speaks Moodle's REST protocol.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
}

describe('layers', () => {
  it('src/core imports nothing from Slack, HTTP clients, the database, the Moodle adapter or the store', () => {
    const forbidden = [
      /^@slack\//,
      /^undici$/,
      /^better-sqlite3$/,
      /^pg$/,
      /^kysely$/,
      /\/slack\//,
      /\/moodle\//,
      /\/store\//,
    ];
    const found = sources(join(root, 'src/core')).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((spec) => forbidden.some((pattern) => pattern.test(spec)))
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    );
    expect(found).toEqual([]);
  });

  it('src/core names no Slack command and writes no Slack markup', () => {
    const found = sources(join(root, 'src/core')).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return ['/moodle-user', '/moodle-adduser', '<@', '<#', '<!']
        .filter((marker) => text.includes(marker))
        .map((marker) => `${relative(root, file)} contains ${marker}`);
    });
    expect(found).toEqual([]);
  });

  it("only src/moodle calls Moodle's REST endpoint", () => {
    const found = sources(join(root, 'src'))
      .filter((file) => !relative(root, file).startsWith('src/moodle/'))
      .filter((file) => /rest\/server\.php/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(found).toEqual([]);
  });
});
