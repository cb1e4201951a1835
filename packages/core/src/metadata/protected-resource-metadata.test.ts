import { describe, expect, it } from 'vitest'
import { defineDpopConfig } from '../config/dpop.ts'
import { ConfigError } from '../errors.ts'
import { createProtectedResourceMetadataHandler, defineProtectedResourceMetadata, protectedResourceMetadataUrl } from './protected-resource-metadata.ts'

describe('defineProtectedResourceMetadata (RFC 9728 §2)', () => {
  it('builds the document with header-only bearer methods and certificate binding', () => {
    expect(defineProtectedResourceMetadata({ resource: 'https://api.example.test' })).toEqual({
      resource: 'https://api.example.test',
      bearer_methods_supported: ['header'],
      dpop_bound_access_tokens_required: false,
      tls_client_certificate_bound_access_tokens: true,
    })
  })

  it('names DPoP algorithms when DPoP is on and says when it is required', () => {
    const doc = defineProtectedResourceMetadata({
      resource: 'https://api.example.test/orgs/acme',
      authorizationServers: ['https://idp.example.test/oauth2/default'],
      scopesSupported: ['zscloud::acme::ReadOnly'],
      dpop: defineDpopConfig({ mode: 'required', algorithms: ['ES256', 'EdDSA'] }),
      resourceName: 'Orders API',
    })
    expect(doc).toMatchObject({
      authorization_servers: ['https://idp.example.test/oauth2/default'],
      scopes_supported: ['zscloud::acme::ReadOnly'],
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      dpop_bound_access_tokens_required: true,
      resource_name: 'Orders API',
    })
    expect(defineProtectedResourceMetadata({ resource: 'https://a.test', dpop: defineDpopConfig({ mode: 'off' }) }).dpop_signing_alg_values_supported).toBeUndefined()
  })

  it('names every bad field by path', () => {
    try {
      defineProtectedResourceMetadata({ resource: 'http://api.example.test', authorizationServers: ['https://ok.test', 'nope'], scopesSupported: ['a b'], bearerMethodsSupported: ['cookie' as never] })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((e as ConfigError).issues.map((i) => i.path)).toEqual(['resource', 'authorizationServers[1]', 'scopesSupported[0]', 'bearerMethodsSupported[0]'])
    }
    expect(() => defineProtectedResourceMetadata({ resource: 'https://api.example.test/#x' })).toThrow(ConfigError)
  })
})

describe('protectedResourceMetadataUrl (RFC 9728 §3.1)', () => {
  it('inserts the well-known path between host and path', () => {
    expect(protectedResourceMetadataUrl('https://api.example.test')).toBe('https://api.example.test/.well-known/oauth-protected-resource')
    expect(protectedResourceMetadataUrl('https://api.example.test/')).toBe('https://api.example.test/.well-known/oauth-protected-resource')
    expect(protectedResourceMetadataUrl('https://api.example.test/orgs/acme/')).toBe('https://api.example.test/.well-known/oauth-protected-resource/orgs/acme')
    expect(protectedResourceMetadataUrl('https://api.example.test:8443/r?x=1')).toBe('https://api.example.test:8443/.well-known/oauth-protected-resource/r?x=1')
  })
})

describe('createProtectedResourceMetadataHandler', () => {
  const root = defineProtectedResourceMetadata({ resource: 'https://api.example.test' })
  const acme = defineProtectedResourceMetadata({ resource: 'https://api.example.test/orgs/acme' })

  it('serves one document at its own well-known URL, GET and HEAD only', async () => {
    const handle = createProtectedResourceMetadataHandler(acme)
    const r = await handle(new Request('https://api.example.test/.well-known/oauth-protected-resource/orgs/acme'))
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/json')
    expect(await r.json()).toEqual(acme)
    const head = await handle(new Request('https://api.example.test/.well-known/oauth-protected-resource/orgs/acme', { method: 'HEAD' }))
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    expect((await handle(new Request('https://api.example.test/.well-known/oauth-protected-resource'))).status).toBe(404)
    expect((await handle(new Request('https://api.example.test/.well-known/oauth-protected-resourcex/orgs/acme'))).status).toBe(404)
    const post = await handle(new Request('https://api.example.test/.well-known/oauth-protected-resource/orgs/acme', { method: 'POST' }))
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
  })

  it('serves per-resource documents through a lookup (one per organization)', async () => {
    const handle = createProtectedResourceMetadataHandler((path) => (path === '' ? root : path === '/orgs/acme' ? acme : undefined))
    expect(await (await handle(new Request('https://api.example.test/.well-known/oauth-protected-resource'))).json()).toEqual(root)
    expect(await (await handle(new Request('https://api.example.test/.well-known/oauth-protected-resource/orgs/acme'))).json()).toEqual(acme)
    expect((await handle(new Request('https://api.example.test/.well-known/oauth-protected-resource/orgs/other'))).status).toBe(404)
  })
})
