// The files an operator deploys with: .env.example documents every setting; the Dockerfile keeps the promises
// STYLE.md makes (multi-stage, production deps only, non-root, init process, health check) and runs every operator
// command through the one command-line entry point that package.json declares.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { SETTING_HELP } from '../../src/config.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
};

describe('package.json', () => {
  it('declares one bin, built from src/cli/main.ts, that runs as a script', () => {
    expect(Object.keys(pkg.bin)).toEqual(['moodle-provisioner']);
    expect(read('src/cli/main.ts').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(pkg.files).toContain('dist');
  });

  it.each(['start', 'doctor', 'audit'])('npm run %s goes through the bin, built first when needed', (name) => {
    // start runs with the app's Node flags (checked against the Docker image below).
    const flags = name === 'start' ? '--max-old-space-size=512 ' : '';
    expect(pkg.scripts[name]).toBe(`node ${flags}${pkg.bin['moodle-provisioner']} ${name}`);
    expect(pkg.scripts[`pre${name}`]).toBe('node scripts/ensure-build.mjs');
  });
});

describe('.env.example', () => {
  const text = read('.env.example');

  it('mentions every setting the app reads, each with a comment above it', () => {
    const lines = text.split('\n');
    for (const name of Object.keys(SETTING_HELP)) {
      const index = lines.findIndex((line) => new RegExp(`^#? ?${name}=`).test(line));
      expect(index, name).toBeGreaterThan(0);
      expect(
        lines.slice(0, index).some((line) => line.startsWith('# ') && !line.includes('=')),
        name,
      ).toBe(true);
    }
  });

  it('holds no real-looking token', () => {
    expect(text).not.toMatch(/xox[bpa]-\d+-/);
    expect(text).not.toMatch(/xapp-\d-/);
    expect(text).not.toMatch(/\b[0-9a-f]{32}\b/);
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');

  it('builds in a separate stage and runs production dependencies as the node user behind tini', () => {
    expect(text.match(/^FROM node:24-bookworm-slim AS \w+$/gm)).toHaveLength(2);
    expect(text).toContain('npm ci --omit=dev');
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", /m);
    expect(text).toMatch(/HEALTHCHECK[\s\S]*CMD \["node", "-e", .*\/healthz/);
  });

  it('runs the package.json bin with the command as the argument, start by default', () => {
    const bin = pkg.bin['moodle-provisioner'];
    expect(bin).toBe('dist/cli/main.js');
    // `docker run … moodle-provisioner doctor` replaces CMD: the arguments pick the command.
    // The same Node flags as `npm start` (the V8 heap limit that keeps a large import's memory bounded, measured
    // by the import benchmark in a process started with them).
    const flags = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/cli\/main\.js start$/
      .exec(pkg.scripts.start ?? '')?.[1]
      ?.trim();
    expect(flags).toBe('--max-old-space-size=512');
    const args = (flags ?? '')
      .split(' ')
      .map((f) => `"${f}", `)
      .join('');
    expect(text).toContain(`ENTRYPOINT ["/usr/bin/tini", "--", "node", ${args}"/app/${bin}"]\n`);
    expect(text).toMatch(/^CMD \["start"\]$/m);
    // `docker exec <container> moodle-provisioner audit`: the bin on PATH, executable.
    expect(text).toContain(`ln -s /app/${bin} /usr/local/bin/moodle-provisioner`);
    expect(text).toContain(`chmod 755 ${bin}`);
    expect(text).not.toMatch(/\btsx\b/);
  });

  it('keeps compilers out of the runtime stage', () => {
    const runtime = text.slice(text.lastIndexOf('FROM '));
    expect(runtime).not.toMatch(/g\+\+|make|python3/);
  });

  it('is paired with a .dockerignore that keeps secrets and local data out of the build context', () => {
    const ignore = read('.dockerignore').split('\n');
    for (const entry of ['.env', 'node_modules', 'data', '.git']) expect(ignore).toContain(entry);
  });
});

describe('README', () => {
  const text = read('README.md');

  it('starts with the install-and-start and the install-and-test commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const commands = firstBlock.split('\n').map((line) => line.split('#')[0]?.trim());
    expect(commands.slice(0, 2)).toEqual(['npm ci && npm start', 'npm ci && npm test']);
  });

  it('shows every operator command, and the Docker form of each one that is not the default', () => {
    const start = text.indexOf('\n## Operator commands\n');
    const section = text.slice(start, text.indexOf('\n## ', start + 1));
    for (const { name } of COMMANDS) {
      expect(section, name).toMatch(new RegExp(`^\\| \`${name}\\b`, 'm'));
      if (name === 'start') continue;
      expect(section, name).toContain(
        `docker run --rm --env-file .env -v mp-data:/app/data moodle-provisioner ${name}`,
      );
    }
  });
});
