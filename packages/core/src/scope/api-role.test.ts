import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { auditAdminId, authorizeApiRole, grantsFromClaims, isScopeToken, parseApiRole } from './api-role.ts'

/** RFC 6749 §3.3 scope-token characters, written out from the grammar: %x21 / %x23-5B / %x5D-7E. */
const scopeTokenChars = [0x21, ...range(0x23, 0x5b), ...range(0x5d, 0x7e)].map((c) => String.fromCharCode(c))
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

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
    // RFC 6749 scope-token grammar in each part: printable ASCII, no space, `"` or `\`.
    ['zscloud::１２３４５::Admin', undefined],
    ['ｚｓｃｌｏｕｄ::12345::Admin', undefined],
    ['zscloud::12345::Ａdmin', undefined],
    ['zscloud::12345::Admin\u00a0', undefined],
    ['zscloud::12345\u200b::Admin', undefined],
    ['zscloud::12345::Admin\n', undefined],
    ['zscloud::12345::Ad"min', undefined],
    ['zscloud::12345::Ad\\min', undefined],
    ['zscloud::12345::Adm\u0000in', undefined],
    ['zscloud::12345::Admin\u007f', undefined],
    ['zscloud::12345::Admín', undefined],
    ['zs-cloud.1::org_1/x::Read!Only~', { cloud: 'zs-cloud.1', orgId: 'org_1/x', role: 'Read!Only~' }],
  ])('%j → %j', (value, expected) => {
    expect(parseApiRole(value)).toEqual(expected)
  })

  it('parses exactly the values whose three parts are scope-tokens without ":" (property)', () => {
    const partChar = fc.constantFrom(...scopeTokenChars.filter((c) => c !== ':'))
    const part = fc.string({ unit: partChar, minLength: 1, maxLength: 8 })
    fc.assert(
      fc.property(part, part, part, (cloud, orgId, role) => {
        expect(parseApiRole(`${cloud}::${orgId}::${role}`)).toEqual({ cloud, orgId, role })
      }),
      { numRuns: 300 },
    )
    // Any value holding one character outside the grammar never parses, wherever it sits.
    const outside = fc.oneof(
      fc.constantFrom(' ', '"', '\\', '\t', '\u007f', '\u00a0', '１', 'é', '\u{1F600}'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !scopeTokenChars.includes(c)),
    )
    fc.assert(
      fc.property(part, part, part, outside, fc.nat(2), (cloud, orgId, role, bad, where) => {
        const parts = [cloud, orgId, role]
        parts[where] = parts[where]!.slice(0, 1) + bad + parts[where]!.slice(1)
        expect(parseApiRole(parts.join('::'))).toBeUndefined()
      }),
      { numRuns: 300 },
    )
  })
})

describe('isScopeToken', () => {
  it('accepts every character the grammar names and refuses every other below U+0100', () => {
    for (let c = 0; c < 0x100; c++) {
      const ch = String.fromCharCode(c)
      expect(isScopeToken(ch), `U+${c.toString(16)}`).toBe(scopeTokenChars.includes(ch))
    }
    expect(isScopeToken('')).toBe(false)
    expect(isScopeToken('orders:read')).toBe(true)
    expect(isScopeToken('１２３')).toBe(false)
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
    // Role values are kept as sent (they are not scopes); only well-formed ones become API roles.
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
  it.each([
    ['an scp member containing a space', { scp: ['zscloud::1::Admin read', 'read'] }, ['read'], []],
    ['an scp member that is only a space', { scp: [' ', 'zscloud::1::Admin'] }, ['zscloud::1::Admin'], [{ cloud: 'zscloud', orgId: '1', role: 'Admin' }]],
    ['a scope array member with a tab', { scope: ['zscloud::1::Admin\tx'] }, [], []],
    ['full-width digits in a scope string', { scope: 'zscloud::１２３４５::Admin openid' }, ['openid'], []],
    ['a quote or backslash', { scope: 'a"b c\\d e' }, ['e'], []],
    ['non-ASCII letters in permissions', { permissions: ['café', 'zscloud::1::Admin'] }, ['zscloud::1::Admin'], [{ cloud: 'zscloud', orgId: '1', role: 'Admin' }]],
  ])('drops %s: not a scope, never split or repaired', (_label, payload, scopes, apiRoles) => {
    expect(grantsFromClaims(payload)).toEqual({ scopes, roles: [], apiRoles })
  })
  it('reads Keycloak realm_access.roles and every resource_access.<client>.roles as roles', () => {
    const g = grantsFromClaims({
      scope: 'profile email',
      roles: ['zscloud::1::Ops'],
      realm_access: { roles: ['offline_access', 'zscloud::1::ReadOnly', 'zscloud::1::Ops'] },
      resource_access: { account: { roles: ['manage-account'] }, 'tokenward-api': { roles: ['zscloud::1::Admin', 7] }, broken: { roles: 'x' }, odd: null },
    })
    expect(g.roles).toEqual(['zscloud::1::Ops', 'offline_access', 'zscloud::1::ReadOnly', 'manage-account', 'zscloud::1::Admin'])
    expect(g.apiRoles).toEqual([
      { cloud: 'zscloud', orgId: '1', role: 'Ops' },
      { cloud: 'zscloud', orgId: '1', role: 'ReadOnly' },
      { cloud: 'zscloud', orgId: '1', role: 'Admin' },
    ])
  })
  it.each([
    ['realm_access an array', { realm_access: ['zscloud::1::Admin'] }],
    ['realm_access.roles a string', { realm_access: { roles: 'zscloud::1::Admin' } }],
    ['resource_access an array', { resource_access: [{ roles: ['zscloud::1::Admin'] }] }],
    ['resource_access a string', { resource_access: 'zscloud::1::Admin' }],
  ])('ignores Keycloak claims of another shape: %s', (_label, payload) => {
    expect(grantsFromClaims(payload)).toEqual({ scopes: [], roles: [], apiRoles: [] })
  })
  describe('scopePrefix (Cognito <resource-server>/<scope>)', () => {
    const scopePrefix = 'tokenward-api/'
    it('strips the prefix before parsing; values without it grant no API role but stay scopes', () => {
      const g = grantsFromClaims({ scope: 'tokenward-api/zscloud::1::Admin zscloud::1::Ops other-api/zscloud::1::Root tokenward-api/read' }, { scopePrefix })
      expect(g.scopes).toEqual(['tokenward-api/zscloud::1::Admin', 'zscloud::1::Ops', 'other-api/zscloud::1::Root', 'tokenward-api/read'])
      expect(g.apiRoles).toEqual([{ cloud: 'zscloud', orgId: '1', role: 'Admin' }])
    })
    it.each([
      ['the prefix alone', 'tokenward-api/'],
      ['the prefix not at the start', 'x/tokenward-api/zscloud::1::Admin'],
      ['the prefix in another case', 'TOKENWARD-API/zscloud::1::Admin'],
      ['full-width digits after the prefix', 'tokenward-api/zscloud::１::Admin'],
    ])('grants nothing for %s', (_label, scope) => {
      expect(grantsFromClaims({ scope }, { scopePrefix }).apiRoles).toEqual([])
    })
    it('strips the prefix once: a doubled prefix names another cloud', () => {
      expect(grantsFromClaims({ scope: 'tokenward-api/tokenward-api/zscloud::1::Admin' }, { scopePrefix }).apiRoles).toEqual([
        { cloud: 'tokenward-api/zscloud', orgId: '1', role: 'Admin' },
      ])
    })
    it('leaves role values as they are and grants a role carried both ways once', () => {
      const g = grantsFromClaims({ scope: 'tokenward-api/zscloud::1::Admin', roles: ['zscloud::1::Admin', 'zscloud::1::Ops'] }, { scopePrefix })
      expect(g.apiRoles).toEqual([
        { cloud: 'zscloud', orgId: '1', role: 'Admin' },
        { cloud: 'zscloud', orgId: '1', role: 'Ops' },
      ])
    })
    it('agrees with parsing the rest of every prefixed value (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(fc.constantFrom('zscloud::1::Admin', 'a::b::c', 'read', 'x::y'), fc.string({ maxLength: 8 })), { maxLength: 10 }), (values) => {
          const scope = values.map((v) => `${scopePrefix}${v}`)
          const expected = [...new Set(scope.filter(isScopeToken))].map((v) => parseApiRole(v.slice(scopePrefix.length))).filter((r) => r !== undefined)
          expect(grantsFromClaims({ scope }, { scopePrefix }).apiRoles).toEqual(expected)
        }),
        { numRuns: 300 },
      )
    })
  })
  it('agrees with a plain reference on any mix of claims, short or long lists (property)', () => {
    // The reference: sets for uniqueness, every value read in claim order.
    const reference = (payload: Record<string, unknown>) => {
      const scopes = new Set<string>()
      const read = (v: unknown, split: boolean) => {
        // Only RFC 6749 scope-tokens are scopes; the grammar is spelled out here as a character list.
        const isToken = (s: string) => s !== '' && [...s].every((c) => scopeTokenChars.includes(c))
        if (typeof v === 'string' && split) for (const s of v.split(' ')) if (isToken(s)) scopes.add(s)
        if (Array.isArray(v)) for (const s of v) if (typeof s === 'string' && isToken(s)) scopes.add(s)
      }
      read(payload.scope, true)
      read(payload.scp, true)
      if (Array.isArray(payload.permissions)) read(payload.permissions, false)
      const roles = Array.isArray(payload.roles) ? [...new Set(payload.roles.filter((r): r is string => typeof r === 'string'))] : []
      const apiRoles = [...new Set([...scopes, ...roles])].map(parseApiRole).filter((r) => r !== undefined)
      return { scopes: [...scopes], roles, apiRoles }
    }
    const value = fc.constantFrom('openid', 'zscloud::1::Admin', 'zscloud::2::Ops', 'a::b::c', '', 'read:x', ' zscloud::1::Admin', 'x::y', 'zscloud::１::Admin', 'a"b', 'zscloud::1::Admin\t')
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
