// Builds dist/ when it is missing or older than src/, so that `npm ci && npm start` (and `npm run doctor`, …) work
// on a fresh clone. Runs before the npm scripts that call the built command-line entry point. In a production
// install (no TypeScript, or no src/ as in the packed package) it builds nothing and says what to do if it must.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const entry = 'dist/cli/main.js';
const tsc = 'node_modules/typescript/bin/tsc';
const hasSources = existsSync('src');
const built = existsSync(entry);
const stale = !built || (hasSources && statSync(entry).mtimeMs < newest('src'));

if (stale && hasSources && existsSync(tsc)) {
  console.error('Building moodle-provisioner (first run or sources changed)…');
  try {
    // tsc reports on stdout: sent to stderr, so that `npm run -s audit > audit.csv` holds nothing but the export.
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: ['ignore', 2, 2] });
  } catch {
    console.error('The build failed: see the TypeScript errors above.');
    process.exit(1);
  }
} else if (!built) {
  const why = hasSources ? 'TypeScript is not installed (a production install)' : 'there is no src/ folder';
  console.error(
    `${entry} is missing and cannot be built here: ${why}.\n` +
      'Build it where the development dependencies are (npm ci && npm run build) and copy dist/ here, ' +
      'or install the packed package (npm pack), which holds dist/.',
  );
  process.exit(1);
} else if (stale) {
  console.error('dist/ is older than src/, and TypeScript is not installed to rebuild it: running dist/ as it is.');
}
