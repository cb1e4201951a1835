// A minimal OAuth 2.0 authorization server for local runs and the demo: a client-credentials
// token endpoint (client_secret_basic) issuing RFC 9068 JWT access tokens, and its JWKS. It can
// rotate its signing key and pretend to be down, so the story of a customer's IdP can be told
// without any external service. Not for production.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'

export interface LocalClient {
  readonly secret: string
  /** Scopes this client may be granted (space-delimited in requests). */
  readonly scopes: readonly string[]
  /** Extra claims put in every token of this client (e.g. `permissions` for admin tokens). */
  readonly claims?: Readonly<Record<string, unknown>>
}

export interface LocalAuthorizationServer {
  readonly issuer: string
  readonly jwksUrl: string
  readonly tokenUrl: string
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: number
  /** While true, the JWKS endpoint answers 503. */
  down: boolean
  /** Replaces the signing key (new kid); the old public key stays published unless `dropOld`. */
  rotateKey(options?: { dropOld?: boolean }): Promise<void>
  /** Signs a token directly (for expired or tampered tokens in the demo). */
  sign(claims: Record<string, unknown>, options?: { expiresInSeconds?: number }): Promise<string>
  close(): Promise<void>
}

interface SigningKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

async function newKey(): Promise<SigningKey> {
  const kid = randomUUID()
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } }
}

/**
 * Starts the server on 127.0.0.1 (port 0 unless given).
 *
 * @example
 * const idp = await startLocalAuthorizationServer({ audience: 'https://api.example.test', clients: { reporting: { secret: 's3cret', scopes: ['zscloud::12345::ReadOnly'] } } })
 */
export async function startLocalAuthorizationServer(options: {
  readonly audience: string
  readonly clients: Readonly<Record<string, LocalClient>>
  readonly port?: number
  readonly jwksMaxAgeSeconds?: number
}): Promise<LocalAuthorizationServer> {
  let signing = await newKey()
  let published: JWK[] = [signing.publicJwk]
  let jwksFetches = 0
  const state = { down: false }
  let issuer = ''

  const sign = (claims: Record<string, unknown>, expiresInSeconds = 300): Promise<string> => {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ iss: issuer, aud: options.audience, iat: now, exp: now + expiresInSeconds, jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: signing.kid, typ: 'at+jwt' })
      .sign(signing.privateKey)
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    if (req.method === 'GET' && url.pathname === '/jwks') {
      jwksFetches++
      if (state.down) return void res.writeHead(503).end()
      res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': `max-age=${options.jwksMaxAgeSeconds ?? 300}` })
      return void res.end(JSON.stringify({ keys: published }))
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      void token(req).then(
        ({ status, body }) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body)),
        () => res.writeHead(500).end(),
      )
      return
    }
    res.writeHead(404).end()
  })

  async function token(req: IncomingMessage): Promise<{ status: number; body: Record<string, unknown> }> {
    const [scheme, credentials] = (req.headers.authorization ?? '').split(' ')
    // RFC 6749 §2.3.1: client ID and secret are form-urlencoded before Basic encoding.
    const [rawId, rawSecret] = scheme?.toLowerCase() === 'basic' && credentials ? Buffer.from(credentials, 'base64').toString().split(':') : []
    const clientId = rawId === undefined ? undefined : decodeURIComponent(rawId)
    const client = clientId === undefined ? undefined : options.clients[clientId]
    if (client === undefined || rawSecret === undefined || decodeURIComponent(rawSecret) !== client.secret) return { status: 401, body: { error: 'invalid_client' } }
    let form = ''
    for await (const chunk of req) form += chunk
    const params = new URLSearchParams(form)
    if (params.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } }
    const requested = (params.get('scope') ?? client.scopes.join(' ')).split(' ').filter(Boolean)
    if (requested.some((s) => !client.scopes.includes(s))) return { status: 400, body: { error: 'invalid_scope' } }
    const accessToken = await sign({ client_id: clientId, sub: clientId, scope: requested.join(' '), ...client.claims })
    return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope: requested.join(' ') } }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    tokenUrl: `${issuer}/token`,
    get jwksFetches() {
      return jwksFetches
    },
    get down() {
      return state.down
    },
    set down(value: boolean) {
      state.down = value
    },
    async rotateKey(rotation = {}) {
      const next = await newKey()
      published = rotation.dropOld === true ? [next.publicJwk] : [next.publicJwk, ...published]
      signing = next
    },
    sign: (claims, signOptions = {}) => sign(claims, signOptions.expiresInSeconds),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * Obtains an access token with the client-credentials grant, as a customer's API client would.
 *
 * @example
 * const token = await clientCredentialsToken(idp.tokenUrl, 'reporting', 's3cret', 'zscloud::12345::ReadOnly')
 */
export async function clientCredentialsToken(tokenUrl: string, clientId: string, secret: string, scope?: string): Promise<string> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) }),
  })
  const body = (await response.json()) as { access_token?: string; error?: string }
  if (!response.ok || body.access_token === undefined) throw new Error(`token request failed: ${response.status} ${body.error ?? ''}`)
  return body.access_token
}
