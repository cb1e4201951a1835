import { describe, expect, it } from 'vitest'
import type { AuthorizationServerConfig } from '../config/authorization-server.ts'
import { acceptedChangeEvent, apiCallAuditEvent, organizationSnapshot, rejectedChangeEvent, serverSnapshot } from './audit-event.ts'
import type { OrganizationCommand } from './organization-command.ts'
import { ruleViolation } from './rule-violation.ts'
import { alice, bob, caA, configOf, entra1, inline, makeOrg, now, okta1, remote } from './organization.test-support.ts'

const org = makeOrg([okta1, entra1])

describe('serverSnapshot', () => {
  it('summarizes certificates and drops undefined members', () => {
    const s = serverSnapshot(configOf(remote('Okta2', { trustedCertificates: [caA] })))
    expect(JSON.stringify(s)).not.toContain('BEGIN CERTIFICATE')
    expect(s.trustedCertificates).toEqual([expect.stringMatching(/^CERTIFICATE\(/)])
    expect(Object.hasOwn(serverSnapshot(entra1), 'jwksUrl')).toBe(false)
  })

  it('redacts a private key in inline keys (a config stored before such keys were refused)', () => {
    const privateJwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'PRIVATE' }] }
    // The config rules refuse it now; the audit redaction still holds for one stored earlier.
    expect(() => configOf(inline('Leaky', { jwks: privateJwks }))).toThrow(/private key/)
    const leaky = { ...configOf(inline('Leaky')), jwks: privateJwks } as unknown as AuthorizationServerConfig
    expect(JSON.stringify(serverSnapshot(leaky))).not.toContain('PRIVATE')
  })
})

describe('organizationSnapshot', () => {
  it.each([
    ['suspend', { suspension: null }],
    ['lift_suspension', { suspension: null }],
    ['renew_subscription', { subscriptionValidUntil: org.subscriptionValidUntil }],
    ['set_api_roles', { apiRoles: { ReadOnly: ['reports'], Admin: ['reports', 'policies'] } }],
  ] as const)('%s', (action, expected) => {
    expect(organizationSnapshot(org, action)).toEqual(expected)
  })
})

describe('acceptedChangeEvent', () => {
  it('stamps the organization, actor, time and revision', () => {
    expect(acceptedChangeEvent({ type: 'authorization_server_change', action: 'delete_server', organization: org, actor: alice, at: now, before: { name: 'x' }, after: null })).toEqual({
      type: 'authorization_server_change',
      action: 'delete_server',
      orgId: '12345',
      actor: 'alice',
      at: now,
      revision: 7,
      before: { name: 'x' },
      after: null,
      result: 'accepted',
    })
  })
})

describe('rejectedChangeEvent', () => {
  const violation = ruleViolation('permission_denied', 'no')

  it.each<[string, OrganizationCommand, string, unknown]>([
    ['a server command names the current target', { type: 'disable_server', name: 'Okta1' }, 'authorization_server_change', { name: 'Okta1', enabled: true }],
    ['an unknown target', { type: 'disable_server', name: 'Nope' }, 'authorization_server_change', null],
    ['an add has no target', { type: 'add_server', server: remote('X'), receipt: undefined }, 'authorization_server_change', null],
    ['a provider command shows the org fields', { type: 'renew_subscription', validUntil: 1 }, 'organization_change', { subscriptionValidUntil: org.subscriptionValidUntil }],
  ])('%s', (_, command, type, before) => {
    const e = rejectedChangeEvent(org, command, bob, violation, now)
    expect(e).toMatchObject({ type, action: command.type, orgId: '12345', actor: 'bob', at: now, revision: 7, after: null, result: 'rejected', violation: { code: 'permission_denied', message: 'no' } })
    if (before === null) expect(e.before).toBeNull()
    else expect(e.before).toMatchObject(before as object)
  })

  it('redacts the request and copes with garbage', () => {
    const command = { type: 'add_server', server: { name: 'X', clientSecret: 'hunter2', trustedCertificates: [caA] }, receipt: undefined } as OrganizationCommand
    const e = rejectedChangeEvent(org, command, bob, violation, now)
    expect(JSON.stringify(e)).not.toContain('hunter2')
    expect(JSON.stringify(e)).not.toContain('BEGIN CERTIFICATE')
    const g = rejectedChangeEvent(org, 'nonsense' as unknown as OrganizationCommand, null as never, violation, now)
    expect(g).toMatchObject({ type: 'organization_change', action: 'unknown', actor: 'unknown', before: null, request: 'nonsense' })
  })
})

describe('apiCallAuditEvent', () => {
  it('records an allowed call (a code is dropped)', () => {
    expect(
      apiCallAuditEvent({ orgId: '12345', authorizationServer: 'Okta1', outcome: 'allowed', at: now, adminId: 'oauth-ReadOnly$@12345.zscloud.net', clientId: 'c1', subject: 's', code: 'ignored' }),
    ).toEqual({ type: 'api_call', orgId: '12345', adminId: 'oauth-ReadOnly$@12345.zscloud.net', clientId: 'c1', subject: 's', authorizationServer: 'Okta1', outcome: 'allowed', at: now })
  })

  it('records a denied call with its code and unknown members as undefined', () => {
    const e = apiCallAuditEvent({ orgId: '12345', authorizationServer: 'Okta1', outcome: 'denied', code: 'insufficient_scope', clientId: 'c1', at: now })
    expect(e).toEqual({ type: 'api_call', orgId: '12345', adminId: undefined, clientId: 'c1', subject: undefined, authorizationServer: 'Okta1', outcome: 'denied', code: 'insufficient_scope', at: now })
    expect(Object.keys(e)).toContain('adminId')
  })
})
