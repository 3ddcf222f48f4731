// One run of an import's rows: their states in memory, every change written to the store before the run goes on
// (with an audit event for each row that ends), and progress told at most every few seconds.
import { type NewAuditEvent, SYSTEM_ACTOR } from '../audit.js';
import type { Clock } from '../clock.js';
import type { ImportRowStore } from './ports.js';
import {
  FINAL_ROW_STATES,
  type ImportPhase,
  type ImportProgress,
  type ImportRowRecord,
  type ImportRowState,
  type ImportRowUpdate,
} from './types.js';

/** Rows written in one transaction. */
const ROWS_PER_WRITE = 500;

export interface TrackerDeps {
  rows: ImportRowStore;
  clock: Clock;
  progressIntervalMs: number;
  onProgress: (progress: ImportProgress) => Promise<void>;
  log?: (message: string, context: Record<string, unknown>) => void;
}

export class ImportTracker {
  readonly byRow = new Map<number, ImportRowRecord>();
  private phase: ImportPhase = 'accounts';
  private lastProgress = Number.NEGATIVE_INFINITY;
  private told: Promise<void> = Promise.resolve();
  private membershipsDone = 0;

  constructor(
    private readonly deps: TrackerDeps,
    private readonly requestId: string,
    rows: readonly ImportRowRecord[],
  ) {
    for (const row of rows) this.byRow.set(row.row, row);
  }

  rowsIn(...states: ImportRowState[]): ImportRowRecord[] {
    return [...this.byRow.values()].filter((r) => states.includes(r.state));
  }

  /**
   * Writes the changes (and the audit events of rows that end), then keeps them: a few hundred rows a transaction,
   * so that a change of 10,000 rows never holds all their statements and events at once (docs/PERFORMANCE.md (f)).
   */
  async update(updates: readonly ImportRowUpdate[]): Promise<void> {
    const changed = updates.filter((u) => {
      const row = this.byRow.get(u.row);
      return row !== undefined && (row.state !== u.state || (u.moodleId !== undefined && row.moodleId !== u.moodleId));
    });
    if (changed.length === 0) return;
    // Only a row about to be sent must be on disk first; anything else a crash loses is looked up or redone. The
    // flush after the last part covers the parts before it.
    const durable = changed.some((u) => u.state === 'sending');
    for (let i = 0; i < changed.length; i += ROWS_PER_WRITE) {
      const last = i + ROWS_PER_WRITE >= changed.length;
      await this.write(changed.slice(i, i + ROWS_PER_WRITE), durable && last);
    }
    this.tick();
  }

  private async write(changed: readonly ImportRowUpdate[], durable: boolean): Promise<void> {
    const at = this.deps.clock.now();
    const audit: NewAuditEvent[] = [];
    for (const u of changed) {
      const row = this.byRow.get(u.row) as ImportRowRecord;
      if (!FINAL_ROW_STATES.has(u.state)) continue;
      const moodleId = u.moodleId ?? row.moodleId;
      audit.push({
        at,
        actor: SYSTEM_ACTOR,
        kind: 'import_row',
        requestId: this.requestId,
        operation: 'import',
        target: { username: row.username, ...(moodleId !== undefined ? { moodleId } : {}) },
        outcome: u.state,
        moodleId,
        detail: `row ${row.row}${u.message ? `: ${u.message}` : ''}`,
      });
    }
    await this.deps.rows.updateImportRows(this.requestId, changed, audit, { durable });
    for (const u of changed) {
      const row = this.byRow.get(u.row) as ImportRowRecord;
      row.state = u.state;
      if (u.moodleId !== undefined) row.moodleId = u.moodleId;
      if (u.message !== undefined) row.message = u.message;
    }
  }

  startPhase(phase: ImportPhase): void {
    this.phase = phase;
    this.membershipsDone = 0;
  }

  /** Enrolments or cohort memberships sent so far in this phase. */
  countMemberships(n: number): void {
    this.membershipsDone += n;
    this.tick();
  }

  progress(): ImportProgress {
    let total = 0;
    let done = 0;
    let created = 0;
    let updated = 0;
    let failed = 0;
    for (const row of this.byRow.values()) {
      if (row.action !== 'create' && row.action !== 'update') continue;
      total += 1;
      if (row.state === 'failed') failed += 1;
      else if (row.moodleId !== undefined && row.state !== 'pending' && row.state !== 'sending') {
        done += 1;
        if (row.action === 'create') created += 1;
        else updated += 1;
      }
    }
    const memberships =
      this.phase === 'enrolments' || this.phase === 'cohorts' ? { memberships: this.membershipsDone } : {};
    return { phase: this.phase, total, done: done + failed, created, updated, failed, ...memberships };
  }

  /** Progress, at most every progressIntervalMs; told one after the other, never holding the run up. */
  private tick(force = false): void {
    const now = this.deps.clock.now().getTime();
    if (!force && now - this.lastProgress < this.deps.progressIntervalMs) return;
    this.lastProgress = now;
    const progress = this.progress();
    this.told = this.told.then(() =>
      this.deps.onProgress(progress).catch((err: unknown) => {
        this.deps.log?.('could not tell the progress of an import', {
          requestId: this.requestId,
          error: err instanceof Error ? err.message : String(err),
        });
      }),
    );
  }

  /** The last progress (phase done), after every earlier one was told. */
  async finish(): Promise<void> {
    this.phase = 'done';
    this.tick(true);
    await this.told;
  }
}
