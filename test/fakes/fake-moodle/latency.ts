// A latency model of a real Moodle site for the fake: each call costs a fixed part plus a part per item (user,
// enrolment, member, value), split into CPU time, which runs on at most `cores` calls at once, and waiting (the mail
// server that createpassword=1 waits for), which overlaps freely. Modelled on docs/moodle/bulk-timings.md: a 2-core
// Moodle 4.5 site where 4 streams of creates were 1.7–2.6× faster than 1, and createpassword calls 3.4×.

export interface CallCost {
  cpuMs: number;
  waitMs: number;
}

export interface LatencyModel {
  cores: number;
  cost(wsfunction: string, pairs: ReadonlyArray<[string, string]>): CallCost;
}

const ITEM_KEYS = /^(users|enrolments|members|values|userids|cohortids)\[(\d+)\]/;

/** How many users, enrolments, members or values a call carries. */
export function countItems(pairs: ReadonlyArray<[string, string]>): number {
  const seen = new Set<string>();
  for (const [key] of pairs) {
    const m = ITEM_KEYS.exec(key);
    if (m) seen.add(`${m[1]}:${m[2]}`);
  }
  return seen.size;
}

/** Milliseconds per item of the functions the import uses, as measured (bulk-timings.md); others cost the fixed part. */
const PER_ITEM_CPU_MS: Record<string, number> = {
  core_user_create_users: 11,
  core_user_update_users: 8,
  enrol_manual_enrol_users: 6,
  core_cohort_add_cohort_members: 3,
  core_user_get_users_by_field: 0.2,
};
export const FIXED_CPU_MS = 100;
/** createpassword=1: Moodle hashes and mails each new user's password inside the call (about 46 ms a user). */
export const CREATEPASSWORD_WAIT_MS = 46;

/** The measured site, every figure multiplied by `scale` (a bench may run it faster than life). */
export function moodle45Model(scale = 1, cores = 2): LatencyModel {
  return {
    cores,
    cost(wsfunction, pairs) {
      const items = countItems(pairs);
      const mailed =
        wsfunction === 'core_user_create_users'
          ? pairs.filter(([k, v]) => /^users\[\d+\]\[createpassword\]$/.test(k) && v === '1').length
          : 0;
      return {
        cpuMs: scale * (FIXED_CPU_MS + (PER_ITEM_CPU_MS[wsfunction] ?? 0) * items),
        waitMs: scale * CREATEPASSWORD_WAIT_MS * mailed,
      };
    },
  };
}

/** The site's cores: a call's CPU part waits for a free one, first come first served. */
export class CpuPool {
  private busy = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly cores: number) {}

  async run(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
    if (this.busy >= this.cores) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.busy += 1;
    try {
      await sleepExact(ms, timers);
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.busy -= 1;
    }
  }
}

/** Waits until `due` on the real clock (or `stop()`); timers fire up to a millisecond late, so the last stretch is waited turn by turn. */
export function waitUntil(due: number, timers: Set<NodeJS.Timeout>, stop: () => boolean = () => false): Promise<void> {
  return new Promise<void>((resolve) => {
    const spin = () => (performance.now() >= due || stop() ? resolve() : setImmediate(spin));
    const left = due - performance.now();
    if (left <= 2) return spin();
    const timer = setTimeout(() => {
      timers.delete(timer);
      spin();
    }, left - 2);
    timers.add(timer);
  });
}

export function sleepExact(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return waitUntil(performance.now() + ms, timers);
}

/** One call as the model served it, for the bench: when it arrived and was answered, and what it was charged. */
export interface CallTiming {
  wsfunction: string;
  items: number;
  arrived: number;
  answered: number;
  cpuMs: number;
  waitMs: number;
}
