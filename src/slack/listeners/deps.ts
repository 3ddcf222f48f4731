// What listeners receive from the composition root. Core services (provisioning, store, Moodle gateway, Slack
// directory) are added here as they are built; listeners take them from `deps`, never from module state.
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';

export interface ListenerDeps {
  readonly config: Config;
  /** Root logger; inside a request prefer requestLogger(context), which carries the user, team and request id. */
  readonly logger: Logger;
}
