// RFC 9701 JWT introspection answers against a local authorization server on 127.0.0.1: the
// answer is verified like an access token (signature by a key of the server's JWKS, typ, iss,
// aud = our client ID, a recent iat) before its token_introspection member is used. Every forged
// or broken answer is 503 (the AS cannot be trusted right now), never 401 and never accepted; a
// plain JSON answer where JWT is configured is a misconfiguration (503 and an event naming it).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { validateAuthorizationServer } from '../config/authorization-server.ts'
import { startHttpServer, type TestServer } from '../platform/tls-fixture.test-support.ts'
import { b64, makeKey, type TestKey } from '../testing/mint.test-support.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import type { VerifierEvent } from '../verifier/types.ts'

let as: TestServer
let key: TestKey
let impostor: TestKey
const state = { body: '', contentType: 'application/token-introspection+jwt', accepts: [] as (string | undefined)[] }

const handler = (req: IncomingMessage, res: ServerResponse): void => {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  if (path === '/keys') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }))
  if (path === '/introspect') {
    state.accepts.push(req.headers.accept)
    req.resume()
    req.on('end', () => res.writeHead(200, { 'content-type': state.contentType }).end(state.body))
    return
  }
  res.writeHead(404).end()
}

beforeAll(async () => {
  key = await makeKey('RS256', 'as-key')
  impostor = await makeKey('RS256', 'as-key')
  as = await startHttpServer(handler)
})
afterAll(() => as.close())
beforeEach(() => {
  state.contentType = 'application/token-introspection+jwt'
  state.accepts = []
})

const now = () => Math.floor(Date.now() / 1000)
const answer = () => ({ active: true, iss: as.origin, client_id: 'orders', sub: 'jwt-answer', scope: 'c::1::R', exp: now() + 600 })
interface Signed {
  readonly header?: Record<string, unknown>
  readonly claims?: Record<string, unknown>
  readonly signer?: TestKey
}
const signed = ({ header = {}, claims = {}, signer = key }: Signed = {}) =>
  new SignJWT(Object.fromEntries(Object.entries({ iss: as.origin, aud: 'tokenward-rs', iat: now(), token_introspection: answer(), ...claims }).filter(([, v]) => v !== undefined)))
    .setProtectedHeader({ alg: 'RS256', kid: 'as-key', typ: 'token-introspection+jwt', ...header } as { alg: string })
    .sign(signer.privateKey)

const organization = { cloud: 'c', orgId: '1', cloudDomain: 'c.net', apiRoles: ['R'] }
const basic = { method: 'client_secret_basic', clientSecret: 'jwt-introspection-secret-0123' }
const verifierWith = (keys: 'url' | 'inline', events: VerifierEvent[] = []) =>
  createVerifier({
    server: {
      name: 'JwtAS',
      issuer: as.origin,
      ...(keys === 'url' ? { jwksUrl: `${as.origin}/keys` } : { jwks: { keys: [key.publicJwk as never] } }),
      introspection: { endpoint: `${as.origin}/introspect`, clientId: 'tokenward-rs', clientAuthentication: basic, responseFormat: 'jwt', cacheTokens: false },
    },
    organization,
    onEvent: (e) => events.push(e),
  })

describe.each(['url', 'inline'] as const)('responseFormat "jwt" (keys: %s)', (keys) => {
  it('verifies a signed answer and uses its token_introspection member; asks for the JWT media type', async () => {
    state.body = await signed()
    const verifier = verifierWith(keys)
    expect((await verifier.verify('opaque-1')).subject).toBe('jwt-answer')
    expect(state.accepts).toEqual(['application/token-introspection+jwt'])
    state.body = await signed({ claims: { token_introspection: { active: false } } })
    await expect(verifier.verify('opaque-2')).rejects.toMatchObject({ code: 'token_inactive', status: 401 })
    await verifier.close()
  })

  const refused: [string, () => Promise<string>][] = [
    ['signed by another key with the same kid (forged)', () => signed({ signer: impostor })],
    ['unsigned (alg none)', async () => `${b64({ alg: 'none', typ: 'token-introspection+jwt' })}.${b64({ iss: as.origin, aud: 'tokenward-rs', iat: now(), token_introspection: answer() })}.`],
    ['typ at+jwt', () => signed({ header: { typ: 'at+jwt' } })],
    ['no typ', () => signed({ header: { typ: undefined } })],
    ['aud another client', () => signed({ claims: { aud: 'someone-else' } })],
    ['iss another server', () => signed({ claims: { iss: 'https://other.example' } })],
    ['no iat', () => signed({ claims: { iat: undefined } })],
    ['iat an hour old (replayed)', () => signed({ claims: { iat: now() - 3600 } })],
    ['iat in the future', () => signed({ claims: { iat: now() + 3600 } })],
    ['no token_introspection', () => signed({ claims: { token_introspection: undefined } })],
    ['garbage', async () => 'not a jwt'],
  ]
  it.each(refused)('refuses an answer %s: 503 introspection_unavailable, never 401 or accepted', async (_name, body) => {
    state.body = await body()
    const events: VerifierEvent[] = []
    const verifier = verifierWith(keys, events)
    const verdict = await verifier.verifyRequest({ method: 'GET', url: 'https://api.example/', headers: { authorization: 'Bearer opaque-refused' } })
    expect(verdict).toMatchObject({ ok: false, error: { code: 'introspection_unavailable', status: 503 } })
    expect(events).toContainEqual(expect.objectContaining({ type: 'introspection', outcome: 'unavailable', message: expect.stringContaining('refused') }))
    await verifier.close()
  })

  it('refuses a plain JSON answer as a misconfiguration: 503, and an event naming it', async () => {
    state.body = JSON.stringify(answer())
    state.contentType = 'application/json'
    const events: VerifierEvent[] = []
    const verifier = verifierWith(keys, events)
    await expect(verifier.verify('opaque-json')).rejects.toMatchObject({ code: 'introspection_unavailable', status: 503 })
    expect(events).toContainEqual(expect.objectContaining({ type: 'introspection', outcome: 'misconfigured', message: expect.stringContaining('responseFormat') }))
    await verifier.close()
  })
})

describe('responseFormat "jwt" in the config', () => {
  it('needs the server keys and issuer, named by path; json stays the default', () => {
    const introspection = { endpoint: 'https://as.example/introspect', clientId: 'rs', clientAuthentication: basic, responseFormat: 'jwt' }
    const r = validateAuthorizationServer({ name: 'J', introspection })
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['introspection.responseFormat', 'introspection.responseFormat'])
    const ok = validateAuthorizationServer({ name: 'J', issuer: 'https://as.example', jwksUrl: 'https://as.example/keys', introspection })
    expect(ok.ok && ok.config.introspection?.responseFormat).toBe('jwt')
    const plain = validateAuthorizationServer({ name: 'J', introspection: { ...introspection, responseFormat: undefined } })
    expect(plain.ok && plain.config.introspection?.responseFormat).toBe('json')
    const bad = validateAuthorizationServer({ name: 'J', introspection: { ...introspection, responseFormat: 'xml' } })
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual(['introspection.responseFormat'])
  })
})
