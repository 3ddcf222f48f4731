// What listeners receive from the composition root (src/main.ts). Listeners take every service from `deps`,
// never from module state, so tests and production run the same wiring.
import type { Config } from '../../config.js';
import type { Clock } from '../../core/clock.js';
import type { MoodleGateway } from '../../core/moodle-gateway.js';
import type { Permissions } from '../../core/permissions.js';
import type { ProvisioningService } from '../../core/provisioning.js';
import type { RequestService } from '../../core/request-service.js';
import type { Store } from '../../core/store.js';
import type { DoctorReport } from '../../doctor/checklist.js';
import type { Logger } from '../../logger.js';
import type { HomeTabs } from '../home-tabs.js';

export interface ListenerDeps {
  readonly config: Config;
  /** Root logger; inside a request prefer requestLogger(context), which carries the user, team and request id. */
  readonly logger: Logger;
  readonly provisioning: ProvisioningService;
  readonly requests: RequestService;
  readonly store: Store;
  readonly gateway: MoodleGateway;
  readonly permissions: Permissions;
  readonly clock: Clock;
  /** The setup check (`/moodle-user doctor`), the same function as `npm run doctor`. */
  readonly runDoctor: () => Promise<DoctorReport>;
  /** Each person's App Home. */
  readonly homeTabs: HomeTabs;
}
