/**
 * Error mapping: what the admin API answers for a rule violation, a lost revision race, a failed
 * `If-Match`, a store outage or a bug.
 *
 * | Refusal | Status | `error` |
 * | --- | --- | --- |
 * | `permission_denied`, `organization_suspended`, `subscription_expired` | 403 | the rule code |
 * | `organization_not_found`, `server_not_found` | 404 | the rule code |
 * | `duplicate_name`, `server_limit_reached`, `another_server_enabled` | 409 | the rule code |
 * | `invalid_config`, `invalid_command`, `validation_required`, `validation_mismatch`, `validation_expired`, `validation_in_future` | 400 | the rule code |
 * | store revision race | 409 | `conflict` |
 * | `If-Match` names another revision | 412 | `precondition_failed` |
 * | store outage (lock timeout, I/O error, closed, corrupt document) | 503 with `retry-after` | `store_unavailable` |
 * | anything else thrown | 500 | `internal_error` |
 *
 * Rule violations answer with the `status` the rules attach (the table above), so the rules stay
 * the single source of that mapping.
 *
 * @module
 */
import { StoreUnavailableError, isUnavailableError, type UnavailableError } from '@tokenward/core'
import { type RuleViolation } from '@tokenward/core/organization'
import { isRegistryError } from '../errors.ts'
import { errorResponse } from './admin-response.ts'

/**
 * The answer to a command the organization rules refused: the rule's status and code, its
 * message, and its structured details (`issues`, `field`, `expected`, `actual`).
 *
 * @example
 * ```ts
 * const r = applyCommand(org, command, actor, now)
 * if (!r.ok) return violationResponse(r.error) // e.g. 409 { error: 'duplicate_name', message: '…', field: 'name', actual: 'okta1' }
 * ```
 */
export function violationResponse(violation: RuleViolation): Response {
  const details: Record<string, unknown> = {}
  if (violation.field !== undefined) details.field = violation.field
  if (violation.expected !== undefined) details.expected = violation.expected
  if (violation.actual !== undefined) details.actual = violation.actual
  return errorResponse(violation.status, violation.code, violation.message, { issues: violation.issues, details })
}

/**
 * `409 conflict`: another change was saved between reading the organization and writing it.
 * Nothing was written; read the organization again and retry.
 *
 * @example
 * ```ts
 * const put = await store.put(next, org.revision)
 * if (!put.ok) return conflictResponse(org.revision, put.currentRevision)
 * ```
 */
export function conflictResponse(readRevision: number, currentRevision: number | undefined): Response {
  return errorResponse(409, 'conflict', 'The organization was changed by another request meanwhile; nothing was saved. Reload and try again.', {
    details: { expected: readRevision, actual: currentRevision ?? null },
  })
}

/**
 * `412 precondition_failed`: the request's `If-Match` names a revision the organization is no
 * longer (or not yet) at.
 *
 * @example
 * ```ts
 * if (!ifMatchAllows(ifMatch, org.revision)) return preconditionFailedResponse(org.revision)
 * ```
 */
export function preconditionFailedResponse(currentRevision: number): Response {
  return errorResponse(412, 'precondition_failed', `If-Match does not name the current revision of the organization (${currentRevision}); nothing was saved`, {
    details: { actual: currentRevision },
    headers: { etag: `"${currentRevision}"` },
  })
}

/**
 * `503` with `retry-after` for an outage of the outage family (`store_unavailable` when the
 * organization store could not be read or written; nothing was saved). The message names no
 * detail of the cause; report it through `onError`.
 *
 * @example
 * ```ts
 * const r = await changeOrganization(store, audit, change)
 * if (r.kind === 'unavailable') return unavailableResponse(r.error) // 503 { error: 'store_unavailable', ... }, retry-after: 5
 * ```
 */
export function unavailableResponse(error: UnavailableError): Response {
  const retryAfter = String(Math.max(1, Math.ceil(error.retryAfterSeconds ?? 5)))
  const message =
    error.reason === 'store' ? 'A store this request needs is unavailable; nothing was saved. Try again shortly.' : 'A service this request needs is unavailable. Try again shortly.'
  return errorResponse(503, error.code, message, { headers: { 'retry-after': retryAfter } })
}

/**
 * The answer to an exception nobody expected: `503` with `retry-after` for an outage (an
 * `UnavailableError`, or a store lock timeout), otherwise `500 internal_error`. The message never
 * includes the exception's text; report it through `onError`.
 *
 * @example
 * ```ts
 * try { return await handle(request) } catch (error) { onError?.(error); return unexpectedFailureResponse(error) }
 * ```
 */
export function unexpectedFailureResponse(error: unknown): Response {
  if (isUnavailableError(error)) return unavailableResponse(error)
  if (isRegistryError(error) && error.code === 'store_lock_timeout') {
    return unavailableResponse(new StoreUnavailableError('The organization store is busy', { retryAfterSeconds: 1, cause: error }))
  }
  return errorResponse(500, 'internal_error', 'The request could not be completed')
}
