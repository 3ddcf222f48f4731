// The import service as listeners reach it. Until the import core is wired into ProvisioningService (branch
// `import`), its absence is a clear error instead of a type error; then this becomes deps.provisioning.imports.
import type { ImportService } from '../../core/import/ports.js';
import type { RequestOperation } from '../../core/requests.js';
import type { ListenerDeps } from './deps.js';

export function importsOf(deps: ListenerDeps): ImportService {
  const imports = (deps.provisioning as { imports?: ImportService }).imports;
  if (!imports) throw new Error('The CSV import is not available in this version of the app.');
  return imports;
}

/** The import's policy key (APPROVAL_REQUIRED, REASON_REQUIRED). */
export const IMPORT_POLICY_KEY = 'import' as RequestOperation;
