// discoverServerConfig against a real metadata endpoint on 127.0.0.1: endpoints filled from the
// document, explicit values kept, the mTLS alias for certificate client authentication, and a
// verifier built from the result introspecting at the discovered endpoint.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { platformHttpGet } from '../platform/http-door.ts'
import { createTestCertificateAuthority, startHttpServer, type TestServer } from '../platform/tls-fixture.test-support.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { DiscoveryError } from './discovery-client.ts'
import { discoverServerConfig } from './discover-server-config.ts'

let as: TestServer
const paths: string[] = []
const handler = (req: IncomingMessage, res: ServerResponse): void => {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  paths.push(path)
  if (path === '/.well-known/oauth-authorization-server') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        issuer: as.origin,
        jwks_uri: `${as.origin}/keys`,
        introspection_endpoint: `${as.origin}/introspect`,
        token_endpoint: `${as.origin}/token`,
        mtls_endpoint_aliases: { introspection_endpoint: `${as.origin}/mtls/introspect` },
      }),
    )
    return
  }
  if (path === '/introspect') {
    req.resume()
    req.on('end', () => {
      const now = Math.floor(Date.now() / 1000)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: true, iss: as.origin, client_id: 'orders', sub: 'discovered', scope: 'c::1::R', exp: now + 600 }))
    })
    return
  }
  res.writeHead(404).end()
}

beforeAll(async () => {
  as = await startHttpServer(handler)
})
afterAll(async () => {
  await as.close()
})

const basic = { method: 'client_secret_basic', clientSecret: 'discovery-secret-0123456789' }

describe('discoverServerConfig', () => {
  it('fills jwksUrl and introspection.endpoint from the metadata, and drops discovery', async () => {
    const server = await discoverServerConfig(
      { name: 'Disc1', issuer: as.origin, discovery: true, introspection: { clientId: 'rs', clientAuthentication: basic } },
      { httpGet: platformHttpGet() },
    )
    expect(server).toMatchObject({ jwksUrl: `${as.origin}/keys`, introspection: { endpoint: `${as.origin}/introspect`, clientId: 'rs' } })
    expect('discovery' in server).toBe(false)
  })

  it('keeps explicit values', async () => {
    const server = await discoverServerConfig(
      { name: 'Disc2', issuer: as.origin, discovery: `${as.origin}/.well-known/oauth-authorization-server`, jwksUrl: 'https://keys.example/jwks', introspection: { endpoint: 'https://other.example/introspect', clientId: 'rs', clientAuthentication: basic } },
      { httpGet: platformHttpGet() },
    )
    expect(server).toMatchObject({ jwksUrl: 'https://keys.example/jwks', introspection: { endpoint: 'https://other.example/introspect' } })
  })

  it('uses the mtls_endpoint_aliases entry when the client authenticates with a certificate (RFC 8705 §5)', async () => {
    const certificate = createTestCertificateAuthority('discovery test CA').issueClient('rs')
    const server = await discoverServerConfig(
      {
        name: 'Disc3', issuer: as.origin, discovery: true,
        introspection: { clientId: 'rs', clientAuthentication: { method: 'tls_client_auth', certificate: certificate.certificatePem, privateKey: certificate.privateKeyPem } },
      },
      { httpGet: platformHttpGet() },
    )
    expect(server).toMatchObject({ introspection: { endpoint: `${as.origin}/mtls/introspect` } })
  })

  it('a verifier built from the result introspects at the discovered endpoint', async () => {
    const server = await discoverServerConfig(
      { name: 'Disc4', issuer: as.origin, discovery: true, introspection: { clientId: 'rs', clientAuthentication: basic } },
      { httpGet: platformHttpGet() },
    )
    const { jwksUrl: _unused, ...introspectionOnly } = server
    const verifier = createVerifier({ server: introspectionOnly, organization: { cloud: 'c', orgId: '1', cloudDomain: 'c.net', apiRoles: ['R'] } })
    const before = paths.filter((p) => p === '/introspect').length
    expect((await verifier.verify('opaque-discovered')).subject).toBe('discovered')
    expect(paths.filter((p) => p === '/introspect').length).toBe(before + 1)
    await verifier.close()
  })

  it('refuses a missing issuer or a bad discovery value as a config error, and an unreadable document as a DiscoveryError', async () => {
    await expect(discoverServerConfig({ name: 'Disc5', discovery: true }, { httpGet: platformHttpGet() })).rejects.toMatchObject({
      _tag: 'ConfigError',
      issues: [expect.objectContaining({ path: 'issuer' })],
    })
    await expect(discoverServerConfig({ name: 'Disc6', issuer: as.origin, discovery: 42 as unknown as true }, { httpGet: platformHttpGet() })).rejects.toBeInstanceOf(ConfigError)
    await expect(discoverServerConfig({ name: 'Disc7', issuer: `${as.origin}/nowhere`, discovery: true }, { httpGet: platformHttpGet() })).rejects.toBeInstanceOf(DiscoveryError)
  })
})
