// What the registry offers besides the operations themselves: each operation's calls, described without making
// them, by running its own prepare and execute against a gateway that records writes (no second copy of any logic).
import type { DryRunGateway, PlannedCall } from '../gateway/dry-run.js';
import { isGatewayError } from '../moodle-gateway.js';
import type { RequestPayload, RequestTarget } from '../requests.js';
import { operationOf } from './registry.js';
import type { OperationSettings } from './types.js';

export interface CallPlan {
  calls: PlannedCall[];
  /** Why the operation would stop before its last call (an account that already exists, say). */
  stopped?: string;
}

export async function planCalls(
  gateway: DryRunGateway,
  settings: OperationSettings,
  request: { payload: RequestPayload; target: RequestTarget },
): Promise<CallPlan> {
  const operation = operationOf(request.payload.operation);
  const context = { gateway, settings };
  try {
    const prepared = operation.prepare?.(context, request.payload);
    await operation.execute(context, { id: 'dry-run', ...request }, prepared);
    return { calls: gateway.plannedCalls() };
  } catch (err) {
    const stopped = isGatewayError(err)
      ? `${err.message} ${err.hint}`
      : err instanceof Error
        ? err.message
        : String(err);
    return { calls: gateway.plannedCalls(), stopped };
  }
}
