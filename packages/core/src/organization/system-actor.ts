/**
 * The actor the system itself acts as, e.g. when it suspends an organization that crossed its
 * API-call threshold.
 *
 * @module
 */
import type { Actor } from './types.ts'

/**
 * The system: no permissions, so it can apply provider commands only (audited as `system`).
 *
 * @example
 * ```ts
 * applyCommand(org, { type: 'suspend', reason: 'api_call_threshold_exceeded' }, systemActor, now)
 * ```
 */
export const systemActor: Actor = Object.freeze({ id: 'system', permissions: Object.freeze([]) })
