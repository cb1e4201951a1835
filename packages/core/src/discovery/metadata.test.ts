import { describe, expect, it } from 'vitest'
import { discoveredEndpoint, discoveryUrls, parseAuthorizationServerMetadata } from './metadata.ts'

describe('discoveryUrls: RFC 8414 inserts the well-known path between host and path; OIDC appends it', () => {
  it.each<[string, true | string, string[]]>([
    ['https://as.example', true, ['https://as.example/.well-known/oauth-authorization-server', 'https://as.example/.well-known/openid-configuration']],
    ['https://as.example/', true, ['https://as.example/.well-known/oauth-authorization-server', 'https://as.example/.well-known/openid-configuration']],
    ['https://as.example/tenant/1', true, ['https://as.example/.well-known/oauth-authorization-server/tenant/1', 'https://as.example/tenant/1/.well-known/openid-configuration']],
    ['https://as.example:8443/oauth2/default/', true, ['https://as.example:8443/.well-known/oauth-authorization-server/oauth2/default', 'https://as.example:8443/oauth2/default/.well-known/openid-configuration']],
    ['https://as.example/t', 'https://meta.example/as.json', ['https://meta.example/as.json']],
  ])('%s with %s', (issuer, discovery, expected) => expect(discoveryUrls(issuer, discovery).map(String)).toEqual(expected))
})

describe('parseAuthorizationServerMetadata', () => {
  const issuer = 'https://as.example/tenant'
  const full = {
    issuer,
    jwks_uri: 'https://as.example/tenant/jwks',
    introspection_endpoint: 'https://as.example/tenant/introspect',
    token_endpoint: 'https://as.example/tenant/token',
    mtls_endpoint_aliases: { token_endpoint: 'https://mtls.as.example/token', introspection_endpoint: 'https://mtls.as.example/introspect', bad: 'ftp://x' },
    introspection_endpoint_auth_methods_supported: ['private_key_jwt', 'tls_client_auth'],
  }

  it('yields the endpoints and the mTLS aliases of a document for the configured issuer', () => {
    const r = parseAuthorizationServerMetadata(JSON.stringify(full), issuer)
    expect(r).toEqual({
      ok: true,
      value: {
        issuer,
        jwksUri: full.jwks_uri,
        introspectionEndpoint: full.introspection_endpoint,
        tokenEndpoint: full.token_endpoint,
        mtlsEndpointAliases: { token_endpoint: 'https://mtls.as.example/token', introspection_endpoint: 'https://mtls.as.example/introspect' },
        introspectionEndpointAuthMethods: ['private_key_jwt', 'tls_client_auth'],
      },
    })
  })

  it.each<[string, unknown, string]>([
    ['a trailing slash more', { ...full, issuer: `${issuer}/` }, 'issuer_mismatch'],
    ['another case', { ...full, issuer: 'https://AS.example/tenant' }, 'issuer_mismatch'],
    ['another issuer altogether', { ...full, issuer: 'https://evil.example/tenant' }, 'issuer_mismatch'],
    ['no issuer', { jwks_uri: full.jwks_uri }, 'invalid_document'],
    ['an array', [full], 'invalid_document'],
    ['duplicate members', `{"issuer":"${issuer}","issuer":"https://evil.example"}`, 'invalid_document'],
    ['not JSON', '<html>', 'invalid_document'],
  ])('refuses %s (RFC 8414 §3.3: not used)', (_name, document, problem) => {
    const r = parseAuthorizationServerMetadata(typeof document === 'string' ? document : JSON.stringify(document), issuer)
    expect(r.ok ? undefined : r.error.problem).toBe(problem)
  })

  it('drops endpoints that are not absolute https URLs instead of trusting them', () => {
    const r = parseAuthorizationServerMetadata(
      { issuer, jwks_uri: 'http://as.example/jwks', token_endpoint: '/token', introspection_endpoint: 'https://u:p@as.example/i', mtls_endpoint_aliases: [] },
      issuer,
    )
    expect(r).toEqual({ ok: true, value: { issuer, mtlsEndpointAliases: {} } })
    // An http issuer (loopback development) may name http endpoints of its own scheme.
    const local = parseAuthorizationServerMetadata({ issuer: 'http://127.0.0.1:3000', jwks_uri: 'http://127.0.0.1:3000/jwks' }, 'http://127.0.0.1:3000')
    expect(local.ok && local.value.jwksUri).toBe('http://127.0.0.1:3000/jwks')
  })
})

describe('discoveredEndpoint: RFC 8705 §5 aliases only with client-certificate authentication', () => {
  const metadata = {
    issuer: 'https://as.example',
    introspectionEndpoint: 'https://as.example/introspect',
    tokenEndpoint: 'https://as.example/token',
    mtlsEndpointAliases: { introspection_endpoint: 'https://mtls.as.example/introspect' },
  }
  it.each<['introspection_endpoint' | 'token_endpoint', boolean, string | undefined]>([
    ['introspection_endpoint', true, 'https://mtls.as.example/introspect'],
    ['introspection_endpoint', false, 'https://as.example/introspect'],
    ['token_endpoint', true, 'https://as.example/token'],
    ['token_endpoint', false, 'https://as.example/token'],
  ])('%s with mutualTls=%s', (endpoint, mutualTls, expected) => expect(discoveredEndpoint(metadata, endpoint, mutualTls)).toBe(expected))
  it('is undefined when the document names neither', () =>
    expect(discoveredEndpoint({ issuer: 'https://as.example', mtlsEndpointAliases: {} }, 'token_endpoint', true)).toBeUndefined())
})
