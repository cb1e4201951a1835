import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { defineOrganizationResolver } from './organization-resolver.ts'

const req = (url: string, headers: Record<string, string | string[]> = {}) => ({ method: 'GET', url, headers })

describe('defineOrganizationResolver', () => {
  it.each([
    [{ static: '12345' }, req('/anything'), '12345'],
    [{ header: 'x-org-id' }, req('/', { 'X-Org-Id': '777' }), '777'],
    [{ header: 'x-org-id' }, req('/'), undefined],
    [{ header: 'x-org-id' }, req('/', { 'x-org-id': ['1', '2'] }), undefined],
    [{ header: 'x-org-id' }, req('/', { 'x-org-id': '../etc' }), undefined],
    [{ header: 'x-org-id' }, req('/', { 'x-org-id': 'a b' }), undefined],
    [{ path: '/orgs/:orgId/*' }, req('https://api.test/orgs/12345/reports?x=1'), '12345'],
    [{ path: '/orgs/:orgId/*' }, req('/orgs/12345'), '12345'],
    [{ path: '/orgs/:orgId/*' }, req('/other/12345/reports'), undefined],
    [{ path: '/orgs/:orgId/*' }, req('/orgs/'), undefined],
    [{ path: '/*/:orgId' }, req('/v1/abc'), 'abc'],
    [{ path: '/orgs/:orgId' }, req('/orgs/%2e%2e'), undefined],
    [(r: { url: string }) => new URL(r.url, 'http://x').searchParams.get('org') ?? undefined, req('/?org=42'), '42'],
    [() => 'not valid!', req('/'), undefined],
  ] as const)('%j on %j → %j', (spec, request, expected) => {
    expect(defineOrganizationResolver(spec as never)(request)).toBe(expected)
  })

  it.each([{ static: 'a b' }, { header: 'bad header' }, { path: 'orgs/:orgId' }, { path: '/orgs/:orgId/:orgId' }, { path: '/orgs' }, {}, null])('rejects the spec %j when built', (spec) => {
    expect(() => defineOrganizationResolver(spec as never)).toThrowError(ConfigError)
  })
})
