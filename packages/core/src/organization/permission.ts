/**
 * The change rules of the admin surface: reading or changing authorization servers needs the
 * API Key Management permission, and a suspended or expired organization is read-only.
 *
 * @module
 */
import { ruleViolation, type RuleViolation } from './rule-violation.ts'
import { isSubscriptionExpired } from './status.ts'
import { apiKeyManagementPermission, type Actor, type Organization } from './types.ts'

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

/**
 * The organization-wide half of every change rule: a suspended organization, or one whose
 * subscription has expired, is read-only until the suspension is lifted or the subscription
 * renewed. `what` names what cannot be changed, in the refusal's message.
 *
 * @example
 * ```ts
 * requireOrganizationWritable(org, now, 'API clients and roles') // { code: 'organization_suspended', … } or undefined
 * ```
 */
export function requireOrganizationWritable(org: Organization, now: number, what: string): RuleViolation | undefined {
  if (org.suspension !== undefined) {
    return ruleViolation('organization_suspended', `Organization ${org.orgId} is suspended; ${what} cannot be changed until the suspension is lifted`, {
      actual: org.suspension.reason,
    })
  }
  if (isSubscriptionExpired(org, now)) {
    return ruleViolation('subscription_expired', `The subscription of organization ${org.orgId} has expired; ${what} cannot be changed until it is renewed`, {
      actual: org.subscriptionValidUntil,
    })
  }
  return undefined
}
