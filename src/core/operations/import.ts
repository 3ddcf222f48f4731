// import: many accounts (and their courses and cohorts) from one CSV file, as ONE request whose rows are stored one
// by one (src/core/import). Approved once; executed, resumed after a stop or a crash, from the rows' states.
import { z } from 'zod';
import { ImportStopped, runImport } from '../import/run-import.js';
import type { OperationContext, OperationDefinition, OperationRequest } from './types.js';

const countsSchema = z.object({
  create: z.number().int(),
  update: z.number().int(),
  unchanged: z.number().int(),
  invalid: z.number().int(),
  duplicate: z.number().int(),
  exists: z.number().int(),
});

export const importPayloadSchema = z.object({
  operation: z.literal('import'),
  fileName: z.string().max(255),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  mode: z.enum(['create', 'create_or_update']),
  /** How many rows the request holds in import_rows (every row of the file). */
  rows: z.number().int().min(1),
  counts: countsSchema,
  courses: z.array(z.object({ id: z.number().int(), shortname: z.string(), enrolments: z.number().int() })),
  cohorts: z.array(z.object({ id: z.number().int(), name: z.string(), members: z.number().int() })),
});
export type ImportPayload = z.infer<typeof importPayloadSchema>;

const MAX_LISTED = 10;

function listed(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}

async function run(context: OperationContext, request: OperationRequest<ImportPayload>, tellStop = true) {
  if (!context.imports) throw new Error('imports are not wired in this process');
  return runImport(context, context.imports, request, { tellStop });
}

export const importUsers = {
  name: 'import',
  policyKey: 'import',
  payloadSchema: importPayloadSchema,
  target: 'new',
  correctable: false,
  words: {
    verb: 'import',
    title: 'Import accounts',
    done: 'imported',
    outcome: 'import finished',
    notYet: 'the import isn’t finished yet',
  },
  keepsAccount: false,
  // The subject is a file, not a person.
  headline: (p) =>
    `Import Moodle accounts: ${p.fileName} (${p.rows.toLocaleString('en')} row${p.rows === 1 ? '' : 's'})`,

  describe: (p) => {
    const n = (x: number) => x.toLocaleString('en');
    const skipped = p.counts.unchanged + p.counts.invalid + p.counts.duplicate + p.counts.exists;
    return [
      { label: 'File', value: p.fileName },
      { label: 'Mode', value: p.mode === 'create' ? 'add new only' : 'add new and update existing' },
      {
        label: 'Rows',
        value: `${n(p.rows)}: ${n(p.counts.create)} new, ${n(p.counts.update)} to update, ${n(skipped)} skipped`,
      },
      ...(p.courses.length > 0
        ? [{ label: 'Courses', value: listed(p.courses.map((c) => `${c.shortname} (${n(c.enrolments)})`)) }]
        : []),
      ...(p.cohorts.length > 0
        ? [{ label: 'Cohorts', value: listed(p.cohorts.map((c) => `${c.name} (${n(c.members)})`)) }]
        : []),
    ];
  },

  /** The same file twice in flight is one import too many. */
  targetKey: (p) => `import:${p.sha256}`,

  async execute(context, request) {
    await run(context, request);
    return {};
  },

  /**
   * After a crash: the import carries on from its rows' states (rows sent but not recorded are looked up first). A
   * stop (Moodle unreachable) is thrown, so the reconcile job tries again later, as for any look-up that fails.
   */
  async lookUpOutcome(context, request) {
    try {
      await run(context, request, false);
      return { applied: true };
    } catch (err) {
      if (err instanceof ImportStopped && err.code === 'import_rows_missing') return { applied: false };
      throw err;
    }
  },
} satisfies OperationDefinition<ImportPayload>;
