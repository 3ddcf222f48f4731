// npm run mutate [-- --mutate src/core/permissions.ts]: StrykerJS on the critical core, then its module-level
// ("static") mutants, which Stryker's vitest runner cannot measure both truly and fast (docs/TESTING.md): each is
// written into a scratch copy of the project and the tests of its module are run against it. Prints the score of
// every file and exits non-zero when one is under the `low` threshold of stryker.config.mjs.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import config, { staticTests } from '../stryker.config.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const REPORT = path.join(ROOT, 'reports/mutation/mutation.json');
const SCRATCH = path.join(ROOT, '.stryker-tmp/static');
const STATIC_REASON = /^Static mutant/;
const VITEST = ['node_modules/vitest/vitest.mjs', 'run', '--config', 'vitest.mutate.config.ts', '--bail=1'];
/** Every file must reach Stryker's `low` threshold. */
const MINIMUM = config.thresholds.low;

function runStryker(args) {
  const stryker = path.join(ROOT, 'node_modules/@stryker-mutator/core/bin/stryker.js');
  const run = spawnSync(process.execPath, [stryker, 'run', ...args], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

/** What the scratch copy leaves out: the dependencies (linked instead), history, and outputs of earlier runs. */
const NOT_COPIED = new Set(['node_modules', '.git', '.stryker-tmp', 'reports', 'coverage', 'dist', 'data']);

/**
 * A copy of the whole project (sources, tests and their fixtures, configs, docs the tests read), so that a mutated
 * source never touches the work tree and a test finds every file it imports, statically or dynamically.
 */
function makeScratch() {
  rmSync(SCRATCH, { recursive: true, force: true });
  mkdirSync(SCRATCH, { recursive: true });
  for (const entry of readdirSync(ROOT)) {
    if (!NOT_COPIED.has(entry)) cpSync(path.join(ROOT, entry), path.join(SCRATCH, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(SCRATCH, 'node_modules'), 'dir');
}

function testsFor(file) {
  const entry = Object.entries(staticTests).find(([prefix]) => file.startsWith(prefix));
  if (!entry) throw new Error(`stryker.config.mjs staticTests names no tests for ${file}`);
  return entry[1];
}

/** Runs the tests on the scratch copy; 'passed', 'failed' or 'timeout'. */
function runTests(tests, timeoutMs) {
  const run = spawnSync(process.execPath, [...VITEST, '--reporter=dot', ...tests], {
    cwd: SCRATCH,
    timeout: timeoutMs,
    stdio: 'ignore',
  });
  if (run.error?.code === 'ETIMEDOUT' || run.signal) return 'timeout';
  return run.status === 0 ? 'passed' : 'failed';
}

/** Character offset of a report location (lines and columns from 1, end exclusive). */
function offsetOf(lineStarts, { line, column }) {
  return lineStarts[line - 1] + column - 1;
}

function mutateSource(source, mutant) {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i += 1) if (source[i] === '\n') lineStarts.push(i + 1);
  const start = offsetOf(lineStarts, mutant.location.start);
  const end = offsetOf(lineStarts, mutant.location.end);
  return source.slice(0, start) + mutant.replacement + source.slice(end);
}

/**
 * A static mutant counts only if the tests load the mutated copy: a file that throws when loaded must fail them.
 * Otherwise (the tests never import it, or reach it another way) every one of its mutants would pass as survived.
 */
function assertLoaded(file, source, tests) {
  const target = path.join(SCRATCH, file);
  writeFileSync(target, `throw new Error('scripts/mutate.mjs: ${file} was loaded');\n${source}`);
  const outcome = runTests(tests, 300_000);
  writeFileSync(target, source);
  if (outcome !== 'failed') throw new Error(`${tests.join(' ')} never load ${file}: name its tests in staticTests`);
}

/**
 * Whether scripts/mutate.mjs runs the mutant: the module-level mutants Stryker skipped, and those it ran without
 * killing because a test loaded their module itself (e.g. through the CLI's dynamic import of a command): that
 * test's coverage makes the mutant look reachable, but vitest keeps the module loaded, so Stryker never switched
 * the mutant on and it "survived" for nothing.
 */
function needsStaticRun(mutant) {
  if (mutant.status === 'Ignored') return STATIC_REASON.test(mutant.statusReason ?? '');
  return mutant.static === true && (mutant.status === 'Survived' || mutant.status === 'NoCoverage');
}

function runStaticMutants(report) {
  const work = Object.entries(report.files).flatMap(([file, { source, mutants }]) =>
    mutants.filter(needsStaticRun).map((mutant) => ({ file, source, mutant })),
  );
  if (work.length === 0) return;
  makeScratch();
  const baselines = new Map();
  const loaded = new Set();
  for (const [i, { file, source, mutant }] of work.entries()) {
    const tests = testsFor(file);
    const key = tests.join(' ');
    if (!baselines.has(key)) {
      const started = Date.now();
      if (runTests(tests, 300_000) !== 'passed') throw new Error(`the tests of ${file} fail without any mutant`);
      baselines.set(key, Date.now() - started);
    }
    if (!loaded.has(file)) {
      assertLoaded(file, source, tests);
      loaded.add(file);
    }
    const target = path.join(SCRATCH, file);
    writeFileSync(target, mutateSource(source, mutant));
    const outcome = runTests(tests, 3 * baselines.get(key) + 30_000);
    writeFileSync(target, source);
    mutant.status = { passed: 'Survived', failed: 'Killed', timeout: 'Timeout' }[outcome];
    mutant.statusReason = `static mutant, run by scripts/mutate.mjs against ${key}`;
    console.log(`static ${i + 1}/${work.length} ${file}:${mutant.location.start.line} ${mutant.status}`);
  }
  rmSync(SCRATCH, { recursive: true, force: true });
}

function summarise(report) {
  const rows = Object.entries(report.files).map(([file, { mutants }]) => {
    const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
    const detected = count('Killed', 'Timeout');
    const valid = detected + count('Survived', 'NoCoverage');
    const score = valid === 0 ? 100 : (100 * detected) / valid;
    return { file, score, detected, undetected: valid - detected, ignored: count('Ignored') };
  });
  console.log('\nscore   killed  survived  ignored  file');
  for (const r of rows) {
    const cells = [r.score.toFixed(1).padStart(5), String(r.detected).padStart(8), String(r.undetected).padStart(9)];
    console.log(`${cells.join(' ')} ${String(r.ignored).padStart(8)}  ${r.file}`);
  }
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage')) {
      console.log(
        `${m.status}: ${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} → ${m.replacement}`,
      );
    }
  }
  return rows.filter((r) => r.score < MINIMUM);
}

runStryker(process.argv.slice(2));
const report = JSON.parse(readFileSync(REPORT, 'utf8'));
runStaticMutants(report);
writeFileSync(REPORT, JSON.stringify(report));
const low = summarise(report);
if (low.length > 0) {
  console.error(`\nUnder ${MINIMUM}%: ${low.map((r) => r.file).join(', ')}`);
  process.exit(1);
}
