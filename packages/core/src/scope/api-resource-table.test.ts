import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { renderChallenge } from '../http/challenge.ts'
import { authorizeApiResource, rolesGrantingCategory, unmappedResourceError } from './api-resource-grant.ts'
import { defineApiResources, type ApiResourceMatch } from './api-resource-table.ts'
import type { ApiRole } from './api-role.ts'

const table = defineApiResources([
  { category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }, { method: 'GET', path: '/orgs/{orgId}/reports/{id}' }] },
  { category: 'exports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports/export' }] },
  { category: 'policies', routes: [{ method: '*', path: '/orgs/{orgId}/policies/{id}' }] },
  { category: 'policy-read', routes: [{ method: 'GET', path: '/orgs/{orgId}/policies/{id}' }] },
  { category: null, routes: [{ method: 'GET', path: '/orgs/{orgId}/whoami' }, { method: 'GET', path: '/' }] },
])

const category = (c: string, route: string): ApiResourceMatch => ({ kind: 'category', category: c, route })
const ambiguous: ApiResourceMatch = { kind: 'refused', reason: 'ambiguous' }
const unmapped: ApiResourceMatch = { kind: 'refused', reason: 'unmapped' }

describe('defineApiResources: matching', () => {
  const rows: [string, string, ApiResourceMatch][] = [
    ['GET', '/orgs/12345/reports', category('reports', 'GET /orgs/{orgId}/reports')],
    ['GET', 'https://api.example.com/orgs/12345/reports?x=1#f', category('reports', 'GET /orgs/{orgId}/reports')],
    ['GET', '/orgs/12345/reports/7', category('reports', 'GET /orgs/{orgId}/reports/{id}')],
    // A literal outranks a parameter, whatever the order of the rows.
    ['GET', '/orgs/12345/reports/export', category('exports', 'GET /orgs/{orgId}/reports/export')],
    // An exact method outranks '*'.
    ['GET', '/orgs/12345/policies/9', category('policy-read', 'GET /orgs/{orgId}/policies/{id}')],
    ['DELETE', '/orgs/12345/policies/9', category('policies', '* /orgs/{orgId}/policies/{id}')],
    // HEAD is served by GET handlers.
    ['HEAD', '/orgs/12345/reports', category('reports', 'GET /orgs/{orgId}/reports')],
    ['GET', '/orgs/12345/whoami', { kind: 'any-role', route: 'GET /orgs/{orgId}/whoami' }],
    ['GET', '/', { kind: 'any-role', route: 'GET /' }],
    // One trailing slash reads as the path without it (Express's default routing).
    ['GET', '/orgs/12345/reports/', category('reports', 'GET /orgs/{orgId}/reports')],
    // Secure default: nothing matched, refused.
    ['POST', '/orgs/12345/reports', unmapped],
    ['GET', '/orgs/12345/admin', unmapped],
    ['get', '/orgs/12345/reports', unmapped],
    // Raw-path tricks never reach a row.
    ['GET', '/orgs/12345/reports/..', ambiguous],
    ['GET', '/orgs/12345/reports/%2e%2E/export', ambiguous],
    ['GET', '/orgs/12345/policies/..%2f..%2freports', ambiguous],
    ['GET', '/orgs/12345/reports%2fexport', ambiguous],
    ['GET', '/orgs/12345/reports\\export', ambiguous],
    ['GET', '/orgs/12345//reports', ambiguous],
    ['GET', '/orgs/12345/reports/%zz', ambiguous],
    // Encoded or case-changed literals would be routed to another row by some routers.
    ['GET', '/orgs/12345/reports/%65xport', ambiguous],
    ['GET', '/orgs/12345/reports/EXPORT', ambiguous],
    ['GET', '/orgs/12345/REPORTS', ambiguous],
    // An encoded parameter value is fine: every reading picks the same row.
    ['GET', '/orgs/12345/reports/a%20b', category('reports', 'GET /orgs/{orgId}/reports/{id}')],
    ['GET', 'not a url', ambiguous],
  ]
  it.each(rows)('%s %s', (method, url, expected) => {
    expect(table.match(method, url)).toEqual(expected)
  })

  it("unmapped: 'any-role' opens unmatched requests to any API role, but never ambiguous ones", () => {
    const open = defineApiResources([{ category: 'reports', routes: [{ method: 'GET', path: '/reports' }] }], { unmapped: 'any-role' })
    expect(open.match('GET', '/other')).toEqual({ kind: 'any-role', route: undefined })
    expect(open.match('GET', '/Reports')).toEqual(ambiguous)
    expect(open.match('GET', '/%72eports')).toEqual(ambiguous)
  })

  it('lists its categories and keeps a copy of its rows', () => {
    expect(table.categories).toEqual(['reports', 'exports', 'policies', 'policy-read'])
    expect(table.rows[0]).toEqual({ category: 'reports', routes: [{ method: 'GET', path: '/orgs/{orgId}/reports' }, { method: 'GET', path: '/orgs/{orgId}/reports/{id}' }] })
  })
})

describe('defineApiResources: checked when built', () => {
  const issuesOf = (f: () => unknown) => {
    try {
      f()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      return (e as ConfigError).issues.map((i) => i.path)
    }
    throw new Error('expected a ConfigError')
  }
  it('names every bad field by path', () => {
    expect(
      issuesOf(() =>
        defineApiResources(
          [
            { category: '', routes: [{ method: 'get', path: 'reports' }] },
            { category: 'a b', routes: [] },
            { category: 'x', routes: [{ method: 'GET', path: '/a/%2e%2e' }, { method: 'GET', path: '/a/../b' }, { method: 'GET', path: '/a//b' }, { method: 'GET', path: '/a/{b' }] },
          ],
          { unmapped: 'allow' as 'refuse' },
        ),
      ),
    ).toEqual(['options.unmapped', '[0].category', '[0].routes[0].method', '[0].routes[0].path', '[1].category', '[1].routes', '[2].routes[0].path', '[2].routes[1].path', '[2].routes[2].path', '[2].routes[3].path'])
  })
  it('refuses a route shape listed twice, also under two categories or with other parameter names', () => {
    expect(
      issuesOf(() =>
        defineApiResources([
          { category: 'a', routes: [{ method: 'GET', path: '/r/{id}' }] },
          { category: 'b', routes: [{ method: 'GET', path: '/r/{other}' }] },
        ]),
      ),
    ).toEqual(['[1].routes[0].path'])
  })
  it('refuses a non-list', () => {
    expect(issuesOf(() => defineApiResources('reports' as never))).toEqual([''])
  })
})

describe('authorizeApiResource', () => {
  const roles = { ReadOnly: ['reports'], Admin: ['reports', 'policies'], Auditor: ['audit'] }
  const role = (r: string, orgId = '12345', cloud = 'zscloud'): ApiRole => ({ cloud, orgId, role: r })
  const req = (category: string, allowedRoles?: readonly string[]) => ({ cloud: 'zscloud', orgId: '12345', apiRoles: roles, category, allowedRoles })

  it('passes with a role that grants the category, naming that role', () => {
    const r = authorizeApiResource([role('Auditor'), role('Admin')], req('policies'))
    expect(r).toEqual({ ok: true, value: role('Admin') })
  })
  it('refuses 403 insufficient_scope naming the category and the scopes that would pass', () => {
    const r = authorizeApiResource([role('ReadOnly')], req('policies'))
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toMatchObject({ code: 'insufficient_scope', status: 403, stage: 'authorize', requiredScope: ['zscloud::12345::Admin'] })
    const challenge = renderChallenge(r.error)
    expect(challenge.status).toBe(403)
    expect(challenge.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="This call serves the API resource category policies: it needs one of zscloud::12345::Admin", scope="zscloud::12345::Admin"',
    )
  })
  it('never counts a role of another organization or cloud', () => {
    expect(authorizeApiResource([role('Admin', '99999'), role('Admin', '12345', 'other')], req('policies')).ok).toBe(false)
  })
  it('refuses a category no role grants, with no scope to ask for', () => {
    const r = authorizeApiResource([role('Admin')], req('billing'))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.message).toBe('This call serves the API resource category billing: no API role of organization 12345 grants it')
  })
  it('with allowedRoles, only those roles count, and they must grant the category too', () => {
    expect(authorizeApiResource([role('Admin')], req('reports', ['ReadOnly'])).ok).toBe(false)
    expect(authorizeApiResource([role('ReadOnly')], req('reports', ['ReadOnly'])).ok).toBe(true)
    expect(authorizeApiResource([role('Auditor')], req('reports', ['Auditor'])).ok).toBe(false)
  })
  it('rolesGrantingCategory ignores malformed entries', () => {
    expect(rolesGrantingCategory({ A: ['x'], B: 'x' as never, C: ['y', 'x'] }, 'x')).toEqual(['A', 'C'])
  })
  it('unmappedResourceError is a 403 of the authorize stage', () => {
    expect(unmappedResourceError('unmapped')).toMatchObject({ status: 403, code: 'insufficient_scope', stage: 'authorize' })
    expect(unmappedResourceError('ambiguous').message).toMatch(/more than one API resource/)
  })
})

describe('categoriesAt: the categories a URL serves under any method (RFC 8707 resources)', () => {
  it.each([
    ['https://api.example.com/orgs/12345/policies/9', { kind: 'categories', categories: ['policy-read', 'policies'], anyRole: false }],
    ['https://api.example.com/orgs/12345/reports', { kind: 'categories', categories: ['reports'], anyRole: false }],
    ['https://api.example.com/orgs/12345/whoami', { kind: 'categories', categories: [], anyRole: true }],
    ['https://api.example.com/orgs/12345/nothing', { kind: 'refused', reason: 'unmapped' }],
    ['https://api.example.com/orgs/12345/reports/%2e%2e/x', { kind: 'refused', reason: 'ambiguous' }],
  ] as const)('%s', (url, expected) => {
    expect(table.categoriesAt(url)).toEqual(expected)
  })
})

describe('matchRoute: the route the router chose, by shape', () => {
  it.each([
    ['GET', '/orgs/{orgId}/reports/{id}', category('reports', 'GET /orgs/{orgId}/reports/{id}')],
    ['GET', '/orgs/{org}/reports/{reportId}', category('reports', 'GET /orgs/{orgId}/reports/{id}')],
    ['GET', '/orgs/{orgId}/reports/export', category('exports', 'GET /orgs/{orgId}/reports/export')],
    ['DELETE', '/orgs/{orgId}/policies/{id}', category('policies', '* /orgs/{orgId}/policies/{id}')],
    ['HEAD', '/orgs/{orgId}/reports', category('reports', 'GET /orgs/{orgId}/reports')],
    ['GET', '/orgs/{orgId}/whoami', { kind: 'any-role', route: 'GET /orgs/{orgId}/whoami' }],
    ['GET', '/{proxy+}', unmapped],
    ['POST', '/orgs/{orgId}/reports', unmapped],
    ['GET', 'orgs/{orgId}/reports', unmapped],
  ] as const)('%s %s', (method, route, expected) => {
    expect(table.matchRoute(method, route)).toEqual(expected)
  })

  it("refuses a route it cannot read even when unmapped routes are open to any role ({proxy+} stands for every resource)", () => {
    const open = defineApiResources([{ category: 'policies', routes: [{ method: 'DELETE', path: '/orgs/{orgId}/policies/{id}' }] }], { unmapped: 'any-role' })
    expect(open.matchRoute('DELETE', '/{proxy+}')).toEqual({ kind: 'refused', reason: 'unmapped' })
    expect(open.matchRoute('DELETE', '/orgs/{orgId}/{proxy+}')).toEqual({ kind: 'refused', reason: 'unmapped' })
    expect(open.matchRoute('GET', '/health')).toEqual({ kind: 'any-role', route: undefined })
  })
})
