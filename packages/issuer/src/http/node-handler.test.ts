import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineApiClient } from '../client/api-client.ts'
import { createInMemoryClientStore } from '../client/client-store.ts'
import { createIssuer, type Issuer } from '../endpoint/create-issuer.ts'
import { generateClientSecret } from '../secret/client-secret.ts'
import { createPbkdf2SecretHasher } from '../secret/pbkdf2-hasher.ts'
import { makeClientKeys, serveHandler, signAssertion, type ClientKeys, type RunningServer } from '../testing/issuer-fixture.test-support.ts'
import { createIssuerNodeHandler } from './node-handler.ts'

// The same issuer behind the Node handler and behind the Web handler (through the test's own
// node:http → Request bridge): every request of the table must get the same status, headers
// and body from both, so the Node door adds and drops no rule.
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }
const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
let nodeServer: Server
let nodeOrigin: string
let webServer: RunningServer
let issuer: Issuer
let secret: string
let keys: ClientKeys
let issuerId: string

interface Raw {
  readonly method?: string
  readonly path?: string
  /** Raw header lines, repeated names allowed. */
  readonly headers?: readonly (readonly [string, string])[]
  readonly body?: string | readonly string[]
}
interface Reply {
  status: number
  headers: Record<string, string>
  body: string
}

/** One request over a fresh connection, with exactly the header lines given. */
function send(origin: string, raw: Raw): Promise<Reply> {
  const url = new URL(origin)
  const lines: (readonly [string, string])[] = [['host', url.host], ...(raw.headers ?? [])]
  if (typeof raw.body === 'string') lines.push(['content-length', String(Buffer.byteLength(raw.body))])
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: raw.method ?? 'POST', path: raw.path ?? '/token', headers: lines.flat(), agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const headers: Record<string, string> = {}
        for (const name of ['content-type', 'cache-control', 'pragma', 'www-authenticate', 'allow', 'retry-after', 'dpop-nonce', 'content-length']) {
          const value = res.headers[name]
          if (value !== undefined) headers[name] = String(value)
        }
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks).toString() })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    const parts = raw.body === undefined ? [] : typeof raw.body === 'string' ? [raw.body] : raw.body
    for (const part of parts) req.write(part)
    req.end()
  })
}

const formType = ['content-type', 'application/x-www-form-urlencoded'] as const
const basic = (id: string, s: string): readonly [string, string] => ['authorization', `Basic ${btoa(`${id}:${s}`)}`]

beforeAll(async () => {
  const hasher = createPbkdf2SecretHasher({ iterations: 10_000 })
  const generated = await generateClientSecret(hasher)
  secret = generated.secret
  keys = await makeClientKeys('k-1')
  nodeServer = createServer()
  await new Promise<void>((resolve) => nodeServer.listen(0, '127.0.0.1', resolve))
  nodeOrigin = `http://127.0.0.1:${(nodeServer.address() as AddressInfo).port}`
  issuerId = nodeOrigin
  issuer = createIssuer({
    issuer: issuerId,
    organization,
    clients: createInMemoryClientStore([
      ['12345', defineApiClient({ clientId: 'secret-client', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [generated.hash] } })],
      ['12345', defineApiClient({ clientId: 'jwt-client', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: keys.publicJwk as never } })],
    ]),
    secretHasher: hasher,
    maxBodyBytes: 2048,
  })
  nodeServer.on('request', createIssuerNodeHandler(issuer))
  webServer = await serveHandler((request) => issuer.handle(request))
})
afterAll(async () => {
  nodeServer.closeAllConnections()
  await new Promise((resolve) => nodeServer.close(resolve))
  await webServer.close()
  await issuer.close()
})

const table: readonly (readonly [string, Raw | (() => Promise<Raw>), number])[] = [
  ['client_secret_basic', () => Promise.resolve({ headers: [formType, basic('secret-client', secret)], body: 'grant_type=client_credentials' }), 200],
  ['wrong secret (Basic challenge)', () => Promise.resolve({ headers: [formType, basic('secret-client', `${secret}x`)], body: 'grant_type=client_credentials' }), 401],
  ['two Authorization header fields', () => Promise.resolve({ headers: [formType, basic('secret-client', secret), basic('secret-client', secret)], body: 'grant_type=client_credentials' }), 400],
  ['Basic and client_secret_post together', () => Promise.resolve({ headers: [formType, basic('secret-client', secret)], body: `grant_type=client_credentials&client_id=secret-client&client_secret=${secret}` }), 400],
  ['Basic credentials in UTF-8 (an unknown client é)', { headers: [formType, ['authorization', `Basic ${Buffer.from('é:a-secret-0123456789').toString('base64')}`]], body: 'grant_type=client_credentials' }, 401],
  ['Basic credentials that are not UTF-8', { headers: [formType, ['authorization', `Basic ${Buffer.from([0xff, 0x3a, 0x61]).toString('base64')}`]], body: 'grant_type=client_credentials' }, 400],
  ['no client authentication', { headers: [formType], body: 'grant_type=client_credentials' }, 401],
  ['a query on the token endpoint', { path: '/token?grant_type=client_credentials', headers: [formType], body: 'grant_type=client_credentials' }, 400],
  ['GET on the token endpoint', { method: 'GET' }, 405],
  ['a JSON body', { headers: [['content-type', 'application/json']], body: '{}' }, 400],
  ['a repeated parameter', { headers: [formType], body: 'grant_type=client_credentials&grant_type=client_credentials' }, 400],
  ['malformed percent-encoding', { headers: [formType], body: 'grant_type=%E0%A4%A' }, 400],
  ['a declared length over the limit', { headers: [formType], body: `a=${'x'.repeat(3000)}` }, 400],
  ['a chunked body over the limit', { headers: [formType, ['transfer-encoding', 'chunked']], body: Array.from({ length: 8 }, () => `a=${'x'.repeat(500)}`) }, 400],
  ['a DPoP header that is not a proof', () => Promise.resolve({ headers: [formType, basic('secret-client', secret), ['dpop', 'not-a-jwt']], body: 'grant_type=client_credentials' }), 400],
  [
    'private_key_jwt with the token endpoint as aud (not allowed by default)',
    async () => ({ headers: [formType], body: `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(assertionType)}&client_assertion=${await signAssertion(keys, { clientId: 'jwt-client', audience: `${issuerId}/token` })}` }),
    401,
  ],
  ['the JWKS', { method: 'GET', path: '/jwks' }, 200],
  ['the metadata', { method: 'GET', path: '/.well-known/oauth-authorization-server' }, 200],
  ['POST on the JWKS', { path: '/jwks', headers: [formType], body: 'a=1' }, 405],
  ['an unknown path', { method: 'GET', path: '/nope' }, 404],
  // Targets off the fast path are read by the URL parser, as the Web handler reads them.
  ['a dot segment before the JWKS', { method: 'GET', path: '/x/../jwks' }, 200],
  ['a percent-encoded path (not decoded)', { method: 'GET', path: '/%6Awks' }, 404],
  ['an empty query on the JWKS', { method: 'GET', path: '/jwks?' }, 200],
]

describe('createIssuerNodeHandler', () => {
  it.each(table)('%s: the same answer as the Web handler', async (_name, make, status) => {
    const raw = typeof make === 'function' ? await make() : make
    const fromNode = await send(nodeOrigin, raw)
    const fromWeb = await send(webServer.origin, raw)
    expect(fromNode.status).toBe(status)
    // A refusal is the issuer's JSON error, not the HTTP parser's bare 400.
    if (status >= 400 && status !== 405) expect(JSON.parse(fromNode.body)).toHaveProperty('error')
    const normalize = (r: Reply) => ({ ...r, body: r.body.replace(/"access_token":"[^"]+"/, '"access_token":"…"') })
    expect(normalize(fromNode)).toEqual(normalize(fromWeb))
  })

  it('closes the connection after refusing a body it did not read in full, and keeps it open otherwise', async () => {
    const connection = (raw: Raw): Promise<string | undefined> =>
      new Promise((resolve, reject) => {
        const body = typeof raw.body === 'string' ? raw.body : ''
        const req = httpRequest(`${nodeOrigin}${raw.path ?? '/token'}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.headers.connection))
        })
        req.on('error', reject)
        req.end(body)
      })
    expect(await connection({ body: `a=${'x'.repeat(3000)}` })).toBe('close')
    expect(await connection({ path: '/token?x=1', body: 'grant_type=client_credentials' })).toBe('close')
    expect(await connection({ body: 'grant_type=client_credentials' })).not.toBe('close')
  })

  it('private_key_jwt gets a token once, and the replayed assertion is refused', async () => {
    const assertion = await signAssertion(keys, { clientId: 'jwt-client', audience: issuerId })
    const raw = { headers: [formType], body: `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(assertionType)}&client_assertion=${assertion}` }
    const first = await send(nodeOrigin, raw)
    expect(first.status).toBe(200)
    expect(JSON.parse(first.body)).toMatchObject({ token_type: 'Bearer', scope: 'zscloud::12345::ReadOnly' })
    expect(first.headers['cache-control']).toBe('no-store')
    // One framed answer (Content-Length), not chunked encoding.
    expect(first.headers['content-length']).toBe(String(Buffer.byteLength(first.body)))
    const again = await send(nodeOrigin, raw)
    expect(again.status).toBe(401)
    expect(JSON.parse(again.body)).toMatchObject({ error: 'invalid_client' })
  })
})
