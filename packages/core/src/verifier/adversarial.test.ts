// Hostile tokens (RFC 8725 and the classic JWT attacks), run through the whole verifier on both
// platform implementations (node:crypto + node:https, and WebCrypto + fetch), and through the
// Promise door with the same keys written inline (which runs without the Effect runtime).
import { createHmac, generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import { Cause, Effect, Exit, Layer, ManagedRuntime, Scope } from 'effect'
import fc from 'fast-check'
import { exportJWK, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthorizationServerInput } from '../config/authorization-server.ts'
import { isTokenwardError, type VerificationError } from '../errors.ts'
import { platform as nodePlatform } from '../platform/node.ts'
import { platform as webPlatform } from '../platform/web.ts'
import type { Platform } from '../platform/types.ts'
import { b64, baseClaims, makeKey, mint, now, startJwksServer, type JwksServer, type TestKey } from '../testing/mint.test-support.ts'
import { createVerifier } from './create-verifier.ts'
import { makeTokenVerifier, resolveVerifierOptions, type TokenVerifierShape } from './token-verifier.ts'
import type { VerifierOptions } from './types.ts'

let rsa: TestKey
let rsa2: TestKey
let ec: TestKey
let ed: TestKey
let encKey: TestKey
let weak: TestKey
let attacker: TestKey
let keys: JWK[]
let jwksServer: JwksServer

beforeAll(async () => {
  rsa = await makeKey('RS256', 'rsa')
  rsa2 = await makeKey('RS256', 'rsa-dup-a')
  ec = await makeKey('ES256', 'ec')
  ed = await makeKey('EdDSA', 'ed')
  encKey = await makeKey('RS256', 'enc', { use: 'enc' })
  weak = await makeKey('RS256', 'weak', {}, { modulusLength: 1024 })
  attacker = await makeKey('RS256', 'rsa')
  // A hostile-but-real JWKS: besides the good keys, an encryption key, a weak key and an HMAC
  // secret that a careless verifier could be tricked into using.
  keys = [rsa.publicJwk, ec.publicJwk, ed.publicJwk, encKey.publicJwk, weak.publicJwk, rsa2.publicJwk, { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' }]
  jwksServer = await startJwksServer(keys)
})
afterAll(() => jwksServer.close())

interface Harness {
  /** `'accepted'`, or the code of the error the token was refused with. */
  code(token: unknown): Promise<string>
  close(): Promise<void>
}

const harnessOptions = (options: Partial<VerifierOptions>): VerifierOptions => ({
  server: { name: 'IdP', jwksUrl: jwksServer.url, issuer: 'https://idp.test', audience: 'api://orders', algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
  cache: false,
  ...options,
})

/** The Effect verifier, fetching the hostile JWKS from a real server. */
function harness(platform: Platform, options: Partial<VerifierOptions> = {}): Harness {
  const resolved = resolveVerifierOptions(harnessOptions(options))
  if (!resolved.ok) throw resolved.error
  const runtime = ManagedRuntime.make(Layer.empty)
  // The verifier lives in the runtime's scope, like the Promise door's, so background work runs until close.
  const verifier = runtime.runPromise(Effect.provideService(makeTokenVerifier(resolved.value, platform), Scope.Scope, runtime.scope))
  return {
    async code(token: unknown): Promise<string> {
      const v: TokenVerifierShape = await verifier
      const exit = await runtime.runPromiseExit(v.verify(token))
      if (Exit.isSuccess(exit)) return 'accepted'
      const failure = Cause.findErrorOption(exit.cause)
      if (failure._tag === 'None') throw new Error(`defect: ${Cause.pretty(exit.cause)}`)
      const e: VerificationError = failure.value
      if (!isTokenwardError(e)) throw new Error(`not a tokenward error: ${String(e)}`)
      return e.code
    },
    close: () => runtime.dispose(),
  }
}

/** The Promise door with the same keys written into the configuration instead of fetched. */
function inlineDoorHarness(options: Partial<VerifierOptions> = {}): Harness {
  const { server, ...rest } = harnessOptions(options)
  const { jwksUrl, ...inline } = server as AuthorizationServerInput & { jwksUrl?: string }
  // The configuration refuses symmetric keys outright, so the inline set lacks the oct key.
  const inlineKeys = keys.filter((key) => key.kty !== 'oct')
  const verifier = createVerifier({ ...rest, server: jwksUrl === undefined ? server : ({ ...inline, jwks: { keys: inlineKeys } } as AuthorizationServerInput) })
  return {
    async code(token: unknown): Promise<string> {
      try {
        await verifier.verify(token as string)
        return 'accepted'
      } catch (e) {
        if (!isTokenwardError(e)) throw new Error(`not a tokenward error: ${String(e)}`)
        return e.code
      }
    },
    close: () => verifier.close(),
  }
}

const split = (t: string) => t.split('.') as [string, string, string]
const rawToken = (header: string, payload: string, signature = 'c2ln') => `${header}.${payload}.${signature}`

describe.each([
  ['the node platform', (options?: Partial<VerifierOptions>) => harness(nodePlatform, options), {}],
  ['the web platform', (options?: Partial<VerifierOptions>) => harness(webPlatform, options), {}],
  ['the Promise door with inline keys', inlineDoorHarness, { 'a kid naming the oct key with an allowed alg': 'key_not_found' }],
] as const)('hostile tokens through %s', (_name, harnessFor, differentCodes: Readonly<Record<string, string>>) => {
  let h: Harness
  beforeAll(() => {
    h = harnessFor()
  })
  afterAll(() => h.close())

  it('accepts the honest tokens (RS256, ES256, EdDSA)', async () => {
    expect(await h.code(await mint(rsa))).toBe('accepted')
    expect(await h.code(await mint(ec))).toBe('accepted')
    expect(await h.code(await mint(ed))).toBe('accepted')
  })

  const cases: [string, () => Promise<string> | string, string][] = [
    ['alg none with an empty signature', () => `${b64({ alg: 'none' })}.${b64(baseClaims())}.`, 'malformed_token'],
    ['alg none with a signature', () => rawToken(b64({ alg: 'none' }), b64(baseClaims())), 'alg_not_allowed'],
    ['alg "None" (case games)', () => rawToken(b64({ alg: 'None', kid: 'rsa' }), b64(baseClaims())), 'alg_not_allowed'],
    [
      'HS256 signed with the RSA public key as the HMAC secret (key confusion)',
      () => {
        const signingInput = `${b64({ alg: 'HS256', kid: 'rsa' })}.${b64(baseClaims())}`
        const secret = JSON.stringify(rsa.publicJwk)
        return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`
      },
      'alg_not_allowed',
    ],
    ['HS256 naming the oct key', () => rawToken(b64({ alg: 'HS256', kid: 'hmac' }), b64(baseClaims())), 'alg_not_allowed'],
    ['alg missing', () => rawToken(b64({ kid: 'rsa' }), b64(baseClaims())), 'invalid_header'],
    ['alg not a string', () => rawToken(b64({ alg: ['RS256'], kid: 'rsa' }), b64(baseClaims())), 'invalid_header'],
    ['alg outside the allow-list (RS512)', () => rawToken(b64({ alg: 'RS512', kid: 'rsa' }), b64(baseClaims()), b64('x'.repeat(256))), 'alg_not_allowed'],
    ['RS256 header naming an EC key', () => rawToken(b64({ alg: 'RS256', kid: 'ec' }), b64(baseClaims()), b64('x'.repeat(256))), 'invalid_key'],
    ['ES256 header naming an RSA key', () => rawToken(b64({ alg: 'ES256', kid: 'rsa' }), b64(baseClaims()), b64('x'.repeat(64))), 'invalid_key'],
    ['a kid naming an encryption key', () => mint(encKey), 'invalid_key'],
    ['a kid naming a 1024-bit RSA key', () => rawToken(b64({ alg: 'RS256', kid: 'weak' }), b64(baseClaims()), b64('x'.repeat(128))), 'invalid_key'],
    ['a kid naming the oct key with an allowed alg', () => rawToken(b64({ alg: 'RS256', kid: 'hmac' }), b64(baseClaims())), 'invalid_key'],
    ['an attacker key reusing a published kid', () => mint(attacker), 'invalid_signature'],
    ['an embedded jwk header with the attacker key', async () => mint(attacker, { header: { kid: 'attacker', jwk: attacker.publicJwk } }), 'key_not_found'],
    ['a jku header pointing elsewhere', async () => mint(attacker, { header: { kid: 'attacker', jku: 'https://evil.test/jwks' } }), 'key_not_found'],
    ['an x5u header pointing elsewhere', async () => mint(attacker, { header: { kid: 'attacker', x5u: 'https://evil.test/cert' } }), 'key_not_found'],
    ['no kid while several keys fit RS256', async () => mint(rsa, { omitKid: true }), 'invalid_key'],
    ['crit with an unknown extension', () => rawToken(b64({ alg: 'RS256', kid: 'rsa', crit: ['exp'], exp: 1 }), b64(baseClaims())), 'invalid_header'],
    ['b64: false', () => rawToken(b64({ alg: 'RS256', kid: 'rsa', b64: false, crit: ['b64'] }), b64(baseClaims())), 'invalid_header'],
    ['a JWE (five segments)', () => 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d', 'malformed_token'],
    ['a nested JWT (cty JWT)', async () => mint(rsa, { header: { cty: 'JWT' } }), 'malformed_token'],
    ['JSON serialization', () => JSON.stringify({ payload: 'x', signatures: [] }), 'malformed_token'],
    ['base64 padding', async () => (await mint(rsa)).replace(/\.([^.]+)$/, '.$1=='), 'malformed_token'],
    ['standard base64 characters', async () => `${(await mint(rsa)).slice(0, -2)}+/`, 'malformed_token'],
    ['whitespace inside', async () => (await mint(rsa)).replace('.', ' .'), 'malformed_token'],
    ['four segments', async () => `${await mint(rsa)}.x`, 'malformed_token'],
    ['a duplicate exp claim (valid first, huge second)', () => rawToken(b64({ alg: 'RS256', kid: 'rsa' }), b64(`{"client_id":"c","exp":1,"exp":9999999999}`)), 'malformed_token'],
    ['a duplicate alg written with an escape', () => rawToken(b64(`{"alg":"RS256","\\u0061lg":"none","kid":"rsa"}`), b64(baseClaims())), 'malformed_token'],
    ['a payload that is an array', () => rawToken(b64({ alg: 'RS256', kid: 'rsa' }), b64([1, 2])), 'malformed_token'],
    ['invalid UTF-8 in the payload', () => rawToken(b64({ alg: 'RS256', kid: 'rsa' }), Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')), 'malformed_token'],
    ['a payload with a byte-order mark', () => rawToken(b64({ alg: 'RS256', kid: 'rsa' }), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(baseClaims()))]).toString('base64url')), 'malformed_token'],
    ['a token over the length limit', () => `${'a'.repeat(17_000)}.b.c`, 'token_too_large'],
    [
      'a psychic ECDSA signature (r = s = 0)',
      async () => {
        const [hd, pl] = split(await mint(ec))
        return `${hd}.${pl}.${Buffer.alloc(64).toString('base64url')}`
      },
      'invalid_signature',
    ],
    [
      'a payload swapped under a valid signature',
      async () => {
        const [hd, , sig] = split(await mint(rsa))
        return `${hd}.${b64({ ...baseClaims(), scope: 'zscloud::12345::Admin' })}.${sig}`
      },
      'invalid_signature',
    ],
    [
      'a header swapped under a valid signature (PS256 on a key pinned to RS256)',
      async () => {
        const [, pl, sig] = split(await mint(rsa))
        return `${b64({ alg: 'PS256', kid: 'rsa', typ: 'at+jwt' })}.${pl}.${sig}`
      },
      'invalid_key',
    ],
    ['exp as a string', async () => mint(rsa, { claims: { exp: String(now() + 600) } }), 'invalid_claim'],
    ['exp missing', async () => mint(rsa, { claims: { exp: undefined } }), 'missing_claim'],
    ['an aud array not containing the API', async () => mint(rsa, { claims: { aud: ['api://a', 'api://b'] } }), 'invalid_audience'],
    ['an issuer with a trailing slash', async () => mint(rsa, { claims: { iss: 'https://idp.test/' } }), 'invalid_issuer'],
    ['client aliases that disagree', async () => mint(rsa, { claims: { cid: 'someone-else' } }), 'invalid_client'],
    ['iat far in the future', async () => mint(rsa, { claims: { iat: now() + 3600 } }), 'invalid_iat'],
    ['a non-string token', () => 42 as unknown as string, 'malformed_token'],
  ]

  it.each(cases)('refuses %s', async (label, make, code) => {
    expect(await h.code(await make())).toBe(differentCodes[label] ?? code)
  })

  it('refuses a JWT typ when at+jwt is required', async () => {
    const strict = harnessFor({ server: { name: 'IdP', jwksUrl: jwksServer.url, requireAccessTokenType: true } })
    try {
      expect(await strict.code(await mint(rsa, { header: { typ: 'JWT' } }))).toBe('invalid_typ')
      expect(await strict.code(await mint(rsa, { header: { typ: 'application/AT+JWT' } }))).toBe('accepted')
    } finally {
      await strict.close()
    }
  })

  it('refuses an RSA-PSS signature made with the wrong salt length', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = { ...(await exportJWK(publicKey)), kid: 'pss', alg: 'PS256' }
    const pss = harnessFor({ server: { name: 'IdP', jwks: { keys: [jwk] as never }, algorithms: ['PS256'] } })
    try {
      const signingInput = `${b64({ alg: 'PS256', kid: 'pss' })}.${b64(baseClaims())}`
      const sig = (saltLength: number) => nodeSign('sha256', Buffer.from(signingInput), { key: privateKey, padding: 6, saltLength }).toString('base64url')
      expect(await pss.code(`${signingInput}.${sig(32)}`)).toBe('accepted')
      expect(await pss.code(`${signingInput}.${sig(0)}`)).toBe('invalid_signature')
    } finally {
      await pss.close()
    }
  })

  it('property: no single-character change of a valid token is ever accepted', async () => {
    const token = await mint(rsa)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.= +/'
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), async (i, ch) => {
        fc.pre(token[i] !== ch)
        const mutated = token.slice(0, i) + ch + token.slice(i + 1)
        expect(await h.code(mutated)).not.toBe('accepted')
      }),
      { numRuns: 300 },
    )
  })

  it('property: nothing throws past the API — every input gets a coded verdict', async () => {
    const tokenish = fc.oneof(
      fc.string(),
      fc.array(fc.stringMatching(/^[A-Za-z0-9_-]*$/), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
      fc.tuple(fc.jsonValue(), fc.jsonValue()).map(([hd, pl]) => `${b64(hd ?? null)}.${b64(pl ?? null)}.c2ln`),
      fc.dictionary(fc.string(), fc.jsonValue()).map((hd) => `${b64({ ...hd, alg: 'RS256', kid: 'rsa' })}.${b64(baseClaims())}.c2ln`),
      fc.anything(),
    )
    await fc.assert(
      fc.asyncProperty(tokenish, async (t) => {
        expect(await h.code(t)).not.toBe('accepted')
      }),
      { numRuns: 300 },
    )
  })

  it('property: hostile nesting and long inputs are answered promptly', async () => {
    const deep = (open: string) => rawToken(b64({ alg: 'RS256', kid: 'rsa' }), b64(open.repeat(2000)))
    const started = performance.now()
    expect(await h.code(deep('['))).toBe('malformed_token')
    expect(await h.code(deep('{"a":'))).toBe('malformed_token')
    expect(await h.code('.'.repeat(16_000))).toBe('malformed_token')
    // Not a speed target: a guard that none of these falls into super-linear work.
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})
