import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { defineOrganizationResolver } from './organization-resolver.ts'

const req = (url: string, headers: Record<string, string | string[]> = {}, routeParams?: Record<string, string | undefined>) => ({
  method: 'GET',
  url,
  headers,
  ...(routeParams === undefined ? {} : { routeParams }),
})

describe('defineOrganizationResolver', () => {
  it.each([
    [{ static: '12345' }, req('/anything'), '12345'],
    [{ header: 'x-org-id' }, req('/', { 'X-Org-Id': '777' }), '777'],
    [{ header: 'x-org-id' }, req('/'), undefined],
    [{ header: 'x-org-id' }, req('/', { 'x-org-id': ['1', '2'] }), undefined],
    [{ header: 'x-org-id' }, req('/', { 'x-org-id': '../etc' }), undefined],
    [{ header: 'x-org-id' }, req('/', { 'x-org-id': 'a b' }), undefined],
    // The one organization-ID rule: what a store refuses, the resolver refuses (the guard answers 400).
    [{ header: 'x-org-id' }, req('/', { 'x-org-id': 'Acme' }), undefined],
    [{ header: 'x-org-id' }, req('/', { 'x-org-id': 'con' }), undefined],
    [{ header: 'x-org-id' }, req('/', { 'x-org-id': '..' }), undefined],
    [{ path: '/orgs/:orgId/*' }, req('https://api.test/orgs/12345/reports?x=1'), '12345'],
    [{ path: '/orgs/:orgId/*' }, req('/orgs/12345'), '12345'],
    [{ path: '/orgs/:orgId/*' }, req('/other/12345/reports'), undefined],
    [{ path: '/orgs/:orgId/*' }, req('/orgs/'), undefined],
    [{ path: '/*/:orgId' }, req('/v1/abc'), 'abc'],
    [{ path: '/orgs/:orgId' }, req('/orgs/%2e%2e'), undefined],
    [{ path: '/orgs/:orgId/*' }, req('/orgs/nul.json/reports'), undefined],
    [{ path: '/orgs/:orgId/*' }, req('/orgs/ACME/reports'), undefined],
    [{ path: '/orgs/:orgId/*' }, req('https://api.test/orgs/acme/reports?next=/orgs/%2e%2e/x'), 'acme'],
    [{ param: 'orgId' }, req('/whatever', {}, { orgId: 'acme' }), 'acme'],
    [{ param: 'orgId' }, req('/whatever', {}, { orgId: '..' }), undefined],
    [{ param: 'orgId' }, req('/whatever', {}, { orgId: 'Acme' }), undefined],
    [{ param: 'orgId' }, req('/whatever', {}, {}), undefined],
    [{ param: 'orgId' }, req('/orgs/acme'), undefined],
    [{ param: 'toString' }, req('/', {}, {}), undefined],
    [(r: { url: string }) => new URL(r.url, 'http://x').searchParams.get('org') ?? undefined, req('/?org=42'), '42'],
    [() => 'not valid!', req('/'), undefined],
    [() => 'Acme', req('/'), undefined],
  ] as const)('%j on %j → %j', (spec, request, expected) => {
    expect(defineOrganizationResolver(spec as never)(request)).toBe(expected)
  })

  // Hole 1: a router segments the raw path; `new URL` resolves dot segments and backslashes. Any
  // path the two could read differently is refused, never reinterpreted.
  const confusing = [
    '/orgs/victim/%2e%2e/attacker/reports',
    '/orgs/victim/%2E%2e/attacker/reports',
    '/orgs/victim/.%2e/attacker/reports',
    '/orgs/victim/%2e./attacker/reports',
    '/orgs/victim/../attacker/reports',
    '/orgs/victim/./reports',
    '/orgs/victim/%2e/reports',
    '/orgs/victim/reports/../../attacker/x',
    '/orgs/victim\\..\\attacker/reports',
    '/orgs/victim%5c..%5cattacker/reports',
    '/orgs/victim/%5C/reports',
    '/orgs/%61cme/reports',
    '/%6frgs/acme/reports',
    '/orgs/acme%2Fx/reports',
    '/orgs/acme/a%2f..%2f..%2fother/reports',
    '/orgs/./acme/reports',
    '/./orgs/acme/reports',
    '/../orgs/acme/reports',
  ]
  it.each(confusing.flatMap((path) => [path, `https://api.test${path}`, `https://api.test${path}?a=1`]))('refuses %j', (url) => {
    expect(defineOrganizationResolver({ path: '/orgs/:orgId/*' })(req(url))).toBeUndefined()
  })

  it('reads percent-encoded characters after the organization segment (the handler decides on them)', () => {
    expect(defineOrganizationResolver({ path: '/orgs/:orgId/*' })(req('/orgs/acme/reports/a%20b'))).toBe('acme')
  })

  it.each([{ static: 'a b' }, { static: 'Acme' }, { static: 'con' }, { header: 'bad header' }, { path: 'orgs/:orgId' }, { path: '/orgs/:orgId/:orgId' }, { path: '/orgs' }, { param: '' }, {}, null])(
    'rejects the spec %j when built',
    (spec) => {
      expect(() => defineOrganizationResolver(spec as never)).toThrowError(ConfigError)
    },
  )
})
