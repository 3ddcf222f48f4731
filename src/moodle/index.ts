// The Moodle adapter's public surface: the REST client (implements MoodleGateway), its error type, batch creation.
export {
  type BatchCreateResult,
  type CreateUsersInBatchesOptions,
  createUsersInBatches,
  isDataError,
} from './batch.js';
export {
  type CallKind,
  createMoodleClient,
  type FunctionProbe,
  GET_USERS_CRITERION_KEYS,
  type MoodleClient,
  type MoodleClientOptions,
} from './client.js';
export type { FormObject, FormValue } from './encode.js';
export {
  asMoodleError,
  MoodleError,
  MoodleErrorCode,
  type MoodleExceptionEnvelope,
  type TransportKind,
  type UpdateWarning,
} from './errors.js';
