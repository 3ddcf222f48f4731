// Courses and cohorts sent while accounts are still being created. A create call with createpassword=1 spends most
// of its time waiting for Moodle's mail server (docs/moodle/bulk-timings.md: about 46 ms a user), not on the site's
// CPU, so the enrolments of the accounts a call made are sent as soon as it answers, one group after the other,
// instead of after the last create. Rows are handed over in the state `account_done`; a stop here (or a crash)
// leaves them so, and the run's last membership step, or a resumed run, sends them again (Moodle's enrolment and
// cohort calls are idempotent).
import type { MoodleGateway } from '../moodle-gateway.js';
import type { Stop } from './run-accounts.js';
import { runMemberships } from './run-memberships.js';
import type { ImportTracker } from './tracker.js';
import type { ImportTuning } from './tuning.js';
import type { ImportRowRecord } from './types.js';

export class MembershipPipeline {
  // Stryker disable next-line ArrayDeclaration: runMemberships keeps only rows still `account_done`; anything else
  // waiting is dropped there.
  private waiting: ImportRowRecord[] = [];
  private running: Promise<void> | undefined;
  private stop: Stop | undefined;

  constructor(
    private readonly gateway: MoodleGateway,
    private readonly tuning: ImportTuning,
    private readonly tracker: ImportTracker,
  ) {}

  /**
   * Rows whose accounts were just made: their memberships go out next (none once a membership call stopped).
   * runMemberships keeps only the rows still `account_done`, so rows without courses or cohorts need no sorting here.
   */
  offer(rows: readonly ImportRowRecord[]): void {
    if (this.stop) return;
    this.waiting.push(...rows);
    this.running ??= this.work();
  }

  /** Waits for every membership handed over; the stop of one of them, if any. */
  async drain(): Promise<Stop | undefined> {
    while (this.running) await this.running;
    return this.stop;
  }

  /** Sends what is waiting, group after group; ends (in the same turn as its last check) when nothing is left. */
  private async work(): Promise<void> {
    try {
      while (this.waiting.length > 0 && !this.stop) {
        const rows = this.waiting;
        this.waiting = [];
        try {
          this.stop = await runMemberships(this.gateway, this.tuning, this.tracker, { rows, phases: false });
        } catch (error) {
          // A store write failed: the rows keep the states recorded so far.
          this.stop = { error };
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
