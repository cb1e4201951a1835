// Test support: key pairs, a JWKS server on 127.0.0.1, and tokens (well-formed or hostile).
// Not part of the package (excluded from builds).
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'

export interface TestKey {
  readonly kid: string
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

export async function makeKey(alg: string, kid: string, extra: Partial<JWK> = {}, options: { modulusLength?: number } = {}): Promise<TestKey> {
  if (options.modulusLength !== undefined) {
    // jose refuses to make weak keys; node:crypto makes them for the tests that must refuse them.
    const pair = generateKeyPairSync('rsa', { modulusLength: options.modulusLength })
    return { kid, alg, privateKey: pair.privateKey as unknown as CryptoKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig', ...extra } }
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig', ...extra } }
}

export const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

export const now = () => Math.floor(Date.now() / 1000)

export interface MintOptions {
  readonly header?: Record<string, unknown>
  readonly claims?: Record<string, unknown>
  readonly omitKid?: boolean
}

export const baseClaims = (t = now()) => ({
  iss: 'https://idp.test',
  aud: 'api://orders',
  client_id: 'client-1',
  sub: 'client-1',
  scope: 'zscloud::12345::ReadOnly',
  iat: t - 10,
  exp: t + 600,
})

/** A token signed with `key`; header and claims can be overridden (undefined removes a claim). */
export async function mint(key: TestKey, options: MintOptions = {}): Promise<string> {
  const claims = Object.fromEntries(Object.entries({ ...baseClaims(), ...options.claims }).filter(([, v]) => v !== undefined))
  const header = { alg: key.alg, ...(options.omitKid ? {} : { kid: key.kid }), typ: 'at+jwt', ...options.header }
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey)
}

/** A JWKS server whose key list and behaviour the test controls, counting fetches. */
export interface JwksServer {
  readonly url: string
  keys: JWK[]
  fetches: number
  /** 'ok' serves the keys; a number answers with that status; 'hang' never answers; 'garbage' sends non-JSON. */
  mode: 'ok' | 'hang' | 'garbage' | number
  cacheControl: string | undefined
  /** When true, responses carry `ETag` and `Last-Modified`, and a matching conditional request gets a 304. Default false. */
  conditional: boolean
  /** Requests answered 304 (they count in `fetches` too). */
  notModified: number
  /** The conditional headers of the latest request. */
  lastConditional: { ifNoneMatch: string | undefined; ifModifiedSince: string | undefined }
  close(): Promise<void>
}

// An ETag and a Last-Modified per distinct key list: the same keys always give the same validators.
const validatorsFor = (body: string, seen: Map<string, string>): { etag: string; lastModified: string } => {
  let lastModified = seen.get(body)
  if (lastModified === undefined) {
    lastModified = new Date(Date.UTC(2026, 0, 1) + seen.size * 60_000).toUTCString()
    seen.set(body, lastModified)
  }
  let hash = 0
  for (let i = 0; i < body.length; i++) hash = (Math.imul(hash, 31) + body.charCodeAt(i)) | 0
  return { etag: `"k${(hash >>> 0).toString(16)}"`, lastModified }
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state = {
    keys,
    fetches: 0,
    mode: 'ok' as JwksServer['mode'],
    cacheControl: 'max-age=300' as string | undefined,
    conditional: false,
    notModified: 0,
    lastConditional: { ifNoneMatch: undefined as string | undefined, ifModifiedSince: undefined as string | undefined },
  }
  const lastModifiedByBody = new Map<string, string>()
  const server: Server = createServer((req, res) => {
    state.fetches++
    const ifNoneMatch = req.headers['if-none-match']
    const ifModifiedSince = req.headers['if-modified-since']
    state.lastConditional = { ifNoneMatch, ifModifiedSince }
    if (state.mode === 'hang') return
    if (state.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>')
    if (typeof state.mode === 'number') return void res.writeHead(state.mode).end()
    const headers: Record<string, string> = { 'content-type': 'application/jwk-set+json' }
    if (state.cacheControl !== undefined) headers['cache-control'] = state.cacheControl
    const body = JSON.stringify({ keys: state.keys })
    if (state.conditional) {
      const { etag, lastModified } = validatorsFor(body, lastModifiedByBody)
      headers.etag = etag
      headers['last-modified'] = lastModified
      // RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since.
      const unchanged = ifNoneMatch !== undefined ? ifNoneMatch === etag : ifModifiedSince !== undefined && ifModifiedSince === lastModified
      if (unchanged) {
        state.notModified++
        const { 'content-type': _, ...notModifiedHeaders } = headers
        return void res.writeHead(304, notModifiedHeaders).end()
      }
    }
    res.writeHead(200, headers).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const url = `http://127.0.0.1:${address.port}/jwks`
  return Object.assign(state, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
}
