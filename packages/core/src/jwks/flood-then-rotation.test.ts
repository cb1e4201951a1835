import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { VerifierEvent } from '../verifier/types.ts'
import { createVerifier } from '../verifier/create-verifier.ts'
import { makeKey, mint, startJwksServer, type JwksServer, type TestKey } from '../testing/mint.test-support.ts'

// The whole verifier against a real JWKS server on 127.0.0.1 that honours conditional requests,
// with real timers. The unknown-kid cooldown after a 304 is shortened to 0.4 s so the test runs
// in about two seconds; the default (5 s) is covered with TestClock in remote-key-set.test.ts.
const cooldownSeconds = 0.4

let jwks: JwksServer
let oldKey: TestKey
let newKey: TestKey
beforeAll(async () => {
  oldKey = await makeKey('ES256', 'old')
  newKey = await makeKey('ES256', 'new')
  jwks = await startJwksServer([oldKey.publicJwk])
})
afterAll(() => jwks.close())
beforeEach(() => {
  jwks.keys = [oldKey.publicJwk]
  jwks.conditional = true
  jwks.fetches = 0
  jwks.notModified = 0
  jwks.cacheControl = 'max-age=3600'
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const outcome = async (promise: Promise<unknown>): Promise<{ code: string; ms: number }> => {
  const started = performance.now()
  const code = await promise.then(
    () => 'accepted',
    (error: { code?: string }) => error.code ?? 'error',
  )
  return { code, ms: performance.now() - started }
}

describe('flood of forged kids, then a key rotation (real server, real timers)', () => {
  it('accepts the rotation within one short cooldown, refuses at once until then, and bounds the fetches', async () => {
    const events: VerifierEvent[] = []
    const v = createVerifier({
      server: { name: 'TestIdP', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' },
      jwks: { revalidatedUnknownKidCooldownSeconds: cooldownSeconds },
      onEvent: (e) => events.push(e),
    })
    try {
      expect((await outcome(v.verify(await mint(oldKey)))).code).toBe('accepted')
      const forged = (i: number) => mint(oldKey, { header: { kid: `forged-${i}` }, claims: { jti: `f${i}` } })
      // The first forged kid: one conditional refetch, answered 304 (the server honours validators).
      expect((await outcome(v.verify(await forged(0)))).code).toBe('key_not_found')
      expect(jwks.lastConditional.ifNoneMatch).toMatch(/^"k/)
      expect(jwks.lastConditional.ifModifiedSince).toMatch(/GMT$/)
      expect(jwks.notModified).toBe(1)
      const fetchesBeforeFlood = jwks.fetches

      // The flood runs for 2 s; the provider rotates to the new key 0.1 s in.
      const floodStarted = performance.now()
      const rotatedToken = await mint(newKey)
      let rotatedAtMs: number | undefined
      let acceptedAfterMs: number | undefined
      const refusals: number[] = []
      for (let i = 1; performance.now() - floodStarted < 2_000; i++) {
        expect((await outcome(v.verify(await forged(i)))).code).toBe('key_not_found')
        const elapsed = performance.now() - floodStarted
        if (rotatedAtMs === undefined && elapsed >= 100) {
          jwks.keys = [newKey.publicJwk, oldKey.publicJwk]
          rotatedAtMs = elapsed
        }
        if (rotatedAtMs !== undefined && acceptedAfterMs === undefined) {
          const answer = await outcome(v.verify(rotatedToken))
          if (answer.code === 'accepted') acceptedAfterMs = performance.now() - floodStarted - rotatedAtMs
          else {
            expect(answer.code).toBe('key_not_found')
            refusals.push(answer.ms)
          }
        }
        await sleep(10)
      }
      const floodSeconds = (performance.now() - floodStarted) / 1000

      // Accepted within one cooldown of the rotation (plus a fetch and scheduling slack).
      expect(acceptedAfterMs).toBeDefined()
      expect(acceptedAfterMs!).toBeLessThan(cooldownSeconds * 1000 + 600)
      // Until then the token was refused at once, never held until the cooldown ended.
      for (const ms of refusals) expect(ms).toBeLessThan(200)
      // At most one fetch per cooldown window over the flood (one more for a window cut by its end).
      expect(jwks.fetches - fetchesBeforeFlood).toBeLessThanOrEqual(Math.ceil(floodSeconds / cooldownSeconds) + 1)
      expect(events.some((e) => e.type === 'jwks_not_modified')).toBe(true)
      expect(events.filter((e) => e.type === 'jwks_fetched' && e.changed)).toHaveLength(2)
    } finally {
      await v.close()
    }
  })

  it('without validators from the server, keeps the 30 s cooldown (no cheap refetch to lean on)', async () => {
    jwks.conditional = false
    const v = createVerifier({
      server: { name: 'TestIdP', jwksUrl: jwks.url, issuer: 'https://idp.test', audience: 'api://orders' },
      jwks: { revalidatedUnknownKidCooldownSeconds: cooldownSeconds },
    })
    try {
      await v.verify(await mint(oldKey))
      await outcome(v.verify(await mint(oldKey, { header: { kid: 'forged-a' } })))
      const fetches = jwks.fetches
      for (let i = 0; i < 10; i++) {
        await outcome(v.verify(await mint(oldKey, { header: { kid: `forged-b${i}` } })))
        await sleep(100)
      }
      expect(jwks.fetches).toBe(fetches)
      expect(jwks.lastConditional.ifNoneMatch).toBeUndefined()
    } finally {
      await v.close()
    }
  })
})
