// /moodle-user doctor: the setup check (the same function as `npm run doctor`), for admins only, answered privately.
import { buildDoctorReport } from '../../../blocks/doctor-report.js';
import type { SubcommandContext } from './types.js';

export async function handleDoctor({ command, respond, deps, logger }: SubcommandContext): Promise<void> {
  const allowed = await deps.permissions.check(command.user_id, 'admin');
  if (!allowed.ok) {
    logger.warn({ user: command.user_id }, 'doctor refused: not an admin');
    await respond({ response_type: 'ephemeral', text: allowed.reason });
    return;
  }
  await respond({ response_type: 'ephemeral', text: 'Running the setup check against Moodle and Slack…' });
  const report = await deps.runDoctor();
  logger.info(
    { ok: report.ok, failed: report.results.filter((r) => r.status === 'fail').map((r) => r.id) },
    'doctor run from Slack',
  );
  await respond(buildDoctorReport(report));
}
