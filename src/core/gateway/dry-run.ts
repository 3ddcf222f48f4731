// The dry-run port: a gateway whose reads go to Moodle and whose writes are recorded as the web-service calls they
// would be, never sent. The Moodle adapter builds the calls with its own encoder, so a dry run shows exactly what
// would go over the wire; the core only carries them.
import type { MoodleGateway } from '../moodle-gateway.js';

/** One web-service call as Moodle would receive it: its fields in order, the token and passwords masked. */
export interface PlannedCall {
  readonly wsfunction: string;
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

export interface DryRunGateway extends MoodleGateway {
  /** The writes recorded so far, in the order the operation made them. */
  plannedCalls(): PlannedCall[];
}
