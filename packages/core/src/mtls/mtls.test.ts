import { createHash, X509Certificate } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificateAuthority } from '../platform/tls-fixture.test-support.ts'
import { certificateDer, certificateThumbprint } from './client-certificate.ts'
import { parseClientCertHeader, parseUrlEncodedPemHeader, parseXfccHeader, xfccHashToThumbprint } from './proxy-certificate-headers.ts'

// RFC 9440 §A (Example): the Client-Cert header field a TTRP sends to the origin server.
const rfc9440ClientCert =
  ':MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQKDBJMZXQncyBBdXRoZW50aWNhdGUxGzAZBgNVBAMMEkxBIEludGVybWVkaWF0ZSBDQTAeFw0yMDAxMTQyMjU1MzNaFw0yMTAxMjMyMjU1MzNaMA0xCzAJBgNVBAMMAkJDMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8YnXXfaUgmnMtOXU/IncWalRhebrXmckC8vdgJ1p5Be5F/3YC8OthxM4+k1M6aEAEFcGzkJiNy6J84y7uzo9M6NyMHAwCQYDVR0TBAIwADAfBgNVHSMEGDAWgBRm3WjLa38lbEYCuiCPct0ZaSED2DAOBgNVHQ8BAf8EBAMCBsAwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0RAQH/BBMwEYEPYmRjQGV4YW1wbGUuY29tMAoGCCqGSM49BAMCA0gAMEUCIBHda/r1vaL6G3VliL4/Di6YK0Q6bMjeSkC3dFCOOB8TAiEAx/kHSB4urmiZ0NX5r5XarmPk0wmuydBVoU4hBVZ1yhk=:'

let pem: string
let der: Buffer
let x5t: string
let otherPem: string

beforeAll(() => {
  const ca = createTestCertificateAuthority('tokenward mtls test CA')
  pem = ca.issue({ dnsNames: ['client.example.test'] }).certificatePem
  otherPem = ca.issue({ dnsNames: ['other.example.test'] }).certificatePem
  der = new X509Certificate(pem).raw
  x5t = createHash('sha256').update(der).digest('base64url')
})

describe('certificateThumbprint (RFC 8705 x5t#S256)', () => {
  it('is base64url(SHA-256(DER)) of an X.509 v3 certificate, from PEM, DER or { raw }', async () => {
    expect(new X509Certificate(pem).subjectAltName).toContain('client.example.test')
    expect(await certificateThumbprint(pem)).toBe(x5t)
    expect(await certificateThumbprint(new Uint8Array(der))).toBe(x5t)
    expect(await certificateThumbprint({ raw: new Uint8Array(der) })).toBe(x5t)
    expect(await certificateThumbprint(otherPem)).not.toBe(x5t)
  })

  it('takes the leaf (first block) of a PEM chain', async () => {
    expect(await certificateThumbprint(`${pem}\n${otherPem}`)).toBe(x5t)
  })

  it('is undefined for what is not a certificate', async () => {
    for (const bad of [undefined, '', 'hello', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----', new Uint8Array([1, 2, 3]), new Uint8Array(0)]) {
      expect(await certificateThumbprint(bad as never)).toBeUndefined()
    }
    expect(certificateDer({ raw: 'x' } as never)).toBeUndefined()
  })
})

describe('proxy certificate headers', () => {
  it('reads the RFC 9440 Client-Cert example as its DER certificate', () => {
    const parsed = parseClientCertHeader(rfc9440ClientCert)!
    expect(parsed).toBeDefined()
    const cert = new X509Certificate(parsed)
    expect(cert.subject).toBe('CN=BC')
    expect(cert.issuer).toContain('CN=LA Intermediate CA')
    expect(Buffer.from(parsed).toString('base64')).toBe(rfc9440ClientCert.slice(1, -1))
  })

  it('reads a Client-Cert byte sequence of a minted certificate and refuses other syntax', () => {
    expect(Buffer.from(parseClientCertHeader(`:${der.toString('base64')}:`)!)).toEqual(der)
    for (const bad of [der.toString('base64'), `:${der.toString('base64url')}:`, `"${der.toString('base64')}"`, '::', ':AAAA:']) {
      expect(parseClientCertHeader(bad), bad).toBeUndefined()
    }
  })

  it('reads nginx $ssl_client_escaped_cert (URL-encoded PEM)', () => {
    expect(Buffer.from(parseUrlEncodedPemHeader(encodeURIComponent(pem))!)).toEqual(der)
  })

  it("reads AWS ALB's X-Amzn-Mtls-Clientcert, where + = / stay unescaped and + is not a space", () => {
    const alb = encodeURIComponent(pem).replace(/%2B/g, '+').replace(/%3D/g, '=').replace(/%2F/g, '/')
    expect(alb).toContain('+')
    expect(Buffer.from(parseUrlEncodedPemHeader(alb)!)).toEqual(der)
    // Form decoding would turn each + into a space and corrupt the certificate.
    expect(new URLSearchParams(`c=${alb}`).get('c')).not.toBe(pem)
    expect(parseUrlEncodedPemHeader('%E0%A4%A')).toBeUndefined()
  })

  it("reads Envoy's X-Forwarded-Client-Cert: Hash, Cert, several elements, quoted values", () => {
    const hash = createHash('sha256').update(der).digest('hex')
    const value =
      `By=spiffe://cluster.local/ns/edge;Hash=${'ab'.repeat(32)};Subject="/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client";URI=http://testclient.lyft.com,` +
      `By=spiffe://cluster.local/ns/app;Hash=${hash};Cert="${encodeURIComponent(pem)}";Subject="CN=a\\"quoted\\", name";DNS=client.example.test`
    const elements = parseXfccHeader(value)!
    expect(elements).toHaveLength(2)
    expect(elements[0]).toMatchObject({ by: 'spiffe://cluster.local/ns/edge', hash: 'ab'.repeat(32), cert: undefined })
    expect(elements[0]!.fields.subject).toBe('/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client')
    const nearest = elements.at(-1)!
    expect(nearest.hash).toBe(hash)
    expect(Buffer.from(nearest.cert!)).toEqual(der)
    expect(nearest.fields.subject).toBe('CN=a"quoted", name')
    expect(xfccHashToThumbprint(nearest.hash!)).toBe(x5t)
  })

  it('refuses broken XFCC values instead of guessing', () => {
    for (const bad of ['', 'Hash', 'Hash=xyz', 'Hash="unterminated', `Cert="not a pem"`, `Hash=${'a'.repeat(64)};Hash=${'b'.repeat(64)}`, 'By=a;;', 'By=a x']) {
      expect(parseXfccHeader(bad), bad).toBeUndefined()
    }
    expect(xfccHashToThumbprint('zz')).toBeUndefined()
  })
})
