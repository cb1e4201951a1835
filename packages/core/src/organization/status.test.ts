import { describe, expect, it } from 'vitest'
import { activeServer, effectiveServerStatus, isSubscriptionExpired, organizationAccessOf, type ServerStatus } from './status.ts'
import type { Organization } from './types.ts'
import { entra1, makeOrg, now, okta1 } from './organization.test-support.ts'

const org = makeOrg([okta1, entra1])
const suspension = { reason: 'terms_violation', since: now - 1 } as const
const expiredOrg = makeOrg([okta1, entra1], { subscriptionValidUntil: now })
const suspendedOrg = makeOrg([okta1, entra1], { suspension })

describe('effectiveServerStatus', () => {
  it.each<[string, Organization, string, ServerStatus | undefined]>([
    ['enabled server', org, 'Okta1', 'enabled'],
    ['disabled server', org, 'Entra1', 'disabled'],
    ['expired: enabled server', expiredOrg, 'Okta1', 'subscription_expired'],
    ['expired: disabled server', expiredOrg, 'Entra1', 'subscription_expired'],
    ['suspended: enabled server', suspendedOrg, 'Okta1', 'suspended'],
    ['suspended: disabled server', suspendedOrg, 'Entra1', 'suspended'],
    ['suspension wins over expiry', makeOrg([okta1], { suspension, subscriptionValidUntil: now }), 'Okta1', 'suspended'],
    ['unknown server', org, 'Nope', undefined],
    ['unknown server while suspended', suspendedOrg, 'Nope', undefined],
  ])('%s', (_, o, name, status) => {
    expect(effectiveServerStatus(o, name, now)).toBe(status)
  })

  it('expiry is exclusive of the end time', () => {
    const o = makeOrg([okta1], { subscriptionValidUntil: now + 1 })
    expect(effectiveServerStatus(o, 'Okta1', now)).toBe('enabled')
    expect(effectiveServerStatus(o, 'Okta1', now + 1)).toBe('subscription_expired')
  })
})

describe('isSubscriptionExpired', () => {
  it('fails closed on a time that is not a number', () => {
    expect(isSubscriptionExpired(org, Number.NaN)).toBe(true)
    expect(isSubscriptionExpired(org, now)).toBe(false)
  })
})

describe('activeServer', () => {
  it.each<[string, Organization, string]>([
    ['suspended', makeOrg([okta1], { suspension, subscriptionValidUntil: now }), 'suspended'],
    ['expired', expiredOrg, 'subscription_expired'],
    ['no servers', makeOrg([]), 'no_enabled_server'],
    ['only disabled servers', makeOrg([entra1]), 'no_enabled_server'],
  ])('%s → %s', (_, o, reason) => {
    const a = activeServer(o, now)
    expect(a).toMatchObject({ ok: false, reason, message: expect.stringContaining('12345') })
  })

  it('returns the enabled server, wherever it is', () => {
    expect(activeServer(org, now)).toEqual({ ok: true, server: okta1 })
    const swapped = makeOrg([{ ...okta1, enabled: false }, { ...entra1, enabled: true }])
    expect(activeServer(swapped, now)).toMatchObject({ ok: true, server: { name: 'Entra1' } })
  })
})

describe('organizationAccessOf', () => {
  it('gives the verifier its organization option', () => {
    // apiRoleCategories (role → categories) lets the authorize stage check API resources.
    expect(organizationAccessOf(org)).toEqual({ cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'], apiRoleCategories: org.apiRoles })
  })
})
