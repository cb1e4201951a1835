import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { ipInRange, parseIpAddress, parseIpRange } from './ip-range.ts'
import { checkPublicOrigin, defineRequestUrl, type RequestConnection, type RequestUrlOptions } from './request-url.ts'

const forwardedHeaders = { host: 'internal:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }
const conn = (overrides: Partial<RequestConnection> = {}): RequestConnection => ({
  target: '/orgs/acme/reports?x=1',
  headers: {},
  peerAddress: '10.1.2.3',
  platformOrigin: 'http://127.0.0.1:3000',
  ...overrides,
})

describe('defineRequestUrl', () => {
  it.each<[string, RequestUrlOptions, Partial<RequestConnection>, string]>([
    ['publicOrigin wins over everything', { publicOrigin: 'https://API.example.com', trustedProxies: ['10.0.0.0/8'], trustHostHeader: true }, { headers: forwardedHeaders }, 'https://api.example.com/orgs/acme/reports?x=1'],
    ['no configuration: the platform origin, never Host', {}, { headers: { host: 'evil.example' } }, 'http://127.0.0.1:3000/orgs/acme/reports?x=1'],
    ['no configuration and no platform origin', {}, { headers: { host: 'evil.example' }, platformOrigin: undefined }, 'http://localhost/orgs/acme/reports?x=1'],
    ['forwarded headers from an untrusted peer are ignored', { trustedProxies: ['10.0.0.0/8'] }, { headers: forwardedHeaders, peerAddress: '192.0.2.9' }, 'http://127.0.0.1:3000/orgs/acme/reports?x=1'],
    ['forwarded headers with no trusted proxies configured are ignored', {}, { headers: forwardedHeaders }, 'http://127.0.0.1:3000/orgs/acme/reports?x=1'],
    ['X-Forwarded-* from a trusted proxy', { trustedProxies: ['10.0.0.0/8'] }, { headers: forwardedHeaders }, 'https://api.example.com/orgs/acme/reports?x=1'],
    ['a trusted proxy given as an IPv4-mapped IPv6 peer', { trustedProxies: ['127.0.0.1'] }, { headers: forwardedHeaders, peerAddress: '::ffff:127.0.0.1' }, 'https://api.example.com/orgs/acme/reports?x=1'],
    ['a trusted IPv6 proxy range', { trustedProxies: ['fd00::/8'] }, { headers: forwardedHeaders, peerAddress: 'fd12::1' }, 'https://api.example.com/orgs/acme/reports?x=1'],
    ['a trust function', { trustedProxies: (peer) => peer === '10.1.2.3' }, { headers: forwardedHeaders }, 'https://api.example.com/orgs/acme/reports?x=1'],
    ['the last value is the nearest proxy\'s', { trustedProxies: ['10.0.0.0/8'] }, { headers: { 'x-forwarded-proto': 'http, https', 'x-forwarded-host': 'evil.example, api.example.com' } }, 'https://api.example.com/orgs/acme/reports?x=1'],
    ['RFC 7239 Forwarded wins over X-Forwarded-*', { trustedProxies: ['10.0.0.0/8'] }, { headers: { ...forwardedHeaders, forwarded: 'for=192.0.2.1;host=evil.example, for=198.51.100.1;proto=https;host="api.example.com:8443"' } }, 'https://api.example.com:8443/orgs/acme/reports?x=1'],
    ['a trusted proxy\'s Host when it forwards only the proto', { trustedProxies: ['10.0.0.0/8'] }, { headers: { host: 'api.example.com', 'x-forwarded-proto': 'https' } }, 'https://api.example.com/orgs/acme/reports?x=1'],
    ['a forwarded host that is not host[:port] is ignored', { trustedProxies: ['10.0.0.0/8'] }, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example/orgs/other' } }, 'http://127.0.0.1:3000/orgs/acme/reports?x=1'],
    ['a forwarded proto other than http(s) is ignored', { trustedProxies: ['10.0.0.0/8'] }, { headers: { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'api.example.com' } }, 'http://127.0.0.1:3000/orgs/acme/reports?x=1'],
    ['Host only when the operator opts in', { trustHostHeader: true }, { headers: { host: 'API.example.com:8443' }, encrypted: true }, 'https://api.example.com:8443/orgs/acme/reports?x=1'],
    ['an opted-in Host that is not host[:port] is ignored', { trustHostHeader: true }, { headers: { host: 'a@b' } }, 'http://127.0.0.1:3000/orgs/acme/reports?x=1'],
    ['the path is kept exactly, dot segments and encodings included', { publicOrigin: 'https://api.example.com' }, { target: '/orgs/victim/%2e%2e/attacker/reports' }, 'https://api.example.com/orgs/victim/%2e%2e/attacker/reports'],
    ['an absolute-form target loses its origin', { publicOrigin: 'https://api.example.com' }, { target: 'http://evil.example/orgs/acme?x=1' }, 'https://api.example.com/orgs/acme?x=1'],
  ])('%s', (_name, options, overrides, expected) => {
    expect(defineRequestUrl(options)(conn(overrides))).toBe(expected)
  })

  it('names every bad option by its path when built', () => {
    let error: unknown
    try {
      defineRequestUrl({ publicOrigin: 'https://api.example.com/v1', trustedProxies: ['10.0.0.0/8', '10.0.0.0/33', 'localhost'], trustHostHeader: 'yes' as never })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['publicOrigin', 'trustedProxies[1]', 'trustedProxies[2]', 'trustHostHeader'])
  })
})

describe('checkPublicOrigin', () => {
  it.each(['https://api.example.com', 'https://api.example.com/', 'http://127.0.0.1:8080', 'https://[::1]:8443'])('accepts %j', (origin) => {
    expect(checkPublicOrigin(origin).ok).toBe(true)
  })
  it.each(['api.example.com', 'ftp://api.example.com', 'https://u:p@api.example.com', 'https://api.example.com/v1', 'https://api.example.com?x', 'https://api.example.com#x', 42])('refuses %j', (origin) => {
    expect(checkPublicOrigin(origin).ok).toBe(false)
  })
})

describe('IP ranges', () => {
  it.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.1.2.3', '10.0.0.0/8', false],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.2', '127.0.0.1', false],
    ['::ffff:10.0.0.1', '10.0.0.0/8', true],
    ['10.0.0.1', '::ffff:10.0.0.0/104', true],
    ['::1', '::1', true],
    ['::1', '127.0.0.1', false],
    ['fe80::1%eth0', 'fe80::/10', true],
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['192.168.1.1', '0.0.0.0/0', true],
  ] as const)('%s in %s → %s', (address, range, expected) => {
    expect(ipInRange(parseIpAddress(address)!, parseIpRange(range)!)).toBe(expected)
  })
  it.each(['010.0.0.1', '10.0.0', '1.2.3.256', '0x7f.0.0.1', '::1::2', '1:2:3:4:5:6:7:8:9', 'localhost', ''])('refuses the address %j', (address) => {
    expect(parseIpAddress(address)).toBeUndefined()
  })
})
