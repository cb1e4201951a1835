import { isIP } from 'node:net'
import { describe, expect, it } from 'vitest'
import { isLoopbackHost } from '../config/loopback.ts'
import { ConfigError } from '../errors.ts'
import {
  checkAddressPolicy,
  classifyAddress,
  decideAddress,
  decideUrl,
  defineAddressPolicy,
  formatIpAddress,
  parseIpAddress,
  type AddressClass,
} from './address-policy.ts'

// [text as written, the address it denotes, its class]
const table: readonly (readonly [string, string, AddressClass])[] = [
  // 169.254.169.254 (cloud metadata) in every spelling the URL parser and inet_aton accept
  ['169.254.169.254', '169.254.169.254', 'link_local'],
  ['2852039166', '169.254.169.254', 'link_local'],
  ['0251.0376.0251.0376', '169.254.169.254', 'link_local'],
  ['0xa9fea9fe', '169.254.169.254', 'link_local'],
  ['0xA9.0xFE.0xA9.0xFE', '169.254.169.254', 'link_local'],
  ['169.254.43518', '169.254.169.254', 'link_local'],
  ['169.16689662', '169.254.169.254', 'link_local'],
  ['169.254.169.254.', '169.254.169.254', 'link_local'],
  ['::ffff:169.254.169.254', '::ffff:a9fe:a9fe', 'link_local'],
  ['[::ffff:a9fe:a9fe]', '::ffff:a9fe:a9fe', 'link_local'],
  ['0:0:0:0:0:ffff:a9fe:a9fe', '::ffff:a9fe:a9fe', 'link_local'],
  ['64:ff9b::a9fe:a9fe', '64:ff9b::a9fe:a9fe', 'link_local'],
  ['64:ff9b::169.254.169.254', '64:ff9b::a9fe:a9fe', 'link_local'],
  ['2002:a9fe:a9fe::1', '2002:a9fe:a9fe::1', 'link_local'],
  // loopback
  ['127.0.0.1', '127.0.0.1', 'loopback'],
  ['127.1', '127.0.0.1', 'loopback'],
  ['0x7f.1', '127.0.0.1', 'loopback'],
  ['017700000001', '127.0.0.1', 'loopback'],
  ['2130706433', '127.0.0.1', 'loopback'],
  ['127.255.255.254', '127.255.255.254', 'loopback'],
  ['::1', '::1', 'loopback'],
  ['[0:0:0:0:0:0:0:1]', '::1', 'loopback'],
  ['::ffff:127.0.0.1', '::ffff:7f00:1', 'loopback'],
  ['::ffff:7f00:1', '::ffff:7f00:1', 'loopback'],
  ['64:ff9b::7f00:1', '64:ff9b::7f00:1', 'loopback'],
  // unspecified, "this network"
  ['0.0.0.0', '0.0.0.0', 'unspecified'],
  ['0', '0.0.0.0', 'unspecified'],
  ['0x', '0.0.0.0', 'unspecified'],
  ['0.1.2.3', '0.1.2.3', 'unspecified'],
  ['::', '::', 'unspecified'],
  ['::ffff:0.0.0.0', '::ffff:0:0', 'unspecified'],
  // private, shared (CGNAT), unique-local, link-local, site-local
  ['10.0.0.1', '10.0.0.1', 'private'],
  ['012.0.0.1', '10.0.0.1', 'private'],
  ['167772161', '10.0.0.1', 'private'],
  ['172.16.0.1', '172.16.0.1', 'private'],
  ['172.31.255.255', '172.31.255.255', 'private'],
  ['192.168.1.1', '192.168.1.1', 'private'],
  ['0xc0a80101', '192.168.1.1', 'private'],
  ['::ffff:192.168.1.1', '::ffff:c0a8:101', 'private'],
  ['100.64.0.1', '100.64.0.1', 'shared'],
  ['100.127.255.255', '100.127.255.255', 'shared'],
  ['fc00::1', 'fc00::1', 'unique_local'],
  ['fd12:3456:789a::1', 'fd12:3456:789a::1', 'unique_local'],
  ['fe80::1', 'fe80::1', 'link_local'],
  ['fe80::1%eth0', 'fe80::1', 'link_local'],
  ['febf::1', 'febf::1', 'link_local'],
  ['fec0::1', 'fec0::1', 'private'],
  ['64:ff9b:1::1', '64:ff9b:1::1', 'private'],
  // multicast, broadcast, documentation, benchmarking, reserved
  ['224.0.0.1', '224.0.0.1', 'multicast'],
  ['239.255.255.250', '239.255.255.250', 'multicast'],
  ['ff02::1', 'ff02::1', 'multicast'],
  ['255.255.255.255', '255.255.255.255', 'broadcast'],
  ['4294967295', '255.255.255.255', 'broadcast'],
  ['192.0.2.1', '192.0.2.1', 'documentation'],
  ['198.51.100.7', '198.51.100.7', 'documentation'],
  ['203.0.113.9', '203.0.113.9', 'documentation'],
  ['2001:db8::1', '2001:db8::1', 'documentation'],
  ['3fff::1', '3fff::1', 'documentation'],
  ['198.18.0.1', '198.18.0.1', 'benchmarking'],
  ['198.19.255.255', '198.19.255.255', 'benchmarking'],
  ['2001:2::1', '2001:2::1', 'benchmarking'],
  ['240.0.0.1', '240.0.0.1', 'reserved'],
  ['192.0.0.8', '192.0.0.8', 'reserved'],
  ['192.88.99.1', '192.88.99.1', 'reserved'],
  ['100::1', '100::1', 'reserved'],
  ['2001::1', '2001::1', 'reserved'],
  ['::a9fe:a9fe', '::a9fe:a9fe', 'reserved'],
  ['::127.0.0.1', '::7f00:1', 'reserved'],
  ['4000::1', '4000::1', 'reserved'],
  // public, including the neighbours of every private range
  ['93.184.215.14', '93.184.215.14', 'public'],
  ['8.8.8.8', '8.8.8.8', 'public'],
  ['1.1', '1.0.0.1', 'public'],
  ['9.255.255.255', '9.255.255.255', 'public'],
  ['11.0.0.0', '11.0.0.0', 'public'],
  ['100.63.255.255', '100.63.255.255', 'public'],
  ['100.128.0.0', '100.128.0.0', 'public'],
  ['126.255.255.255', '126.255.255.255', 'public'],
  ['128.0.0.0', '128.0.0.0', 'public'],
  ['169.253.255.255', '169.253.255.255', 'public'],
  ['169.255.0.0', '169.255.0.0', 'public'],
  ['172.15.255.255', '172.15.255.255', 'public'],
  ['172.32.0.0', '172.32.0.0', 'public'],
  ['192.167.255.255', '192.167.255.255', 'public'],
  ['192.169.0.0', '192.169.0.0', 'public'],
  ['223.255.255.255', '223.255.255.255', 'public'],
  ['2606:4700::1111', '2606:4700::1111', 'public'],
  ['2001:4860:4860::8888', '2001:4860:4860::8888', 'public'],
  ['::ffff:8.8.8.8', '::ffff:808:808', 'public'],
  ['64:ff9b::808:808', '64:ff9b::808:808', 'public'],
  ['2002:808:808::1', '2002:808:808::1', 'public'],
  ['fbff::1', 'fbff::1', 'reserved'],
]

describe('parseIpAddress and classifyAddress', () => {
  it.each(table)('%s is %s, %s', (text, canonical, kind) => {
    const address = parseIpAddress(text)
    expect(address).toBeDefined()
    expect(formatIpAddress(address!)).toBe(canonical)
    expect(classifyAddress(address!)).toBe(kind)
  })

  it('reads every form exactly as the WHATWG URL parser does', () => {
    for (const [text, canonical] of table) {
      if (text.includes('%')) continue // URLs carry no zone
      const host = text.includes(':') && !text.startsWith('[') ? `[${text}]` : text
      const parsed = new URL(`https://${host}/`).hostname
      expect([text, parsed.replace(/^\[|\]$/g, '')]).toEqual([text, canonical])
    }
  })

  it('agrees with node:net on which dotted and colon forms are addresses', () => {
    for (const text of ['127.0.0.1', '::1', '::ffff:127.0.0.1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8', '1::8']) {
      expect([text, isIP(text) !== 0, parseIpAddress(text) !== undefined]).toEqual([text, true, true])
    }
  })

  it.each([
    'example.com', 'localhost', '', '1.2.3.4.5', '256.0.0.1', '1.2.3.256', '1.16777216', '4294967296', '08.0.0.1', '1..2',
    '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', '12345::', 'g::1', '::1.2.3', '::1.2.3.256', '[::1', '1.2.3.4:80', '::ffff:1.2.3.4.5', ' 1.2.3.4',
  ])('%j is not an address', (text) => {
    expect(parseIpAddress(text)).toBeUndefined()
  })
})

describe('decideAddress', () => {
  const strict = defineAddressPolicy({})
  const ip = (text: string) => parseIpAddress(text)!

  it('allows public addresses and refuses every other class by default', () => {
    for (const [text, , kind] of table) {
      const decision = decideAddress(strict, ip(text))
      expect([text, decision.allowed]).toEqual([text, kind === 'public'])
      if (!decision.allowed) expect(decision.addressClass).toBe(kind)
    }
  })

  it('opens exactly the allow-listed ranges, IPv4-mapped forms included', () => {
    const policy = defineAddressPolicy({ allow: ['10.20.0.0/16', 'fd00:1::/32', '169.254.169.254'] })
    expect(decideAddress(policy, ip('10.20.3.4')).allowed).toBe(true)
    expect(decideAddress(policy, ip('::ffff:10.20.3.4')).allowed).toBe(true)
    expect(decideAddress(policy, ip('10.21.0.1')).allowed).toBe(false)
    expect(decideAddress(policy, ip('fd00:1:ffff::1')).allowed).toBe(true)
    expect(decideAddress(policy, ip('fd00:2::1')).allowed).toBe(false)
    expect(decideAddress(policy, ip('169.254.169.254')).allowed).toBe(true)
    expect(decideAddress(policy, ip('169.254.169.253')).allowed).toBe(false)
    expect(decideAddress(policy, ip('127.0.0.1')).allowed).toBe(false)
  })

  it('opens every address of an allow-listed host name, and only for that name', () => {
    const policy = defineAddressPolicy({ allow: ['jwks.corp.example', '*.idp.corp.example'] })
    expect(decideAddress(policy, ip('10.1.1.1'), { hostname: 'JWKS.corp.example.' }).allowed).toBe(true)
    expect(decideAddress(policy, ip('10.1.1.1'), { hostname: 'a.b.idp.corp.example' }).allowed).toBe(true)
    expect(decideAddress(policy, ip('10.1.1.1'), { hostname: 'idp.corp.example' }).allowed).toBe(false)
    expect(decideAddress(policy, ip('10.1.1.1'), { hostname: 'evil-jwks.corp.example' }).allowed).toBe(false)
    expect(decideAddress(policy, ip('10.1.1.1')).allowed).toBe(false)
  })

  it('lets loopback through only with developmentLoopback, and plain http only to loopback', () => {
    const dev = defineAddressPolicy({ developmentLoopback: true })
    expect(decideAddress(strict, ip('127.0.0.1')).allowed).toBe(false)
    expect(decideAddress(dev, ip('127.0.0.1')).allowed).toBe(true)
    expect(decideAddress(dev, ip('::1'), { plainHttp: true }).allowed).toBe(true)
    expect(decideAddress(dev, ip('10.0.0.1'), { plainHttp: true }).allowed).toBe(false)
    expect(decideAddress(dev, ip('8.8.8.8'), { plainHttp: true }).allowed).toBe(false)
    const wide = defineAddressPolicy({ allow: ['0.0.0.0/0'] })
    expect(decideAddress(wide, ip('127.0.0.1'), { plainHttp: true }).allowed).toBe(false)
  })
})

describe('decideUrl', () => {
  const strict = defineAddressPolicy({})
  const dev = defineAddressPolicy({ developmentLoopback: true })
  const cases: readonly (readonly [string, boolean | 'resolve', boolean | 'resolve'])[] = [
    // [url, strict, developmentLoopback]
    ['https://idp.example/keys', 'resolve', 'resolve'],
    ['https://93.184.215.14/keys', true, true],
    ['https://2852039166/keys', false, false],
    ['https://0251.0376.0251.0376/latest/meta-data/', false, false],
    ['https://[::ffff:169.254.169.254]/', false, false],
    ['https://127.1/keys', false, true],
    ['https://localhost/keys', false, true],
    ['https://jwks.localhost./keys', false, true],
    ['http://127.0.0.1:8080/keys', false, true],
    ['http://localhost:8080/keys', false, true],
    ['http://[::1]/keys', false, true],
    ['http://idp.example/keys', false, 'resolve'],
    ['http://10.0.0.1/keys', false, false],
    ['http://93.184.215.14/keys', false, false],
    ['ftp://idp.example/keys', false, false],
  ]
  it.each(cases)('%s', (url, withStrict, withDev) => {
    const verdict = (d: ReturnType<typeof decideUrl>) => (d === 'resolve' ? d : d.allowed)
    expect([verdict(decideUrl(strict, new URL(url))), verdict(decideUrl(dev, new URL(url)))]).toEqual([withStrict, withDev])
  })

  it('allow-listed loopback names still need https', () => {
    const policy = defineAddressPolicy({ allow: ['localhost'] })
    expect(decideUrl(policy, new URL('https://localhost/keys'))).toEqual({ allowed: true })
    expect(decideUrl(policy, new URL('http://localhost/keys'))).toMatchObject({ allowed: false })
  })
})

describe('defineAddressPolicy', () => {
  it('names every bad entry by path', () => {
    const bad = () => defineAddressPolicy({ allow: ['10.0.0.0/8', '10.0.0.0/33', 'not a host', '::/129', '1.2.3.4/08', 7 as never], developmentLoopback: 'yes' as never })
    expect(bad).toThrow(ConfigError)
    try {
      bad()
    } catch (error) {
      expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['developmentLoopback', 'allow[1]', 'allow[2]', 'allow[3]', 'allow[4]', 'allow[5]'])
    }
    const r = checkAddressPolicy({ allow: 'x', extra: 1 }, 'jwks.addressPolicy')
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['jwks.addressPolicy.extra', 'jwks.addressPolicy.allow'])
    expect(checkAddressPolicy(null, 'p')).toMatchObject({ ok: false, issues: [{ path: 'p' }] })
  })

  it('accepts an already built policy unchanged', () => {
    const policy = defineAddressPolicy({ allow: ['10.0.0.0/8'] })
    expect(defineAddressPolicy(policy)).toBe(policy)
  })
})

describe('isLoopbackHost follows the same classification', () => {
  it.each([
    ['localhost', true],
    ['app.localhost.', true],
    ['127.0.0.1', true],
    ['127.1', true],
    ['[::1]', true],
    ['[::ffff:7f00:1]', true],
    ['[64:ff9b::7f00:1]', true],
    ['127.0.0.256', false],
    ['127.0.0.1.nip.io', false],
    ['localhost.evil.com', false],
    ['10.0.0.1', false],
    ['[::]', false],
  ])('%s: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback)
  })
})
