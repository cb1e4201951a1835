// Test support: panva's oidc-provider (a certified OpenID Provider) running on 127.0.0.1 as a
// customer's authorization server, issuing RFC 9068 JWT access tokens through the
// client-credentials grant, over plain HTTP or over HTTPS with a certificate the test provides.
//
// The listener stays up for the life of the test; the provider behind it can be replaced (a
// restart on new keys, same issuer and origin), and every request for the JWK Set is counted.
import { request as httpRequest, createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { request as httpsRequest, createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import Provider, { errors } from 'oidc-provider'
import type { TestCertificate } from '../../packages/core/src/platform/tls-fixture.test-support.ts'

/** The resource (RFC 8707 resource indicator and `aud`) the tokenward-protected API is known by. */
export const apiResource = 'https://api.tokenward.test'
/** Another API of the same authorization server. */
export const otherResource = 'https://other.tokenward.test'
/** The API roles the resource servers allow, as `<cloud>::<orgId>::<role>` scope values. */
export const apiScopes = ['zscloud::12345::ReadOnly', 'zscloud::12345::Admin', 'zscloud::99999::ReadOnly'] as const

export const client = { id: 'orders-service', secret: 'orders-service-secret-0123456789abcdef' } as const

/** A private signing key in the provider's `jwks`. */
export interface SigningKey {
  readonly kid: string
  readonly alg: 'RS256' | 'ES256'
  readonly privateJwk: JWK
}

export async function makeSigningKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true })
  return { kid, alg, privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' } }
}

export interface ProviderDiscovery {
  readonly issuer: string
  readonly jwks_uri: string
  readonly token_endpoint: string
  readonly [member: string]: unknown
}

export interface LocalOidcProvider {
  /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`. */
  readonly issuer: string
  /** The provider's `/.well-known/openid-configuration`, fetched over the network. */
  readonly discovery: ProviderDiscovery
  /** Requests for the JWK Set path since start (every provider instance behind the listener). */
  readonly jwksFetches: number
  /** Obtains an access token with a real client-credentials request (Basic auth) to the token endpoint. */
  requestToken(input: { readonly resource: string; readonly scope: string }): Promise<string>
  /** Replaces the provider behind the listener by a new instance (same issuer) signing with `keys[0]`. */
  restartWithKeys(keys: readonly SigningKey[]): void
  close(): Promise<void>
}

export interface StartOptions {
  /** Keys in the provider's `jwks`; tokens are signed with the first one. */
  readonly keys: readonly SigningKey[]
  /** Serve over HTTPS with this certificate (issued for 127.0.0.1); plain HTTP otherwise. */
  readonly certificate?: TestCertificate | undefined
  /** The CA the test's own HTTP client trusts (for discovery and the token endpoint). */
  readonly caPem?: string | undefined
}

function makeProvider(issuer: string, keys: readonly SigningKey[]): Provider {
  const alg = keys[0]!.alg
  const resourceServers: Record<string, Record<string, unknown>> = {
    [apiResource]: { scope: apiScopes.join(' '), audience: apiResource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg } } },
    [otherResource]: { scope: apiScopes.join(' '), audience: otherResource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg } } },
  }
  return new Provider(issuer, {
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // oidc-provider validates client metadata against its keystore: with only an EC key the
        // default (RS256) is refused as `invalid_client_metadata`, even for a client that never
        // receives an ID token.
        id_token_signed_response_alg: alg,
      },
    ],
    jwks: { keys: keys.map((k) => k.privateJwk) },
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A client-credentials request without `resource` gets no JWT; the tests always send one.
        defaultResource: async () => undefined,
        getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => {
          const info = resourceServers[resourceIndicator]
          if (info === undefined) throw new errors.InvalidTarget()
          return info
        },
      },
    },
  })
}

interface HttpAnswer {
  readonly status: number
  readonly body: string
}

/** One HTTP(S) request with node:http / node:https, trusting `caPem` (bounded by a timeout). */
function sendHttpRequest(
  url: string,
  options: { readonly method?: string; readonly headers?: Record<string, string>; readonly body?: string; readonly caPem?: string | undefined } = {},
): Promise<HttpAnswer> {
  const target = new URL(url)
  const requestFn = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = requestFn(
      target,
      { method: options.method ?? 'GET', headers: options.headers, timeout: 5000, ...(options.caPem === undefined ? {} : { ca: options.caPem }) },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`timed out: ${options.method ?? 'GET'} ${url}`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

export async function startOidcProvider(options: StartOptions): Promise<LocalOidcProvider> {
  let jwksFetches = 0
  let jwksPath = '/jwks'
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'GET' && new URL(req.url ?? '/', 'http://x').pathname === jwksPath) jwksFetches++
    if (listener === undefined) return void res.writeHead(503).end()
    listener(req, res)
  }
  const server: Server =
    options.certificate === undefined
      ? createHttpServer(handle)
      : createHttpsServer({ cert: options.certificate.certificatePem, key: options.certificate.privateKeyPem }, handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const issuer = `${options.certificate === undefined ? 'http' : 'https'}://127.0.0.1:${port}`
  listener = makeProvider(issuer, options.keys).callback()

  const answer = await sendHttpRequest(`${issuer}/.well-known/openid-configuration`, { caPem: options.caPem })
  if (answer.status !== 200) throw new Error(`discovery failed: HTTP ${answer.status} ${answer.body}`)
  const discovery = JSON.parse(answer.body) as ProviderDiscovery
  jwksPath = new URL(discovery.jwks_uri).pathname
  jwksFetches = 0

  return {
    issuer,
    discovery,
    get jwksFetches() {
      return jwksFetches
    },
    async requestToken({ resource, scope }) {
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource, scope }).toString()
      const basic = Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')
      const r = await sendHttpRequest(discovery.token_endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        caPem: options.caPem,
      })
      if (r.status !== 200) throw new Error(`token request failed: HTTP ${r.status} ${r.body}`)
      const json = JSON.parse(r.body) as { access_token?: unknown; token_type?: unknown }
      if (typeof json.access_token !== 'string') throw new Error(`no access_token in ${r.body}`)
      return json.access_token
    },
    restartWithKeys(keys) {
      listener = makeProvider(issuer, keys).callback()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
