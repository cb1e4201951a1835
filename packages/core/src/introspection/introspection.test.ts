// Opaque tokens through the verifier, against a real introspection endpoint on 127.0.0.1: the
// request tokenward sends, the cache and its revocation window (with an injected clock), single
// flight, fault injection, events, and which stage refused.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { validateAuthorizationServer } from '../config/authorization-server.ts'
import { ConfigError } from '../errors.ts'
import { redactForAudit } from '../organization/redact-for-audit.ts'
import { createVerifier, type CreateVerifierOptions } from '../verifier/create-verifier.ts'
import type { VerifierEvent } from '../verifier/types.ts'
import { startFakeAs, type FakeAs } from './fake-as.test-support.ts'

const secret = 'top-secret-value-0123456789'
const clientId = 'api client:1'
let as: FakeAs
let t = 1_800_000_000_000
const clock = () => t
const nowS = () => Math.floor(t / 1000)

beforeAll(async () => {
  as = await startFakeAs()
})
afterAll(async () => {
  await as.close()
})
afterEach(() => {
  as.behaviour = 'answer'
  as.answers.clear()
  as.requests.length = 0
})

const org = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] }
const activeAnswer = (extra: Record<string, unknown> = {}) => ({
  active: true,
  iss: 'https://as.test',
  aud: 'https://api.test',
  client_id: 'orders',
  sub: 'orders-svc',
  scope: 'zscloud::12345::ReadOnly',
  exp: nowS() + 600,
  iat: nowS() - 5,
  ...extra,
})

function verifierWith(introspection: Record<string, unknown> = {}, extra: Partial<CreateVerifierOptions> = {}, server: Record<string, unknown> = {}) {
  const events: VerifierEvent[] = []
  const verifier = createVerifier({
    server: {
      name: 'OpaqueAS',
      issuer: 'https://as.test',
      audience: 'https://api.test',
      introspection: { endpoint: as.url, clientId, clientAuthentication: { method: 'client_secret_basic', clientSecret: secret }, ...introspection },
      ...server,
    },
    organization: org,
    clock,
    introspection: { timeoutMs: 300 },
    onEvent: (e) => events.push(e),
    ...extra,
  })
  return { verifier, events }
}
const request = (token: string | undefined, url = 'https://api.test/orders?page=2') => ({
  method: 'GET',
  url,
  headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
})

describe('introspection of opaque tokens', () => {
  it('accepts an active token and sends the RFC 7662 request as an authenticated client', async () => {
    as.answers.set('opaque-1', activeAnswer())
    const { verifier } = verifierWith()
    const token = await verifier.verify('opaque-1')
    expect(token).toMatchObject({ clientId: 'orders', subject: 'orders-svc', source: 'introspection', fromCache: false, header: { alg: undefined } })
    expect(token.authorization?.adminId).toBe('oauth-ReadOnly$@12345.zscloud.net')
    expect(as.requests).toHaveLength(1)
    const [sent] = as.requests
    expect(sent!.method).toBe('POST')
    expect(sent!.form.get('token')).toBe('opaque-1')
    expect(sent!.form.get('token_type_hint')).toBe('access_token')
    expect(sent!.form.has('aud')).toBe(false)
    expect(sent!.headers.accept).toBe('application/json')
    // RFC 6749 §2.3.1: each part form-encoded before base64 (space → +, colon → %3A).
    expect(Buffer.from(String(sent!.headers.authorization).replace(/^Basic /, ''), 'base64').toString()).toBe(`api+client%3A1:${secret}`)
    await verifier.close()
  })

  it('serves a repeated token from the cache, and sees a revocation only once the cache window ends', async () => {
    as.answers.set('opaque-2', activeAnswer())
    const { verifier } = verifierWith({ tokenTimeToLiveSeconds: 60 })
    expect((await verifier.verify('opaque-2')).fromCache).toBe(false)
    as.answers.set('opaque-2', { active: false }) // revoked at the AS
    t += 59_000
    expect((await verifier.verify('opaque-2')).fromCache).toBe(true)
    expect(as.requests).toHaveLength(1)
    t += 1_000 // the 60 s window is over
    await expect(verifier.verify('opaque-2')).rejects.toMatchObject({ code: 'token_inactive', status: 401, stage: 'introspect' })
    expect(as.requests).toHaveLength(2)
    await verifier.close()
  })

  it('never caches past exp, and with cacheTokens: false asks every time', async () => {
    as.answers.set('short', activeAnswer({ exp: nowS() + 10 }))
    const cached = verifierWith()
    await cached.verifier.verify('short')
    t += 11_000 // past exp: the entry is gone, the AS is asked again (and its stale answer is within the 30 s tolerance)
    expect((await cached.verifier.verify('short')).fromCache).toBe(false)
    t += 30_000 // past exp + tolerance
    await expect(cached.verifier.verify('short')).rejects.toMatchObject({ code: 'token_expired', stage: 'introspect' })
    expect(as.requests).toHaveLength(3)
    as.requests.length = 0
    as.answers.set('again', activeAnswer())
    const uncached = verifierWith({ cacheTokens: false })
    await uncached.verifier.verify('again')
    await uncached.verifier.verify('again')
    await expect(uncached.verifier.verify('never-issued')).rejects.toMatchObject({ code: 'token_inactive' })
    await expect(uncached.verifier.verify('never-issued')).rejects.toMatchObject({ code: 'token_inactive' })
    expect(as.requests).toHaveLength(4)
    await cached.verifier.close()
    await uncached.verifier.close()
  })

  it('refuses an inactive token with 401 invalid_token, remembering it only briefly', async () => {
    const { verifier } = verifierWith()
    const verdict = await verifier.verifyRequest(request('junk-token'))
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) {
      expect(verdict.response.status).toBe(401)
      expect(verdict.response.headers['www-authenticate']).toContain('error="invalid_token"')
      expect(verdict.error.stage).toBe('introspect')
    }
    await verifier.verifyRequest(request('junk-token'))
    expect(as.requests).toHaveLength(1)
    t += 5_000
    await verifier.verifyRequest(request('junk-token'))
    expect(as.requests).toHaveLength(2)
    await verifier.close()
  })

  it('asks once for concurrent requests with the same token (single flight)', async () => {
    as.answers.set('busy', activeAnswer())
    const { verifier } = verifierWith()
    const answers = await Promise.all(Array.from({ length: 8 }, () => verifier.verify('busy')))
    expect(answers.every((a) => a.clientId === 'orders')).toBe(true)
    expect(as.requests).toHaveLength(1)
    await verifier.close()
  })

  it('checks the claims of an active answer like a JWT (issuer, audience, API role)', async () => {
    as.answers.set('wrong-iss', activeAnswer({ iss: 'https://evil.test' }))
    as.answers.set('no-aud', activeAnswer({ aud: undefined }))
    as.answers.set('no-role', activeAnswer({ scope: 'zscloud::99999::ReadOnly' }))
    as.answers.set('bound', activeAnswer({ cnf: { 'x5t#S256': 'abc' } }))
    const { verifier } = verifierWith()
    await expect(verifier.verify('wrong-iss')).rejects.toMatchObject({ code: 'invalid_issuer', stage: 'introspect' })
    await expect(verifier.verify('no-aud')).rejects.toMatchObject({ code: 'missing_claim', claim: 'aud' })
    await expect(verifier.verify('no-role')).rejects.toMatchObject({ code: 'insufficient_scope', status: 403, stage: 'authorize' })
    await expect(verifier.verify('bound')).rejects.toMatchObject({ code: 'token_bound', stage: 'binding' })
    await verifier.close()
  })

  it('with sendAudience, sends the request URI without its query as aud and accepts an answer without aud', async () => {
    as.answers.set('aud-checked', activeAnswer({ aud: undefined }))
    const { verifier } = verifierWith({ sendAudience: true })
    const verdict = await verifier.verifyRequest(request('aud-checked'))
    expect(verdict.ok).toBe(true)
    expect(as.requests[0]!.form.get('aud')).toBe('https://api.test/orders')
    // Without a request there is no URI to send: the answer must then carry aud itself.
    await expect(verifier.verify('aud-checked')).rejects.toMatchObject({ code: 'missing_claim', claim: 'aud' })
    await verifier.close()
  })

  it('keeps JWT-shaped tokens on the local path in opaque mode, and introspects them with mode: always', async () => {
    const jwtShaped = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
    as.answers.set(jwtShaped, activeAnswer())
    const keys = { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] } }
    const local = verifierWith({}, {}, keys)
    await expect(local.verifier.verify(jwtShaped)).rejects.toMatchObject({ stage: 'jwt' })
    expect(as.requests).toHaveLength(0)
    const always = verifierWith({ mode: 'always' }, {}, keys)
    expect((await always.verifier.verify(jwtShaped)).source).toBe('introspection')
    expect(as.requests).toHaveLength(1)
    await local.verifier.close()
    await always.verifier.close()
  })

  it('refuses a token outside the bearer syntax before sending anything', async () => {
    const { verifier } = verifierWith()
    const verdict = await verifier.verifyRequest(request('bad token'))
    expect(verdict.ok).toBe(false)
    expect(as.requests).toHaveLength(0)
    await verifier.close()
  })
})

describe('when the authorization server cannot answer: 503, never 401', () => {
  const faults = [
    ['slow (timeout)', 'slow', undefined],
    ['HTTP 500', '500', undefined],
    ['a body that is not JSON', 'garbage', undefined],
    ['active as a string', 'string-active', undefined],
    ['429 with Retry-After', '429', 7],
    ['401 for our own credentials', '401', 30],
    ['403 for our own credentials', '403', 30],
  ] as const
  it.each(faults)('%s', async (_name, behaviour, retryAfter) => {
    as.behaviour = behaviour
    const { verifier, events } = verifierWith()
    const verdict = await verifier.verifyRequest(request(`tok-${behaviour}`))
    expect(verdict.ok).toBe(false)
    if (!verdict.ok) {
      expect(verdict.error).toMatchObject({ code: 'introspection_unavailable', status: 503, reason: 'introspection', stage: 'introspect' })
      expect(verdict.response.status).toBe(503)
      expect(verdict.response.headers['retry-after']).toBe(String(retryAfter ?? 5))
    }
    const event = events.find((e) => e.type === 'introspection')
    const misconfigured = behaviour === '401' || behaviour === '403'
    expect(event).toMatchObject({ outcome: misconfigured ? 'misconfigured' : 'unavailable' })
    // The operator learns what to fix from the event; the API caller is not told.
    if (misconfigured && !verdict.ok) {
      expect(event).toMatchObject({ message: expect.stringContaining('introspection.clientId') })
      expect(JSON.stringify(verdict.response.body)).not.toContain('clientId')
    }
    // An outage is never remembered: the next request asks again.
    const before = as.requests.length
    await verifier.verifyRequest(request(`tok-${behaviour}`))
    expect(as.requests.length).toBe(before + 1)
    await verifier.close()
  })

  it('the AS down (connection refused)', async () => {
    const down = await startFakeAs()
    await down.close()
    const { verifier } = verifierWith({ endpoint: down.url })
    await expect(verifier.verify('anything')).rejects.toMatchObject({ code: 'introspection_unavailable', status: 503 })
    await verifier.close()
  })

  it('an address policy (a tenant-supplied endpoint) refuses the loopback endpoint before anything is sent', async () => {
    as.answers.set('policy', activeAnswer())
    const { verifier, events } = verifierWith({}, { jwks: { addressPolicy: {} } })
    await expect(verifier.verify('policy')).rejects.toMatchObject({ code: 'introspection_unavailable', status: 503 })
    expect(as.requests).toHaveLength(0)
    expect(events).toEqual([expect.objectContaining({ outcome: 'unavailable', message: expect.stringContaining('address_not_allowed') })])
    const opened = verifierWith({}, { jwks: { addressPolicy: { developmentLoopback: true } } })
    expect((await opened.verifier.verify('policy')).clientId).toBe('orders')
    await verifier.close()
    await opened.verifier.close()
  })

  it('400 unsupported_token_type is a refusal of the token: 401', async () => {
    as.behaviour = 'unsupported_token_type'
    const { verifier } = verifierWith()
    await expect(verifier.verify('refresh-token-maybe')).rejects.toMatchObject({ code: 'token_inactive', status: 401 })
    await verifier.close()
  })
})

describe('introspection events and secrets', () => {
  it('emits one event per AS request with fingerprint and subject, never the token or the secret', async () => {
    as.answers.set('opaque-evt-0123456789', activeAnswer())
    const { verifier, events } = verifierWith({}, {}, { subjectAttributeName: 'client_id' })
    await verifier.verify('opaque-evt-0123456789')
    await verifier.verify('opaque-evt-0123456789') // cache hit: no AS request, no event
    const sent = events.filter((e) => e.type === 'introspection')
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ authorizationServer: 'OpaqueAS', endpointKind: 'introspection', status: 200, outcome: 'active', subject: 'orders', stage: 'introspect' })
    expect(sent[0]).toHaveProperty('tokenFingerprint', expect.stringMatching(/^[0-9a-f]{12}$/))
    const text = JSON.stringify(sent)
    expect(text).not.toContain('opaque-evt-0123456789')
    expect(text).not.toContain(secret)
    await verifier.close()
  })

  it('audit: false silences the events', async () => {
    as.answers.set('quiet', activeAnswer())
    const { verifier, events } = verifierWith({}, {}, { audit: false })
    await verifier.verify('quiet')
    expect(events.filter((e) => e.type === 'introspection')).toHaveLength(0)
    await verifier.close()
  })

  it('keeps the client secret out of config errors and audit records; the config stays plain, storable data', () => {
    const bad = validateAuthorizationServer({ name: 'X', introspection: { endpoint: 'ftp://x', clientId: '', clientAuthentication: { method: 'nope', clientSecret: secret }, mode: 'sometimes', tokenTimeToLiveSeconds: -2 } })
    expect(bad.ok).toBe(false)
    if (!bad.ok) {
      expect(bad.issues.map((i) => i.path).sort()).toEqual([
        'introspection.clientAuthentication.method',
        'introspection.clientId',
        'introspection.endpoint',
        'introspection.mode',
        'introspection.tokenTimeToLiveSeconds',
      ])
      expect(JSON.stringify(bad)).not.toContain(secret)
    }
    const good = validateAuthorizationServer({ name: 'X', introspection: { endpoint: as.url, clientId: 'c', clientAuthentication: { method: 'client_secret_basic', clientSecret: secret } } })
    expect(good.ok).toBe(true)
    if (good.ok) {
      expect(good.config.jwksUrl).toBeUndefined()
      // Stored config is plain data (the secret must survive a store); audit records redact it.
      expect(structuredClone(good.config)).toEqual(good.config)
      expect(JSON.stringify(redactForAudit(good.config))).not.toContain(secret)
      expect(good.config.introspection).toMatchObject({ cacheTokens: true, tokenTimeToLiveSeconds: -1, sendAudience: false, responseFormat: 'json', mode: 'opaque' })
    }
  })

  it('still requires a key source or introspection, and checks the verifier knobs when built', () => {
    const none = validateAuthorizationServer({ name: 'X' })
    expect(!none.ok && none.issues.map((i) => i.path)).toEqual(['jwksUrl'])
    expect(() => verifierWith({}, { introspection: { timeoutMs: 0 } })).toThrow(ConfigError)
  })

  it('names the credential stage when no token was sent', async () => {
    const { verifier } = verifierWith()
    const verdict = await verifier.verifyRequest(request(undefined))
    expect(!verdict.ok && verdict.error.stage).toBe('credential')
    await verifier.close()
  })
})
