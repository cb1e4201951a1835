// The Effect door: TokenVerifier as a service and layer, time from TestClock; and the verifier
// end to end against a real HTTPS JWKS server whose certificate a test CA issued.
import { Effect, Exit, Layer } from 'effect'
import { TestClock } from 'effect/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { createTestCertificateAuthority, startHttpsServer, type TestServer } from '../platform/tls-fixture.test-support.ts'
import { makeKey, mint, type TestKey } from '../testing/mint.test-support.ts'
import { createVerifier } from './create-verifier.ts'
import { TokenVerifier } from './token-verifier-service.ts'

let key: TestKey
beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
})

const run = <A, E>(effect: Effect.Effect<A, E, TokenVerifier>, layer: Layer.Layer<TokenVerifier, ConfigError>) =>
  Effect.runPromiseExit(effect.pipe(Effect.provide(layer), Effect.provide(TestClock.layer())))

describe('TokenVerifier (Effect door)', () => {
  const layer = () => TokenVerifier.layer({ server: { name: 'Inline', jwks: { keys: [key.publicJwk as never] }, issuer: 'https://idp.test' } })

  it('verifies with time from the Clock, and expiry follows TestClock', async () => {
    const token = await mint(key, { claims: { iat: 1_000, exp: 2_000 } })
    const exit = await run(
      Effect.gen(function* () {
        const verifier = yield* TokenVerifier
        yield* TestClock.setTime(1_500_000)
        const first = yield* verifier.verify(token)
        const hit = yield* verifier.verify(token)
        yield* TestClock.adjust('10 minutes')
        const late = yield* Effect.flip(verifier.verify(token))
        return { first: first.fromCache, hit: hit.fromCache, late: late.code }
      }),
      layer(),
    )
    expect(exit).toEqual(Exit.succeed({ first: false, hit: true, late: 'token_expired' }))
  })

  it('publishes the domain operations only, not the Promise door\'s hot-path internals', async () => {
    const exit = await run(
      Effect.map(Effect.service(TokenVerifier), (verifier) => {
        // @ts-expect-error verifyNow belongs to the Promise door's engine, not to the published shape.
        const internal: unknown = verifier.verifyNow
        return { keys: Object.keys(verifier).sort(), internal }
      }),
      layer(),
    )
    expect(exit).toEqual(Exit.succeed({ keys: ['clearCache', 'config', 'status', 'verify', 'verifyRequest', 'warm'], internal: undefined }))
    expect(Object.keys(TokenVerifier).filter((name) => name.startsWith('layer'))).toEqual(['layer'])
  })

  it('fails the layer with a ConfigError naming the bad fields', async () => {
    const exit = await run(Effect.asVoid(Effect.service(TokenVerifier)), TokenVerifier.layer({ server: { name: 'no spaces allowed', jwksUrl: 'ftp://x' } }))
    const failure = Exit.findErrorOption(exit)
    expect(failure._tag).toBe('Some')
    if (failure._tag !== 'Some') return
    expect(failure.value).toBeInstanceOf(ConfigError)
    expect(failure.value.issues.map((i) => i.path).sort()).toEqual(['server.jwksUrl', 'server.name'])
  })
})

describe('verifier over HTTPS', () => {
  const ca = createTestCertificateAuthority()
  let server: TestServer
  beforeAll(async () => {
    server = await startHttpsServer(ca.issue({ ipAddresses: ['127.0.0.1'] }), (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }))
    })
  })
  afterAll(() => server.close())

  const verify = async (tls: { jwksCertificateValidation?: boolean; trustedCertificates?: string[] }) => {
    const v = createVerifier({ server: { name: 'Tls', jwksUrl: `${server.origin}/jwks`, issuer: 'https://idp.test', ...tls } })
    try {
      return await v.verify(await mint(key)).then(
        (t) => t.clientId,
        (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
      )
    } finally {
      await v.close()
    }
  }

  it('accepts tokens when the JWKS host is trusted through trustedCertificates', async () => {
    expect(await verify({ trustedCertificates: [ca.certificatePem] })).toBe('client-1')
  })
  it('answers 503 jwks_unavailable, naming TLS, when the certificate is not trusted', async () => {
    expect(await verify({})).toMatch(/^jwks_unavailable: .*(TLS|certificate)/i)
  })
  it('accepts tokens with certificate validation explicitly switched off', async () => {
    expect(await verify({ jwksCertificateValidation: false })).toBe('client-1')
  })
})
