// The Cloudflare Worker tests/runtimes/workers.test.ts runs in a real workerd (through Miniflare):
// bundled by esbuild from the BUILT @tokenward/web, core (its Web build: the `workerd`/`browser`
// conditions, no `node`), console, registry (its admin API), issuer and client into one ES
// module. Everything it needs comes from its bindings (`env`), the way a deployed Worker is
// configured; outbound fetches go to the test's real HTTP servers on 127.0.0.1 (JWKS,
// introspection AS, an issuer).
import type { Verifier, VerifiedAccessToken } from '@tokenward/core'
import { createProtectedResourceMetadataHandler, createVerifier, defineApiResources, defineDpopConfig, defineProtectedResourceMetadata, protectedResourceMetadataPath, protectedResourceMetadataUrl } from '@tokenward/core'
import { createAdminConsole } from '@tokenward/console'
import { adminAuthenticator, createAdminApi, createInMemoryAuditSink, createInMemoryOrganizationStore, createInMemoryReceiptStore } from '@tokenward/registry'
import { createTokenClient } from '@tokenward/client'
import { createInMemoryClientStore, createIssuer, createPbkdf2SecretHasher, defineApiClient } from '@tokenward/issuer'
import { withTokenward } from '@tokenward/web'

/** The bindings the test gives the Worker (plain-text vars, as `[vars]` in wrangler.toml). */
export interface Env {
  /** A live JWKS endpoint (RS256 keys); each verifier adds its own path segment, so the test can count fetches per verifier. */
  readonly JWKS_URL: string
  /** A JWKS endpoint nothing listens on. */
  readonly DOWN_JWKS_URL: string
  /** The introspection endpoint of the local AS, and tokenward's client credentials there. */
  readonly INTROSPECTION_URL: string
  readonly INTROSPECTION_CLIENT_ID: string
  readonly INTROSPECTION_CLIENT_SECRET: string
  /** The private JWK (JSON) tokenward signs `private_key_jwt` client assertions with, as client `rs-worker-jwt`. */
  readonly ASSERTION_PRIVATE_JWK: string
  /** An `http:` forward proxy (a plain `fetch` cannot use one) and a CA certificate to trust (nor add one). */
  readonly PROXY_URL: string
  readonly TRUSTED_CA_PEM: string
  /** The DPoP nonce secret (shared with the test, which makes an about-to-expire nonce with it). */
  readonly DPOP_NONCE_SECRET: string
  /** The token endpoint of an issuer served by the test on 127.0.0.1, and a client's secret there. */
  readonly REMOTE_TOKEN_ENDPOINT: string
  readonly REMOTE_ISSUER: string
  readonly REMOTE_CLIENT_SECRET: string
  /** A PBKDF2 hash (JSON) of the secret of client `worker-client` at the issuer the Worker serves itself. */
  readonly LOCAL_CLIENT_SECRET_HASH: string
}

const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }
const issuerOrigin = 'https://idp.test'

const echo = (_request: Request, auth: VerifiedAccessToken | undefined): Response =>
  Response.json({ clientId: auth?.clientId ?? null, adminId: auth?.authorization?.adminId ?? null, source: auth?.source ?? null, binding: auth?.binding ?? null })

type Route = (request: Request) => Promise<Response>

/** Builds every route once per isolate, so verifier caches (keys, nonces, replay) live between requests. */
function createApp(env: Env): (request: Request) => Promise<Response> {
  const verifier = (server: Parameters<typeof createVerifier>[0]['server'], resourceMetadataUrl?: string): Verifier =>
    createVerifier({ server, organization, ...(resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl }) })
  const jwt = verifier({ name: 'Remote', jwksUrl: `${env.JWKS_URL}/jwt`, issuer: issuerOrigin, algorithms: ['RS256'] })
  // A fresh key set asked for by many requests at once (the JWKS server answers it slowly).
  const burst = verifier({ name: 'Burst', jwksUrl: `${env.JWKS_URL}/burst`, issuer: issuerOrigin })
  const down = verifier({ name: 'Down', jwksUrl: env.DOWN_JWKS_URL, issuer: issuerOrigin })
  const opaque = verifier({
    name: 'Opaque',
    issuer: issuerOrigin,
    introspection: { endpoint: env.INTROSPECTION_URL, clientId: env.INTROSPECTION_CLIENT_ID, clientAuthentication: { method: 'client_secret_basic', clientSecret: env.INTROSPECTION_CLIENT_SECRET } },
  })
  const opaqueJwt = verifier({
    name: 'OpaqueJwt',
    issuer: issuerOrigin,
    introspection: { endpoint: env.INTROSPECTION_URL, clientId: 'rs-worker-jwt', clientAuthentication: { method: 'private_key_jwt', privateKey: JSON.parse(env.ASSERTION_PRIVATE_JWK) } },
  })
  // What a plain fetch cannot do: refused (503), never a silent direct or unchecked connection.
  const proxied = verifier({
    name: 'Proxied',
    issuer: issuerOrigin,
    proxy: env.PROXY_URL,
    introspection: { endpoint: env.INTROSPECTION_URL, clientId: env.INTROSPECTION_CLIENT_ID, clientAuthentication: { method: 'client_secret_basic', clientSecret: env.INTROSPECTION_CLIENT_SECRET } },
  })
  const extraCa = verifier({ name: 'ExtraCa', jwksUrl: 'https://localhost:1/jwks', issuer: issuerOrigin, trustedCertificates: [env.TRUSTED_CA_PEM] })
  const dpopSection = { mode: 'required', requireNonce: true, nonceSecret: env.DPOP_NONCE_SECRET } as const
  // RFC 9728: the DPoP API's metadata, and its challenges pointing at it.
  const serveMetadata = createProtectedResourceMetadataHandler(
    defineProtectedResourceMetadata({ resource: 'https://api.example.com', authorizationServers: [issuerOrigin], dpop: defineDpopConfig(dpopSection) }),
  )
  const dpop = verifier({ name: 'Dpop', jwksUrl: `${env.JWKS_URL}/dpop`, issuer: issuerOrigin, dpop: dpopSection }, protectedResourceMetadataUrl('https://api.example.com'))
  const mtls = verifier({ name: 'Mtls', jwksUrl: `${env.JWKS_URL}/mtls`, issuer: issuerOrigin, mtls: { mode: 'required' } })

  // Issue 15: API roles by resource category, one handler in front of many routes with a table.
  const apiRoleCategories = { ReadOnly: ['reports'], Admin: ['reports', 'policies'] }
  const rbac = createVerifier({
    server: { name: 'Rbac', jwksUrl: `${env.JWKS_URL}/rbac`, issuer: issuerOrigin },
    organization: { ...organization, apiRoleCategories },
  })
  const resources = defineApiResources([
    { category: 'reports', routes: [{ method: 'GET', path: '/rbac/reports' }] },
    { category: 'policies', routes: [{ method: 'DELETE', path: '/rbac/policies/{id}' }] },
  ])
  const rbacApp = withTokenward((_request, auth) => Response.json({ role: auth.authorization?.apiRole.role ?? null }), { guard: rbac, resources })

  // Issue 17: the admin API the console talks to, in the same Worker, with in-memory stores.
  const adminApi = createAdminApi({
    store: createInMemoryOrganizationStore([
      {
        orgId: 'acme',
        cloud: 'zscloud',
        cloudDomain: 'zscloud.net',
        apiRoles: { ReadOnly: ['reports'] },
        subscriptionValidUntil: Math.floor(Date.now() / 1000) + 365 * 86400,
        suspension: undefined,
        authorizationServers: [],
        revision: 1,
      },
    ]),
    receipts: createInMemoryReceiptStore(),
    audit: createInMemoryAuditSink(),
    authenticate: adminAuthenticator({ verifier: createVerifier({ server: { name: 'Admin', jwksUrl: `${env.JWKS_URL}/admin`, issuer: issuerOrigin } }) }),
    authorizeOrganization: null,
    basePath: '/admin/',
  })

  const consolePage = createAdminConsole({ adminApiBase: '/admin/', basePath: '/console/', apiBaseUrl: (orgId) => `https://api.example.com/orgs/${orgId}/` })

  const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })
  const issuer = createIssuer({
    issuer: 'https://api.example.com/issuer',
    organization,
    clients: createInMemoryClientStore([
      ['12345', defineApiClient({ clientId: 'worker-client', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [JSON.parse(env.LOCAL_CLIENT_SECRET_HASH)] } })],
    ]),
    secretHasher: hasher,
  })
  const tokenClient = createTokenClient({
    issuer: env.REMOTE_ISSUER,
    tokenEndpoint: env.REMOTE_TOKEN_ENDPOINT,
    clientId: 'remote-client',
    clientAuthentication: { method: 'client_secret_basic', clientSecret: env.REMOTE_CLIENT_SECRET },
    dpop: true,
  })

  // A second client (no DPoP, no token yet) for requests arriving together.
  const burstClient = createTokenClient({
    issuer: env.REMOTE_ISSUER,
    tokenEndpoint: env.REMOTE_TOKEN_ENDPOINT,
    clientId: 'remote-client',
    clientAuthentication: { method: 'client_secret_basic', clientSecret: env.REMOTE_CLIENT_SECRET },
  })

  const routes: Record<string, Route> = {
    '/jwt/orders': withTokenward(echo, { guard: jwt }),
    '/burst/orders': withTokenward(echo, { guard: burst }),
    '/down/orders': withTokenward(echo, { guard: down }),
    '/opaque/orders': withTokenward(echo, { guard: opaque }),
    '/opaque-jwt/orders': withTokenward(echo, { guard: opaqueJwt }),
    '/proxied/orders': withTokenward(echo, { guard: proxied }),
    '/extra-ca/orders': withTokenward(echo, { guard: extraCa }),
    '/dpop/orders': withTokenward(echo, { guard: dpop }),
    '/mtls/orders': withTokenward(echo, { guard: mtls }),
    '/issuer/token': (request) => issuer.handle(request),
    '/issuer/jwks': (request) => issuer.handle(request),
    '/client-burst/token': async () => {
      const token = await burstClient.getToken()
      return Response.json({ tokenType: token.tokenType })
    },
    '/client/token': async () => {
      const token = await tokenClient.getToken()
      const again = await tokenClient.getToken()
      return Response.json({ tokenType: token.tokenType, scope: token.scope, accessToken: token.accessToken, jwk: await tokenClient.dpopPublicKey(), cached: again === token })
    },
  }
  return (request) => {
    const path = new URL(request.url).pathname
    if (path.startsWith('/console/')) return consolePage(request)
    if (path.startsWith(protectedResourceMetadataPath)) return serveMetadata(request)
    if (path.startsWith('/rbac/')) return rbacApp(request)
    if (path.startsWith('/admin/')) return adminApi(request)
    const route = routes[path]
    return route === undefined ? Promise.resolve(new Response('not found', { status: 404 })) : route(request)
  }
}

let app: ((request: Request) => Promise<Response>) | undefined

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    app ??= createApp(env)
    try {
      return await app(request)
    } catch (error) {
      // Surfaced to the test as a 599, so a Workers-only failure shows its message.
      return Response.json({ thrown: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, { status: 599 })
    }
  },
}

