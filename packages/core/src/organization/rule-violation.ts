/**
 * Why an organization command was refused: a plain, JSON-compatible value with a stable `code`,
 * a human `message`, the HTTP `status` an admin API should answer with, and structured fields.
 * Rules return it; they never throw it.
 *
 * @module
 */
import type { ConfigIssue } from '../errors.ts'

/**
 * Stable machine-readable reasons a command is refused. New codes may be added; existing ones are never renamed.
 *
 * @example
 * ```ts
 * if (violation.code === 'another_server_enabled') showSwitchDialog()
 * ```
 */
export type RuleViolationCode =
  | 'invalid_command'
  | 'permission_denied'
  | 'organization_suspended'
  | 'subscription_expired'
  | 'invalid_config'
  | 'server_not_found'
  | 'server_limit_reached'
  | 'duplicate_name'
  | 'another_server_enabled'
  | 'validation_required'
  | 'validation_mismatch'
  | 'validation_expired'
  | 'validation_in_future'
  | 'api_client_not_found'
  | 'api_role_not_found'
  | 'duplicate_client'
  | 'duplicate_role'
  | 'role_in_use'
  | 'client_limit_reached'
  | 'role_limit_reached'
  | 'not_a_secret_client'

/**
 * HTTP statuses a refused command maps to: bad input, forbidden, not found, conflict with the current state.
 *
 * @example
 * ```ts
 * res.status(violation.status satisfies RuleViolationStatus)
 * ```
 */
export type RuleViolationStatus = 400 | 403 | 404 | 409

const statusByCode: Readonly<Record<RuleViolationCode, RuleViolationStatus>> = {
  invalid_command: 400,
  permission_denied: 403,
  organization_suspended: 403,
  subscription_expired: 403,
  invalid_config: 400,
  server_not_found: 404,
  server_limit_reached: 409,
  duplicate_name: 409,
  another_server_enabled: 409,
  validation_required: 400,
  validation_mismatch: 400,
  validation_expired: 400,
  validation_in_future: 400,
  api_client_not_found: 404,
  api_role_not_found: 404,
  duplicate_client: 409,
  duplicate_role: 409,
  role_in_use: 409,
  client_limit_reached: 409,
  role_limit_reached: 409,
  not_a_secret_client: 409,
}

/**
 * Every rule violation code, in a stable order (for docs, tests and exhaustive switches).
 *
 * @example
 * ```ts
 * ruleViolationCodes.includes('duplicate_name') // true
 * ```
 */
export const ruleViolationCodes: readonly RuleViolationCode[] = Object.keys(statusByCode) as RuleViolationCode[]

/**
 * A refused command. JSON-compatible, so it can be stored in an audit record or sent to an admin UI as is.
 *
 * @example
 * ```ts
 * const r = applyCommand(org, command, actor, now)
 * if (!r.ok) for (const issue of r.error.issues ?? []) form.markInvalid(issue.path, issue.message)
 * ```
 */
export interface RuleViolation {
  readonly _tag: 'RuleViolation'
  readonly code: RuleViolationCode
  /** For people; may change between versions. */
  readonly message: string
  /** The HTTP status an admin API should answer with. */
  readonly status: RuleViolationStatus
  /** Every bad field by path (`invalid_config`). */
  readonly issues?: readonly ConfigIssue[]
  /** The command, receipt or config member concerned, e.g. `name`, `receipt.jwksUrl`. */
  readonly field?: string
  /** What was required (short; certificates are summarized). */
  readonly expected?: unknown
  /** What was found (short; certificates are summarized). */
  readonly actual?: unknown
}

/**
 * Optional structured fields of a {@link RuleViolation}.
 *
 * @example
 * ```ts
 * ruleViolation('validation_mismatch', 'Other URL', { field: 'receipt.jwksUrl', expected: a, actual: b })
 * ```
 */
export interface RuleViolationDetails {
  readonly issues?: readonly ConfigIssue[]
  readonly field?: string
  readonly expected?: unknown
  readonly actual?: unknown
}

/**
 * Builds a {@link RuleViolation}, filling in the HTTP status for its code. Details that are
 * `undefined` are left out, so two equal violations are deep-equal.
 *
 * @example
 * ```ts
 * ruleViolation('server_not_found', 'No authorization server named "Okta2"', { field: 'name', actual: 'Okta2' })
 * // { _tag: 'RuleViolation', code: 'server_not_found', status: 404, message: '…', field: 'name', actual: 'Okta2' }
 * ```
 */
export function ruleViolation(code: RuleViolationCode, message: string, details: RuleViolationDetails = {}): RuleViolation {
  return {
    _tag: 'RuleViolation',
    code,
    message,
    status: statusByCode[code],
    ...(details.issues === undefined ? {} : { issues: details.issues }),
    ...(details.field === undefined ? {} : { field: details.field }),
    ...(details.expected === undefined ? {} : { expected: details.expected }),
    ...(details.actual === undefined ? {} : { actual: details.actual }),
  }
}

const codeSet = new Set<string>(ruleViolationCodes)

/**
 * True for a {@link RuleViolation}, including one that went through JSON or came from another
 * installed copy of this package (it checks the shape, not a class).
 *
 * @example
 * ```ts
 * const r = applyCommand(org, command, actor, now)
 * if (!r.ok && isRuleViolation(r.error)) res.status(r.error.status).json(r.error)
 * ```
 */
export function isRuleViolation(value: unknown): value is RuleViolation {
  if (typeof value !== 'object' || value === null) return false
  const v = value as { _tag?: unknown; code?: unknown; message?: unknown; status?: unknown }
  return v._tag === 'RuleViolation' && typeof v.code === 'string' && codeSet.has(v.code) && typeof v.message === 'string' && typeof v.status === 'number'
}
