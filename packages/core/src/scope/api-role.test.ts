import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { auditAdminId, authorizeApiRole, grantsFromClaims, parseApiRole } from './api-role.ts'

describe('parseApiRole', () => {
  it.each([
    ['zscloud::12345::ReadOnly', { cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' }],
    ['a::b::c', { cloud: 'a', orgId: 'b', role: 'c' }],
    ['zscloud::12345', undefined],
    ['zscloud::12345::ReadOnly::x', undefined],
    ['::12345::ReadOnly', undefined],
    ['zscloud::::ReadOnly', undefined],
    ['zscloud::12345::', undefined],
    [' zscloud::12345::ReadOnly', undefined],
    ['zscloud::12345::ReadOnly ', undefined],
    ['zscloud::12 345::ReadOnly', undefined],
    ['zscloud::12345::Read\tOnly', undefined],
    ['zscloud:::12345::ReadOnly', undefined],
    ['zs:cloud::12345::ReadOnly', undefined],
    ['zscloud::12345:::ReadOnly', undefined],
    ['', undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseApiRole(value)).toEqual(expected)
  })
})

describe('grantsFromClaims', () => {
  it('reads scope (string), scp (string or array) and roles, deduplicated, never trimmed', () => {
    const g = grantsFromClaims({
      scope: 'openid zscloud::1::ReadOnly  zscloud::1::ReadOnly',
      scp: ['zscloud::1::Admin', 'bad::role', 7],
      roles: ['zscloud::2::Admin', ' zscloud::1::Ops', 'zscloud::2::Admin'],
    })
    expect(g.scopes).toEqual(['openid', 'zscloud::1::ReadOnly', 'zscloud::1::Admin', 'bad::role'])
    expect(g.roles).toEqual(['zscloud::2::Admin', ' zscloud::1::Ops'])
    expect(g.apiRoles).toEqual([
      { cloud: 'zscloud', orgId: '1', role: 'ReadOnly' },
      { cloud: 'zscloud', orgId: '1', role: 'Admin' },
      { cloud: 'zscloud', orgId: '2', role: 'Admin' },
    ])
  })
  it('reads scope as an array (PingFederate without space-delimited scopes)', () => {
    expect(grantsFromClaims({ scope: ['zscloud::1::Admin', 'read'] }).scopes).toEqual(['zscloud::1::Admin', 'read'])
  })
  it('reads Auth0 permissions as scopes', () => {
    expect(grantsFromClaims({ scope: 'read', permissions: ['zscloud::1::Admin', 'read'] })).toMatchObject({
      scopes: ['read', 'zscloud::1::Admin'],
      apiRoles: [{ cloud: 'zscloud', orgId: '1', role: 'Admin' }],
    })
  })
  it('reads scp as a space-delimited string (Entra delegated style)', () => {
    expect(grantsFromClaims({ scp: 'a b' }).scopes).toEqual(['a', 'b'])
  })
  it('ignores mistyped claims', () => {
    expect(grantsFromClaims({ scope: 5, scp: { a: 1 }, roles: 'x' })).toEqual({ scopes: [], roles: [], apiRoles: [] })
  })
  it('agrees with a plain reference on any mix of claims, short or long lists (property)', () => {
    // The reference: sets for uniqueness, every value read in claim order.
    const reference = (payload: Record<string, unknown>) => {
      const scopes = new Set<string>()
      const read = (v: unknown, split: boolean) => {
        if (typeof v === 'string' && split) for (const s of v.split(' ')) if (s !== '') scopes.add(s)
        if (Array.isArray(v)) for (const s of v) if (typeof s === 'string' && s !== '') scopes.add(s)
      }
      read(payload.scope, true)
      read(payload.scp, true)
      if (Array.isArray(payload.permissions)) read(payload.permissions, false)
      const roles = Array.isArray(payload.roles) ? [...new Set(payload.roles.filter((r): r is string => typeof r === 'string'))] : []
      const apiRoles = [...new Set([...scopes, ...roles])].map(parseApiRole).filter((r) => r !== undefined)
      return { scopes: [...scopes], roles, apiRoles }
    }
    const value = fc.constantFrom('openid', 'zscloud::1::Admin', 'zscloud::2::Ops', 'a::b::c', '', 'read:x', ' zscloud::1::Admin', 'x::y')
    const values = fc.array(fc.oneof(value, fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 40 })
    const claim = fc.oneof(values, values.map((v) => v.filter((x) => typeof x === 'string').join(' ')), fc.constant(undefined), fc.integer())
    fc.assert(
      fc.property(fc.record({ scope: claim, scp: claim, permissions: claim, roles: claim }), (payload) => {
        expect(grantsFromClaims(payload)).toEqual(reference(payload))
      }),
      { numRuns: 500 },
    )
  })
})

describe('authorizeApiRole', () => {
  const roles = grantsFromClaims({ scp: ['zscloud::12345::ReadOnly', 'zscloud::99999::Admin', 'othercloud::12345::Admin'] }).apiRoles
  it('picks the first allowed role the token carries for this cloud and organization', () => {
    expect(authorizeApiRole(roles, { cloud: 'zscloud', orgId: '12345', allowedRoles: ['Admin', 'ReadOnly'] })).toEqual({
      ok: true,
      value: { cloud: 'zscloud', orgId: '12345', role: 'ReadOnly' },
    })
  })
  it.each([
    ['role of another organization', { cloud: 'zscloud', orgId: '12345', allowedRoles: ['Admin'] }],
    ['role of another cloud', { cloud: 'zscloud', orgId: '12345', allowedRoles: ['Admin'] }],
    ['no allowed roles', { cloud: 'zscloud', orgId: '12345', allowedRoles: [] }],
    ['case differs', { cloud: 'zscloud', orgId: '12345', allowedRoles: ['readonly'] }],
  ])('refuses a %s with insufficient_scope', (_label, requirement) => {
    const r = authorizeApiRole(roles, requirement)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('insufficient_scope')
    expect(r.error.status).toBe(403)
    expect(r.error.requiredScope).toEqual(requirement.allowedRoles.map((x) => `zscloud::12345::${x}`))
  })
})

describe('auditAdminId', () => {
  it('is oauth-<role>$@<orgId>.<cloudDomain>', () => {
    expect(auditAdminId({ role: 'ReadOnly', orgId: '12345', cloudDomain: 'zscloud.net' })).toBe('oauth-ReadOnly$@12345.zscloud.net')
  })
})
