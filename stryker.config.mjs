// StrykerJS on the security- and correctness-critical core: `npm run mutate` (scripts/mutate.mjs), docs/TESTING.md.

/**
 * The tests a module-level ("static") mutant of each file is run against, by scripts/mutate.mjs: the suites of the
 * module itself. Keys are file paths or folder prefixes; the first match wins.
 */
export const staticTests = {
  'src/core/permissions.ts': ['test/core/permissions.test.ts'],
  'src/core/request-lifecycle.ts': [
    'test/core/requests-service.test.ts',
    'test/core/requests-quorum.test.ts',
    'test/core/requests.test.ts',
  ],
  'src/core/request-service.ts': [
    'test/core/requests-service.test.ts',
    'test/core/requests-quorum.test.ts',
    'test/core/requests.test.ts',
  ],
  'src/core/request-approval.ts': [
    'test/core/requests-service.test.ts',
    'test/core/requests-quorum.test.ts',
    'test/core/requests.test.ts',
  ],
  'src/core/request-corrections.ts': [
    'test/core/requests-service.test.ts',
    'test/core/requests.test.ts',
    'test/core/operations.test.ts',
  ],
  'src/core/user-record.ts': ['test/core/user-record.test.ts', 'test/fuzz/user-record.fuzz.test.ts'],
  'src/core/field-formats.ts': ['test/core/linear-patterns.test.ts', 'test/core/user-record.test.ts'],
  'src/moodle/batch.ts': ['test/moodle/batch.test.ts'],
  'src/moodle/batch-plan.ts': ['test/moodle/batch.test.ts'],
  'src/core/operations/': ['test/core/operations.test.ts', 'test/core/requests.test.ts'],
  'src/core/import/tracker.ts': ['test/core/import/row-state.test.ts', 'test/core/import/run-import.test.ts'],
  'src/core/import/result.ts': ['test/core/import/row-state.test.ts', 'test/core/import/run-import.test.ts'],
  'src/core/import/pipeline.ts': ['test/core/import/pipeline.test.ts', 'test/core/import/run-import.test.ts'],
  'src/core/import/tuning.ts': ['test/core/import/row-state.test.ts'],
  'src/core/use-cases/scheduled.ts': ['test/core/scheduled-actions.test.ts'],
};

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Unit, store, fault and fuzz suites; each mutant runs the tests that reach it (perTest coverage).
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  // Module-level mutants: Stryker would run every related suite for each, and its vitest runner does not always
  // activate them before the module loads; scripts/mutate.mjs runs them against `staticTests` instead.
  ignoreStatic: true,
  mutate: [
    'src/core/permissions.ts',
    'src/core/request-lifecycle.ts',
    'src/core/request-service.ts',
    'src/core/request-approval.ts',
    'src/core/request-corrections.ts',
    'src/core/user-record.ts',
    'src/core/field-formats.ts',
    'src/moodle/batch.ts',
    'src/moodle/batch-plan.ts',
    'src/core/operations/*.ts',
    // The CSV import's row state: its states in memory and what is written, and the totals and words of the result.
    'src/core/import/tracker.ts',
    'src/core/import/result.ts',
    // How an import's calls are cut and sent: batch sizes, and courses sent while accounts are still being created.
    'src/core/import/tuning.ts',
    'src/core/import/pipeline.ts',
    // The scheduler's decisions: what a try of a due action leads to (done, again after a growing wait, given up).
    'src/core/use-cases/scheduled.ts',
  ],
  concurrency: 1,
  timeoutMS: 10_000,
  ignorePatterns: ['dist', 'coverage', 'data', 'reports', 'docs'],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  // scripts/mutate.mjs fails a run in which any one file scores under `low`.
  thresholds: { high: 95, low: 90, break: null },
  cleanTempDir: 'always',
};
