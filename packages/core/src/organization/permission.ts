/**
 * The permission rule of the admin surface: reading or changing authorization servers needs the
 * API Key Management permission.
 *
 * @module
 */
import { ruleViolation, type RuleViolation } from './rule-violation.ts'
import { apiKeyManagementPermission, type Actor } from './types.ts'

/**
 * `permission_denied` unless the actor holds the API Key Management permission.
 *
 * @example
 * ```ts
 * requireApiKeyManagement({ id: 'bob', permissions: [] }, 'Reading') // { code: 'permission_denied', … }
 * requireApiKeyManagement({ id: 'alice', permissions: [apiKeyManagementPermission] }, 'Changing') // undefined
 * ```
 */
export function requireApiKeyManagement(actor: Actor, activity: 'Reading' | 'Changing'): RuleViolation | undefined {
  if (Array.isArray(actor.permissions) && actor.permissions.includes(apiKeyManagementPermission)) return undefined
  return ruleViolation('permission_denied', `${activity} authorization servers needs the ${apiKeyManagementPermission} permission`, {
    field: 'actor.permissions',
    expected: apiKeyManagementPermission,
  })
}
