// The dry-run gateway: the client's own methods over a caller that sends reads to Moodle and records writes as the
// exact form fields they would send (the same encoder and wireFields as a real call), with the token and every
// password masked. A write's answer is made up in the shape Moodle gives, so an operation runs through to its end.
import type { DryRunGateway, PlannedCall } from '../core/gateway/dry-run.js';
import type { MoodleGateway } from '../core/moodle-gateway.js';
import { type FormObject, isSecretField } from './encode.js';
import type { CallKind, MoodleCaller } from './method-kit.js';
import { wireFields } from './transport.js';

/** What a dry run shows in place of a secret. */
export const MASK = '•••';
/** The id a planned create answers with; later calls show it as words (Moodle's ids never get near it). */
const NEW_ACCOUNT_ID = Number.MAX_SAFE_INTEGER;
const NEW_ACCOUNT_WORDS = '(the new account’s id)';

/** Moodle's answer to a write that succeeds, in the shape each function's schema expects. */
function madeUpAnswer(wsfunction: string, params: FormObject): unknown {
  switch (wsfunction) {
    case 'core_user_create_users': {
      const users = (params.users ?? []) as ReadonlyArray<{ username?: unknown }>;
      return users.map((u, i) => ({ id: NEW_ACCOUNT_ID - i, username: String(u.username ?? '') }));
    }
    case 'core_user_update_users':
    case 'core_cohort_add_cohort_members':
      return { warnings: [] };
    default:
      return null;
  }
}

function maskField([name, value]: readonly [string, string]): readonly [string, string] {
  if (isSecretField(name)) return [name, MASK];
  const id = Number(value);
  if (Number.isSafeInteger(id) && id > NEW_ACCOUNT_ID - 1000) return [name, NEW_ACCOUNT_WORDS];
  return [name, value];
}

/** A caller that records writes instead of sending them; reads go to `real`. */
export function createRecordingCaller(real: MoodleCaller): { caller: MoodleCaller; planned(): PlannedCall[] } {
  const planned: PlannedCall[] = [];
  return {
    planned: () => [...planned],
    caller: {
      parse: real.parse,
      async call(wsfunction: string, params: FormObject = {}, options: { kind?: CallKind } = {}) {
        const kind = options.kind ?? (/_get_/.test(wsfunction) ? 'read' : 'write');
        if (kind === 'read') return real.call(wsfunction, params, options);
        planned.push({ wsfunction, fields: wireFields(wsfunction, params, MASK).map(maskField) });
        return madeUpAnswer(wsfunction, params);
      },
    },
  };
}

/** The dry-run gateway over `real`'s transport; `buildGateway` is the client's own method set. */
export function createDryRunGateway(
  real: MoodleCaller,
  buildGateway: (caller: MoodleCaller) => MoodleGateway,
): DryRunGateway {
  const recording = createRecordingCaller(real);
  return { ...buildGateway(recording.caller), plannedCalls: recording.planned };
}
