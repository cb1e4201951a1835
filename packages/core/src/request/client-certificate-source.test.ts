// Where a client certificate comes from: the platform, or a forwarded header believed only from a
// trusted peer and/or with the shared secret. Real X.509 v3 certificates, no mocks.
import { createHash, X509Certificate } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { createTestCertificateAuthority } from '../platform/tls-fixture.test-support.ts'
import { defineClientCertificateSource, sha256HexToThumbprint, type ClientCertificateSourceOptions, type RequestCertificate } from './client-certificate-source.ts'

let pem: string
let attackerPem: string
let der: Uint8Array
let x5t: string
let hex: string
const secret = 'a shared secret of 32 characters'

beforeAll(() => {
  const ca = createTestCertificateAuthority('source test CA')
  pem = ca.issueClient('client-1').certificatePem
  attackerPem = ca.issueClient('attacker').certificatePem
  der = new Uint8Array(new X509Certificate(pem).raw)
  x5t = createHash('sha256').update(der).digest('base64url')
  hex = createHash('sha256').update(der).digest('hex')
})

const b64 = () => Buffer.from(der).toString('base64')
/** nginx's $ssl_client_escaped_cert and ALB escape the PEM; ALB leaves + / = as they are. */
const escapedPem = () => encodeURIComponent(pem)
const albPem = () => encodeURIComponent(pem).replace(/%2B/g, '+').replace(/%2F/g, '/').replace(/%3D/g, '=')

/** What a source found, in comparable form. */
const found = (r: RequestCertificate): string | undefined =>
  r.clientCertificate !== undefined ? `der:${createHash('sha256').update(r.clientCertificate.raw).digest('base64url')}` : r.clientCertificateThumbprint !== undefined ? `x5t:${r.clientCertificateThumbprint}` : undefined

describe('defineClientCertificateSource', () => {
  type Row = [name: string, options: ClientCertificateSourceOptions, headers: () => Record<string, string | string[]>, peer: string | undefined, expected: 'der' | 'x5t' | undefined]
  const trusted = ['10.0.0.0/8', '::1']
  const rows: Row[] = [
    ['RFC 9440 Client-Cert from a trusted proxy', { header: 'client-cert', trustedProxies: trusted }, () => ({ 'client-cert': `:${b64()}:` }), '10.1.2.3', 'der'],
    ['RFC 9440 Client-Cert from an IPv4-mapped trusted proxy', { header: 'client-cert', trustedProxies: trusted }, () => ({ 'Client-Cert': `:${b64()}:` }), '::ffff:10.1.2.3', 'der'],
    ['Client-Cert from an untrusted peer is ignored', { header: 'client-cert', trustedProxies: trusted }, () => ({ 'client-cert': `:${b64()}:` }), '203.0.113.9', undefined],
    ['Client-Cert with no peer address known is ignored', { header: 'client-cert', trustedProxies: trusted }, () => ({ 'client-cert': `:${b64()}:` }), undefined, undefined],
    ['Client-Cert sent twice counts as none', { header: 'client-cert', trustedProxies: trusted }, () => ({ 'client-cert': [`:${b64()}:`, `:${b64()}:`] }), '10.1.2.3', undefined],
    ['Client-Cert that is not base64 DER counts as none', { header: 'client-cert', trustedProxies: trusted }, () => ({ 'client-cert': ':bm90IGEgY2VydA==:' }), '10.1.2.3', undefined],
    ['nginx URL-encoded PEM under a configured header', { header: 'x-ssl-client-cert', trustedProxies: trusted }, () => ({ 'x-ssl-client-cert': escapedPem() }), '10.9.9.9', 'der'],
    ['AWS ALB X-Amzn-Mtls-Clientcert with the shared secret', { header: 'x-amzn-mtls-clientcert', sharedSecret: { header: 'x-origin-secret', value: secret } }, () => ({ 'x-amzn-mtls-clientcert': albPem(), 'x-origin-secret': secret }), undefined, 'der'],
    ['ALB header without the shared secret is ignored', { header: 'x-amzn-mtls-clientcert', sharedSecret: { header: 'x-origin-secret', value: secret } }, () => ({ 'x-amzn-mtls-clientcert': albPem() }), undefined, undefined],
    ['ALB header with a wrong shared secret is ignored', { header: 'x-amzn-mtls-clientcert', sharedSecret: { header: 'x-origin-secret', value: secret } }, () => ({ 'x-amzn-mtls-clientcert': albPem(), 'x-origin-secret': `${secret.slice(0, -1)}X` }), undefined, undefined],
    ['both conditions set: a trusted peer without the secret is ignored', { header: 'client-cert', trustedProxies: trusted, sharedSecret: { header: 'x-origin-secret', value: secret } }, () => ({ 'client-cert': `:${b64()}:` }), '10.1.2.3', undefined],
    ['both conditions set: the secret from an untrusted peer is ignored', { header: 'client-cert', trustedProxies: trusted, sharedSecret: { header: 'x-origin-secret', value: secret } }, () => ({ 'client-cert': `:${b64()}:`, 'x-origin-secret': secret }), '203.0.113.9', undefined],
    ['Envoy XFCC with Cert: the nearest element', { header: 'x-forwarded-client-cert', trustedProxies: trusted }, () => ({ 'x-forwarded-client-cert': `Hash=${'0'.repeat(64)};Subject="CN=far",By=spiffe://a;Hash=${hex};Cert="${escapedPem()}"` }), '::1', 'der'],
    ['Envoy XFCC with Hash only: the thumbprint', { header: 'x-forwarded-client-cert', trustedProxies: trusted }, () => ({ 'x-forwarded-client-cert': `By=spiffe://cluster/ns/api;Hash=${hex};Subject="CN=client-1"` }), '10.0.0.1', 'x5t'],
    ['Envoy XFCC on two header lines: the last line is nearest', { header: 'x-forwarded-client-cert', trustedProxies: trusted }, () => ({ 'x-forwarded-client-cert': [`Hash=${'0'.repeat(64)}`, `Hash=${hex}`] }), '10.0.0.1', 'x5t'],
    ['Envoy XFCC that does not parse counts as none', { header: 'x-forwarded-client-cert', trustedProxies: trusted }, () => ({ 'x-forwarded-client-cert': `Hash=${hex};Subject=CN client` }), '10.0.0.1', undefined],
    // Node's IncomingMessage and the Fetch Headers join a repeated field into one value with ", ":
    // a client's own copy sent ahead of the proxy's must not be read as the first certificate.
    ['URL-encoded PEM sent twice (joined into one value) counts as none', { header: 'x-ssl-client-cert', trustedProxies: trusted }, () => ({ 'x-ssl-client-cert': `${encodeURIComponent(attackerPem)}, ${escapedPem()}` }), '10.9.9.9', undefined],
    ['ALB header sent twice (joined into one value) counts as none', { header: 'x-amzn-mtls-clientcert', sharedSecret: { header: 'x-origin-secret', value: secret } }, () => ({ 'x-amzn-mtls-clientcert': `${albPem().replace(/[^]*/, encodeURIComponent(attackerPem))},${albPem()}`, 'x-origin-secret': secret }), undefined, undefined],
    ['RFC 9440 Client-Cert sent twice (joined into one value) counts as none', { header: 'client-cert', trustedProxies: trusted }, () => ({ 'client-cert': `:${Buffer.from(new X509Certificate(attackerPem).raw).toString('base64')}:, :${b64()}:` }), '10.1.2.3', undefined],
    ['a trusted-proxy function', { header: 'client-cert', trustedProxies: (peer) => peer === '192.0.2.7' }, () => ({ 'client-cert': `:${b64()}:` }), '192.0.2.7', 'der'],
    ['a forwarded source never reads the platform', { header: 'client-cert', trustedProxies: trusted }, () => ({}), '10.1.2.3', undefined],
  ]
  it.each(rows)('%s', (_name, options, headers, peerAddress, expected) => {
    const source = defineClientCertificateSource(options)
    const r = source({ headers: headers(), peerAddress, platform: () => ({ certificate: pem }) })
    expect(found(r)).toBe(expected === undefined ? undefined : `${expected}:${x5t}`)
  })

  it('one source answers each peer on its own, however requests from trusted and untrusted peers interleave', () => {
    const source = defineClientCertificateSource({ header: 'client-cert', trustedProxies: ['10.0.0.0/8'] })
    const headers = { 'client-cert': `:${b64()}:` }
    for (const peer of ['10.0.0.1', '10.0.0.1', '203.0.113.9', '10.0.0.1', '203.0.113.9', '203.0.113.9', '10.2.3.4']) {
      expect(found(source({ headers, peerAddress: peer }))).toBe(peer.startsWith('10.') ? `der:${x5t}` : undefined)
    }
  })

  it('reads the platform by default: PEM, DER or a thumbprint; garbage counts as none', () => {
    const source = defineClientCertificateSource()
    expect(found(source({ headers: {}, platform: () => ({ certificate: pem }) }))).toBe(`der:${x5t}`)
    expect(found(source({ headers: {}, platform: () => ({ certificate: der }) }))).toBe(`der:${x5t}`)
    expect(found(source({ headers: {}, platform: () => ({ thumbprint: x5t }) }))).toBe(`x5t:${x5t}`)
    expect(found(source({ headers: {}, platform: () => ({ certificate: 'not a certificate' }) }))).toBeUndefined()
    expect(found(source({ headers: {}, platform: () => ({ thumbprint: 'short' }) }))).toBeUndefined()
    expect(found(source({ headers: {}, platform: () => undefined }))).toBeUndefined()
    // The platform source ignores forwarded headers entirely.
    expect(found(source({ headers: { 'client-cert': `:${b64()}:` }, peerAddress: '127.0.0.1' }))).toBeUndefined()
  })

  it("'none' never reads a certificate", () => {
    expect(found(defineClientCertificateSource('none')({ headers: {}, platform: () => ({ certificate: pem }) }))).toBeUndefined()
  })

  it('checks the option when built, naming each bad field', () => {
    const issues = (options: unknown): string[] => {
      try {
        defineClientCertificateSource(options as ClientCertificateSourceOptions)
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError)
        return (e as ConfigError).issues.map((i) => i.path)
      }
      return []
    }
    expect(issues({ header: 'client-cert' })).toEqual(['clientCertificate'])
    expect(issues({ header: 'bad header', trustedProxies: ['10.0.0.0/33', 'x'], format: 'der' })).toEqual([
      'clientCertificate.header',
      'clientCertificate.format',
      'clientCertificate.trustedProxies[0]',
      'clientCertificate.trustedProxies[1]',
    ])
    expect(issues({ header: 'client-cert', sharedSecret: { header: 'x secret', value: 'short' } })).toEqual(['clientCertificate.sharedSecret.header', 'clientCertificate.sharedSecret.value'])
    expect(issues('socket')).toEqual(['clientCertificate'])
    expect(issues({ header: 'client-cert', trustedProxies: '10.0.0.0/8' })).toEqual(['clientCertificate.trustedProxies'])
  })
})

describe('sha256HexToThumbprint', () => {
  it("turns Cloudflare's certFingerprintSHA256 (hex, any case, optional colons) into x5t#S256", () => {
    expect(sha256HexToThumbprint(hex)).toBe(x5t)
    expect(sha256HexToThumbprint(hex.toUpperCase())).toBe(x5t)
    expect(sha256HexToThumbprint(hex.match(/../g)!.join(':'))).toBe(x5t)
    expect(sha256HexToThumbprint(hex.slice(2))).toBeUndefined()
    expect(sha256HexToThumbprint(`${hex.slice(2)}zz`)).toBeUndefined()
  })
})
