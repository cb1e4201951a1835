import { describe, expect, it } from 'vitest'
import { maxAuthorizationServers, requireServerChangesAllowed } from './server-commands.ts'
import { systemActor } from './system-actor.ts'
import type { Actor, Organization } from './types.ts'
import { alice, bob, makeOrg, now, okta1 } from './organization.test-support.ts'

const org = makeOrg([okta1])
const suspension = { reason: 'api_call_threshold_exceeded', since: now } as const

describe('requireServerChangesAllowed', () => {
  it.each<[string, Organization, Actor, string | undefined]>([
    ['allowed', org, alice, undefined],
    ['no permission', org, bob, 'permission_denied'],
    ['system actor', org, systemActor, 'permission_denied'],
    ['permissions not an array', org, { id: 'x', permissions: 'api_key_management' as never }, 'permission_denied'],
    ['suspended', makeOrg([], { suspension }), alice, 'organization_suspended'],
    ['expired', makeOrg([], { subscriptionValidUntil: now }), alice, 'subscription_expired'],
    ['suspended and expired', makeOrg([], { suspension, subscriptionValidUntil: now }), alice, 'organization_suspended'],
    ['no permission, suspended and expired', makeOrg([], { suspension, subscriptionValidUntil: now }), bob, 'permission_denied'],
  ])('%s → %s', (_, o, actor, code) => {
    expect(requireServerChangesAllowed(o, actor, now)?.code).toBe(code)
  })

  it('allows two servers', () => {
    expect(maxAuthorizationServers).toBe(2)
  })
})
